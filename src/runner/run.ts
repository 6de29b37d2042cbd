/**
 * runStudy: generate the study's trials from its search space, run them in parallel worker
 * processes, store every trial atomically, resume after a kill, and report progress.
 */
import { fork, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { HpValue, TrialStatus } from "../study/types.js";
import { TunebookError, isBetter } from "../study/types.js";
import { VERSION } from "../version.js";
import type { StudyConfig } from "./config.js";
import { fillArgs, runCommandTrial, splitCommand } from "./command.js";
import { StudyStore, trialId, type Manifest, type TrialRecord } from "../study/store.js";
import { trialSampler } from "./points.js";

export interface Shard {
  index: number;
  count: number;
}

export interface RunProgress {
  total: number;
  done: number;
  running: number;
  /** Finished trials by status (this run and earlier runs of the same shard). */
  byStatus: Record<TrialStatus, number>;
  best: { trial: string; value: number } | null;
  elapsedSeconds: number;
  etaSeconds: number | null;
  /** What just happened, for a log line. */
  event?: { trial: string; status: TrialStatus | "started"; message?: string };
}

export interface RunOptions {
  /** Study directory (created if needed). */
  dir: string;
  resume?: boolean;
  shard?: Shard;
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** The command line that started this run, recorded in the manifest. */
  command?: string;
}

export interface RunSummary {
  dir: string;
  total: number;
  ran: number;
  skipped: number;
  byStatus: Record<TrialStatus, number>;
  best: { trial: string; value: number } | null;
  interrupted: boolean;
  wallSeconds: number;
}

/** Parse `i/n` (0-based shard index out of n). */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new TunebookError(`--shard must be "i/n" with 0 ≤ i < n, not "${s}"`);
  return { index, count };
}

function gitRevision(dir: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The manifest fields that must agree between a run and the directory it resumes or joins. */
function identity(m: Pick<Manifest, "name" | "sampler" | "seed" | "trials" | "config">): string {
  return JSON.stringify([m.name, m.sampler, m.seed, m.trials, m.config]);
}

const emptyCounts = (): Record<TrialStatus, number> => ({ complete: 0, pruned: 0, diverged: 0, failed: 0, oom: 0, running: 0 });

/**
 * Run (or resume, or run one shard of) a study.
 *
 * @example
 * const cfg = loadStudyConfig("examples/studies/command-demo.yaml");
 * const summary = await runStudy(cfg, { dir: "out/command-demo", workers: 2 });
 * summary.byStatus.complete;
 */
export async function runStudy(config: StudyConfig, options: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const store = new StudyStore(resolve(options.dir));
  const shard = options.shard ?? { index: 0, count: 1 };
  const sampler = await trialSampler(config);
  const manifest: Manifest = {
    format: "tunebook-study",
    version: 1,
    name: config.name,
    objective: config.objective,
    sampler: config.sampler,
    seed: config.seed,
    trials: config.trials,
    config: { ...stripInternal(config), ...(config.spaceObject !== undefined ? { space: config.spaceObject as Record<string, unknown> } : {}) },
    tunebook: VERSION,
    code: gitRevision(config.baseDir),
    command: options.command,
  };
  const records = store.exists() ? store.readRecords() : new Map<number, TrialRecord>();
  if (store.exists()) {
    const prev = store.readManifest();
    if (identity(prev) !== identity(manifest))
      throw new TunebookError("this folder holds a different study (its name, sampler, seed, trial count or config differ); choose another --out folder", store.manifestPath);
  }
  const mine = [...Array(config.trials).keys()].filter((i) => i % shard.count === shard.index);
  const started = mine.filter((i) => records.has(i));
  if (started.length > 0 && !options.resume)
    throw new TunebookError(`${started.length} trial(s) of this study already ran here; add --resume to finish the study`, store.dir);
  if (!store.exists()) store.writeManifest(manifest);

  const byStatus = emptyCounts();
  let best: RunProgress["best"] = null;
  const dir = config.objective.direction;
  const noteBest = (trial: string, v: number) => {
    if (Number.isFinite(v) && (best === null || isBetter(v, best.value, dir))) best = { trial, value: v };
  };
  // Trials finished by an earlier run are counted, never rerun; `running` ones were cut off by a kill.
  const todo: number[] = [];
  for (const i of mine) {
    const r = records.get(i);
    if (r && r.status !== "running") {
      byStatus[r.status]++;
      const v = r.attrs?.best;
      if (typeof v === "number") noteBest(r.id, v);
    } else todo.push(i);
  }
  const skipped = mine.length - todo.length;
  let running = 0;
  let ranDone = 0;
  const progress = (event?: RunProgress["event"]) => {
    const elapsed = (Date.now() - t0) / 1000;
    const remaining = mine.length - skipped - ranDone;
    options.onProgress?.({
      total: mine.length,
      done: skipped + ranDone,
      running,
      byStatus: { ...byStatus },
      best,
      elapsedSeconds: elapsed,
      etaSeconds: ranDone > 0 ? (elapsed / ranDone) * remaining : null,
      event,
    });
  };
  progress();

  const workers = Math.max(1, Math.min(options.workers ?? config.workers ?? availableParallelism(), todo.length || 1));
  const executor = config.trainer.type === "command" ? commandExecutor(config) : tfjsExecutor(config);
  let interrupted = false;
  const queue = [...todo];

  const runOne = async (index: number): Promise<void> => {
    // Asked when the trial starts: a model-based sampler sees every finished and running trial.
    const hparams = await sampler.pointFor(index, { records: config.sampler === "bo" ? store.readRecords() : records });
    const id = trialId(index);
    const startedAt = new Date().toISOString();
    const rec: TrialRecord = { index, id, status: "running", hparams, startedAt };
    store.begin(rec);
    running++;
    progress({ trial: id, status: "started" });
    let trialBest: number | null = null;
    const onMeasurements = (rows: Array<{ step: number; metric: string; value: number }>) => {
      store.appendMeasurements(index, rows);
      for (const r of rows) {
        if (r.metric !== config.objective.metric || !Number.isFinite(r.value)) continue;
        if (trialBest === null || isBetter(r.value, trialBest, dir)) trialBest = r.value;
      }
    };
    const res = await executor.run({ index, id, hparams, signal: options.signal, onMeasurements, onLog: (s) => store.appendLog(index, s) });
    running--;
    if (res.status === "running") {
      interrupted = true; // cut off by an interrupt: leave the record `running` so --resume reruns it
      return;
    }
    const out: TrialRecord = {
      ...rec,
      status: res.status,
      endedAt: new Date().toISOString(),
      wallSeconds: (Date.now() - Date.parse(startedAt)) / 1000,
      ...(res.error ? { error: res.error } : {}),
      ...(res.exitCode !== undefined ? { exitCode: res.exitCode } : {}),
      ...(res.divergedStep !== undefined ? { divergedStep: res.divergedStep } : {}),
      ...(res.backend ? { backend: res.backend } : {}),
      attrs: { ...(res.attrs ?? {}), ...(trialBest !== null ? { best: trialBest } : {}) },
    };
    store.writeRecord(out);
    byStatus[res.status]++;
    ranDone++;
    if (trialBest !== null && res.status === "complete") noteBest(id, trialBest);
    progress({ trial: id, status: res.status, message: res.error });
  };

  const lane = async () => {
    while (queue.length > 0 && !options.signal?.aborted) {
      const index = queue.shift()!;
      await runOne(index);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, lane));
  } finally {
    await executor.close();
  }
  if (options.signal?.aborted) interrupted = true;
  return {
    dir: store.dir,
    total: mine.length,
    ran: ranDone,
    skipped,
    byStatus,
    best,
    interrupted,
    wallSeconds: (Date.now() - t0) / 1000,
  };
}

function stripInternal(c: StudyConfig): Record<string, unknown> {
  const { baseDir: _b, spaceObject: _s, file: _f, ...rest } = c;
  return rest as Record<string, unknown>;
}

interface TrialJob {
  index: number;
  id: string;
  hparams: Record<string, HpValue>;
  signal?: AbortSignal;
  onMeasurements(rows: Array<{ step: number; metric: string; value: number }>): void;
  onLog(text: string): void;
}

interface TrialOutcome {
  /** `running` means interrupted before it finished. */
  status: TrialStatus;
  error?: string;
  exitCode?: number | null;
  divergedStep?: number;
  backend?: string;
  attrs?: Record<string, unknown>;
}

interface Executor {
  run(job: TrialJob): Promise<TrialOutcome>;
  close(): Promise<void>;
}

function commandExecutor(config: StudyConfig): Executor {
  const t = config.trainer;
  if (t.type !== "command") throw new Error("unreachable");
  const template = typeof t.command === "string" ? splitCommand(t.command) : t.command;
  return {
    async run(job) {
      const r = await runCommandTrial({
        argv: fillArgs(template, job.hparams),
        hparams: job.hparams,
        cwd: resolve(config.baseDir, t.cwd ?? "."),
        env: t.env,
        timeout: t.timeout,
        signal: job.signal,
        trialId: job.id,
        onMeasurements: job.onMeasurements,
        onLog: job.onLog,
      });
      return { status: r.status, error: r.error, exitCode: r.exitCode };
    },
    async close() {},
  };
}

/** The worker module: compiled JS next to this file, or the TypeScript source under tsx. */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  // Resolve tsx from this package, not from the caller's folder (a notebook may run anywhere).
  if (here.endsWith(".ts")) return { file: here.replace(/run\.ts$/, "worker.ts"), execArgv: ["--import", import.meta.resolve("tsx")] };
  return { file: here.replace(/run\.js$/, "worker.js"), execArgv: [] };
}

/** A pool of forked processes, each running one tfjs trial at a time; a crash fails only its trial. */
function tfjsExecutor(config: StudyConfig): Executor {
  const t = config.trainer;
  if (t.type !== "tfjs") throw new Error("unreachable");
  const idle: ChildProcess[] = [];
  const all = new Set<ChildProcess>();
  const entry = workerEntry();
  const spawnWorker = (): ChildProcess => {
    const w = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env, TUNEBOOK_WORKER: "1" } });
    all.add(w);
    w.on("exit", () => all.delete(w));
    return w;
  };
  const take = (): ChildProcess => idle.pop() ?? spawnWorker();
  return {
    run(job) {
      return new Promise<TrialOutcome>((resolveOutcome) => {
        const w = take();
        let finished = false;
        const onStd = (b: Buffer) => job.onLog(b.toString("utf8"));
        w.stdout?.on("data", onStd);
        w.stderr?.on("data", onStd);
        const cleanup = () => {
          finished = true;
          w.off("message", onMessage);
          w.off("exit", onExit);
          w.stdout?.off("data", onStd);
          w.stderr?.off("data", onStd);
          job.signal?.removeEventListener("abort", onAbort);
        };
        const onMessage = (m: { type: string; rows?: Array<{ step: number; metric: string; value: number }>; result?: TrialOutcome }) => {
          if (m.type === "measurements" && m.rows) job.onMeasurements(m.rows);
          else if (m.type === "done" && m.result) {
            cleanup();
            idle.push(w);
            resolveOutcome(m.result);
          }
        };
        const onExit = (code: number | null, signal: string | null) => {
          if (finished) return;
          cleanup();
          if (job.signal?.aborted) return resolveOutcome({ status: "running", error: "interrupted" });
          const oom = code === 137 || signal === "SIGKILL";
          resolveOutcome({ status: oom ? "oom" : "failed", error: `worker process ended (${code ?? signal}) during the trial`, exitCode: code });
        };
        const onAbort = () => w.kill("SIGTERM");
        job.signal?.addEventListener("abort", onAbort, { once: true });
        w.on("message", onMessage);
        w.on("exit", onExit);
        w.send({ type: "run", index: job.index, id: job.id, hparams: job.hparams, base: t.config, objective: config.objective });
      });
    },
    async close() {
      for (const w of all) w.kill("SIGTERM");
    },
  };
}
