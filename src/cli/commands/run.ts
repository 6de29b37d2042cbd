import { relative } from "node:path";
import type { Command } from "commander";
import { loadStudyConfig } from "../../runner/config.js";
import { parseShard, runStudy } from "../../runner/run.js";
import { terminalProgress } from "../../runner/progress.js";
import { parseIntOption } from "../options.js";

export function register(program: Command): void {
  program
    .command("run")
    .description("run a study from its config (YAML/JSON): trials in parallel worker processes, stored in --out, resumable")
    .argument("<config>", "study config file")
    .option("--out <dir>", "study directory (default: runs/<study name>)")
    .option("-w, --workers <n>", "parallel workers (default: the config's, else the number of cores)")
    .option("--resume", "finish a study that was interrupted: completed trials are kept, unfinished ones rerun")
    .option("--shard <i/n>", "run only trial indices ≡ i (mod n), e.g. for a Slurm job array or an Indexed Job")
    .action(async (file: string, opts: { out?: string; workers?: string; resume?: boolean; shard?: string }) => {
      const config = loadStudyConfig(file);
      const dir = opts.out ?? `runs/${config.name.replace(/[^\w.-]+/g, "_")}`;
      const ac = new AbortController();
      const onSigint = () => {
        process.stderr.write("\ninterrupted: stopping running trials (rerun with --resume to finish)\n");
        ac.abort();
      };
      process.once("SIGINT", onSigint);
      process.once("SIGTERM", onSigint);
      const summary = await runStudy(config, {
        dir,
        resume: opts.resume,
        shard: opts.shard ? parseShard(opts.shard) : undefined,
        workers: opts.workers ? parseIntOption("workers", opts.workers, 1, 1) : undefined,
        signal: ac.signal,
        onProgress: terminalProgress(),
        command: ["tunebook", "run", ...process.argv.slice(3)].join(" "),
      });
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigint);
      const s = summary.byStatus;
      const state = summary.storageError ? "stopped" : summary.interrupted ? "interrupted" : "done";
      process.stdout.write(
        `${state}: ${summary.ran} trial(s) run, ${summary.skipped} already done` +
          (summary.elsewhere ? `, ${summary.elsewhere} being run by another runner` : "") +
          (summary.lost ? `, ${summary.lost} taken over by another runner (results discarded)` : "") +
          `; ${s.complete} complete, ${s.diverged} diverged, ${s.failed} failed, ${s.oom} oom` +
          (s.running ? `, ${s.running} unfinished (rerun with --resume)` : "") +
          (summary.best ? `; best ${summary.best.value} (${summary.best.trial})` : "") +
          `\nstudy: ${relative(process.cwd(), summary.dir) || "."}\n`,
      );
      if (summary.storageError) {
        process.stderr.write(`tunebook: ${summary.storageError}\nthe study's records are intact; free space and finish with --resume\n`);
        process.exitCode = 1;
      } else if (summary.interrupted) process.exitCode = 130;
    });
}
