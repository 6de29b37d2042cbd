import type { Command } from "commander";
import { loadStudy, type LoadOptions } from "../../study/load.js";
import { formatSummary, summarizeStudy } from "../../study/summary.js";
import { addInputOptions, loadOptionsOf, type InputOptions } from "../options.js";
import { escapeJsonForTerminal, escapeTerminalBlock } from "../../core/terminal.js";
import { stringifyJson } from "../../util/fs.js";
import { TunebookError } from "../../study/types.js";
import { watchStudy } from "../../study/watch.js";

export function register(program: Command): void {
  const cmd = addInputOptions(
    program
      .command("load")
      .description("load trial logs and print a summary (trials by status, metrics, hyperparameters, steps)")
      .argument("<path>", "log file, folder, or storage URL (sqlite:///…, postgresql://…)"),
    // `load` writes no file, so `--format` stays accepted for the log format (the shared vocabulary is --log-format).
    true,
  )
    .option("--study <name>", "which study of a storage that holds several (Optuna SQLite/PostgreSQL/journal, MLflow experiment)")
    .option("--watch <seconds>", "reload every N seconds and print the summary again when it changes, until nothing has run or changed for 2N s (at least 10 s), or Ctrl-C")
    .option("--json", "print a machine-readable summary (with --watch: one JSON line per change)")
    .action(async (path: string, opts: InputOptions & { format?: string; study?: string; watch?: string; json?: boolean }) => {
      const options: LoadOptions = { ...loadOptionsOf(opts, true), study: opts.study };
      const print = (study: Awaited<ReturnType<typeof loadStudy>>, compact: boolean): void => {
        const summary = summarizeStudy(study);
        // JSON escapes control characters itself; the text summary escapes each user string.
        process.stdout.write(opts.json ? escapeJsonForTerminal(stringifyJson(summary, compact ? undefined : 2)) + "\n" : escapeTerminalBlock(formatSummary(summary)) + "\n");
      };
      if (opts.watch === undefined) return print(await loadStudy(path, options), false);
      const seconds = Number(opts.watch);
      if (!(seconds > 0) || seconds > 86400) throw new TunebookError(`--watch must be a number of seconds in (0, 86400], not "${opts.watch}"`);
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      for await (const study of watchStudy(path, options, { seconds, signal: stop.signal })) {
        if (!opts.json) process.stdout.write(`--- ${new Date().toISOString()}\n`);
        print(study, true);
      }
    });
}
