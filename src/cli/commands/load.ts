import type { Command } from "commander";
import { loadStudy, type FormatName } from "../../study/load.js";
import { formatSummary, summarizeStudy } from "../../study/summary.js";
import { ENCODING_HELP, parseDirection, parseEncodingOption } from "../options.js";
import { escapeTerminalBlock } from "../../core/terminal.js";
import { stringifyJson } from "../../util/fs.js";

export function register(program: Command): void {
  program
    .command("load")
    .description("load trial logs and print a summary (trials by status, metrics, hyperparameters, steps)")
    .argument("<path>", "log file or folder")
    .option("-f, --format <format>", "log format (default: detected)")
    .option("-o, --objective <metric>", "objective metric")
    .option("-d, --direction <dir>", "minimize or maximize (default: from the log or the metric's name)")
    .option("--study <name>", "which study of a storage that holds several (Optuna SQLite/PostgreSQL/journal)")
    .option("--encoding <name>", ENCODING_HELP)
    .option("--json", "print a machine-readable summary")
    .action(async (path: string, opts: { format?: string; objective?: string; direction?: string; study?: string; encoding?: string; json?: boolean }) => {
      const study = await loadStudy(path, {
        format: opts.format as FormatName | undefined,
        objective: opts.objective,
        direction: parseDirection(opts.direction),
        study: opts.study,
        encoding: parseEncodingOption(opts.encoding),
      });
      const summary = summarizeStudy(study);
      // JSON escapes control characters itself; the text summary escapes each user string.
      process.stdout.write(opts.json ? stringifyJson(summary, 2) + "\n" : escapeTerminalBlock(formatSummary(summary)) + "\n");
    });
}
