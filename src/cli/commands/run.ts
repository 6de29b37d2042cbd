import { isAbsolute, relative } from "node:path";

/** A path as the user would type it from here: relative when inside the working folder. */
const shown = (p: string) => {
  const r = relative(process.cwd(), p);
  return escapeTerminal(r === "" ? "." : r.startsWith("..") || isAbsolute(r) ? p : r);
};
import type { Command } from "commander";
import { loadStudyConfig } from "../../runner/config.js";
import { parseShard, prepareStudy, runStudy } from "../../runner/run.js";
import { terminalProgress } from "../../runner/progress.js";
import { k8sIndexedJob, submitSlurm } from "../../runner/slurm.js";
import { parseIntOption } from "../options.js";
import { escapeTerminal } from "../../core/terminal.js";

const collect = (v: string, prev: string[]) => [...prev, v];

interface RunOpts {
  out?: string;
  workers?: string;
  resume?: boolean;
  shard?: string;
  wait?: boolean;
  slurm?: boolean;
  maxParallel?: string;
  slurmArg: string[];
  k8s?: boolean;
  k8sImage?: string;
  k8sVolumeClaim?: string;
}

export function register(program: Command): void {
  program
    .command("run")
    .description("run a study from its config (YAML/JSON): trials in parallel worker processes, stored in --out, resumable; or submit it to Slurm / print it as a Kubernetes Indexed Job")
    .argument("<config>", "study config file")
    .option("--out <dir>", "study directory (default: runs/<study name>)")
    .option("-w, --workers <n>", "parallel workers (default: the config's, else the number of cores)")
    .option("--resume", "finish a study that was interrupted: completed trials are kept, unfinished ones rerun (taking over trials whose runner died)")
    .option("--shard <i/n>", "run only trial indices ≡ i (mod n), e.g. for a Slurm job array or an Indexed Job")
    .option("--wait", "stay until trials other runners hold are finished, taking over any whose runner dies (what an array task does)")
    .option("--slurm", "submit the study's unfinished trials as one Slurm job array (one task per trial) and print the job id")
    .option("--max-parallel <k>", "with --slurm / --k8s: run at most k trials at once")
    .option("--slurm-arg <arg>", "with --slurm: an extra #SBATCH option, e.g. --slurm-arg=--partition=gpu (repeatable)", collect, [])
    .option("--k8s", "print a Kubernetes Indexed Job manifest for the study (one completion index per trial)")
    .option("--k8s-image <image>", "with --k8s: the container image holding the project (default node:20)")
    .option("--k8s-volume-claim <name>", "with --k8s: the ReadWriteMany volume claim mounted at /work (default tunebook-work)")
    .action(async (file: string, opts: RunOpts) => {
      const config = loadStudyConfig(file);
      const dir = opts.out ?? `runs/${config.name.replace(/[^\w.-]+/g, "_")}`;
      const maxParallel = opts.maxParallel !== undefined ? parseIntOption("max-parallel", opts.maxParallel, 1, 1) : undefined;
      const command = ["tunebook", "run", ...process.argv.slice(3)].join(" ");
      if (opts.k8s) {
        process.stdout.write(k8sIndexedJob({ config: file, dir, trials: config.trials, name: config.name, maxParallel, image: opts.k8sImage, volumeClaim: opts.k8sVolumeClaim }));
        return;
      }
      if (opts.slurm) {
        prepareStudy(config, dir, { resume: opts.resume, command });
        const r = submitSlurm({ config: file, dir, trials: config.trials, name: config.name, maxParallel, slurmArgs: opts.slurmArg });
        process.stdout.write(
          `submitted job ${r.jobId}: ${r.indices.length} trial(s) as array ${r.array}\n` +
            `script: ${shown(r.script)}\n` +
            `watch:  tunebook status ${dir}\n`,
        );
        return;
      }
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
        wait: opts.wait,
        shard: opts.shard ? parseShard(opts.shard) : undefined,
        workers: opts.workers ? parseIntOption("workers", opts.workers, 1, 1) : undefined,
        signal: ac.signal,
        onProgress: terminalProgress(),
        command,
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
          (summary.best ? `; best ${summary.best.value} (${escapeTerminal(summary.best.trial)})` : "") +
          `\nstudy: ${shown(summary.dir)}\n`,
      );
      if (summary.storageError) {
        process.stderr.write(`tunebook: ${escapeTerminal(summary.storageError)}\nthe study's records are intact; free space and finish with --resume\n`);
        process.exitCode = 1;
      } else if (summary.interrupted) process.exitCode = 130;
    });
}
