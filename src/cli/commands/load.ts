import type { Command } from "commander";
import { loadStudy } from "../../study/load.js";
import { formatSummary, summarizeStudy } from "../../study/summary.js";
import { type InputOptions, addInputOptions, loadOptionsOf } from "../options.js";
import { escapeTerminalBlock } from "../../core/terminal.js";
import { stringifyJson } from "../../util/fs.js";

export function register(program: Command): void {
  const cmd = program
    .command("load")
    .description("load trial logs and print a summary (trials by status, metrics, hyperparameters, steps)")
    .argument("<path>", "log file or folder");
  addInputOptions(cmd, true)
    .option("--json", "print a machine-readable summary")
    .action(async (path: string, opts: InputOptions & { format?: string; json?: boolean }) => {
      const study = await loadStudy(path, loadOptionsOf(opts, true));
      const summary = summarizeStudy(study);
      // JSON escapes control characters itself; the text summary escapes each user string.
      process.stdout.write(opts.json ? stringifyJson(summary, 2) + "\n" : escapeTerminalBlock(formatSummary(summary)) + "\n");
    });
}
