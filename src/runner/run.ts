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
import { Claims, DEFAULT_LEASE_SECONDS } from "./claims.js";
import { startReaper, stopReaper } from "./lifetime.js";
import { divergenceMetric, processStatus, withDivergence } from "../study/status.js";

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
  /**
   * Stay until trials that other live runners hold are finished, taking over any whose runner
   * dies (what a Slurm array task does: its trial must end finished). Needs `resume` to take over.
   */
  wait?: boolean;
  /** Seconds a claim lives without a heartbeat (default 60, or TUNEBOOK_LEASE_SECONDS). */
  leaseSeconds?: number;
}

export interface RunSummary {
  dir: string;
  total: number;
  ran: number;
  skipped: number;
  byStatus: Record<TrialStatus, number>;
  best: { trial: string; value: number } | null;
  interrupted: boolean;
  /** Trials of this run's set still held by other live runners when it ended. */
  elsewhere: number;
  /** Trials this runner started and another took over (it was presumed dead); their results were discarded. */
  lost: number;
  /** Set when the run stopped because the study's files could not be written (a full disk). */
  storageError?: string;
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

/** The manifest a run of `config` writes (and must match in a folder it resumes or joins). */
function studyManifest(config: StudyConfig, command?: string): Manifest {
  return {
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
    command,
  };
}

/**
 * Make `dir` the folder of this study before handing it to other machines (a Slurm job array, an
 * Indexed Job): refuses a folder holding a different study, and one holding trials of this
 * study unless `resume`.
 *
 * @example
 * prepareStudy(loadStudyConfig("study.yaml"), "runs/s", { resume: false });
 */
export function prepareStudy(config: StudyConfig, dir: string, o: { resume?: boolean; command?: string }): StudyStore {
  const store = new StudyStore(resolve(dir));
  const manifest = studyManifest(config, o.command);
  const different = () => new TunebookError("this folder holds a different study (its name, sampler, seed, trial count or config differ); choose another --out folder", store.manifestPath);
  if (store.exists()) {
    if (identity(store.readManifest()) !== identity(manifest)) throw different();
    const n = store.readRecords().size;
    if (n > 0 && !o.resume) throw new TunebookError(`${n} trial(s) of this study already ran here; add --resume to submit the unfinished ones`, store.dir);
  } else if (identity(store.createManifest(manifest)) !== identity(manifest)) throw different();
  return store;
}

/** Trial indices of a shard, in order, without materializing them. */
function* shardIndices(trials: number, shard: Shard): Generator<number> {
  for (let i = shard.index; i < trials; i += shard.count) yield i;
}

const isFinal = (r: TrialRecord | undefined): r is TrialRecord => r !== undefined && r.status !== "running";

/**
 * Run (or resume, or run one shard of) a study. Any number of runners may work on one folder at
 * once, on one machine or many: each trial is claimed by exactly one of them (see claims.ts).
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
  const manifest = studyManifest(config, options.command);
  const different = () =>
    new TunebookError("this folder holds a different study (its name, sampler, seed, trial count or config differ); choose another --out folder", store.manifestPath);
  if (store.exists() && identity(store.readManifest()) !== identity(manifest)) throw different();
  const lease = options.leaseSeconds ?? (Number(process.env.TUNEBOOK_LEASE_SECONDS) || DEFAULT_LEASE_SECONDS);
  const claims = new Claims(store.dir, lease);

  // What the folder holds for this shard: finished trials, trials live runners hold, trials cut off.
  const records = store.exists() ? store.readRecords() : new Map<number, TrialRecord>();
  const claimed = claims.scan();
  const total = Math.max(0, Math.ceil((config.trials - shard.index) / shard.count));
  let finishedBefore = 0;
  let cutOff = 0;
  const owners = new Set<string>();
  for (const i of shardIndices(config.trials, shard)) {
    const r = records.get(i);
    if (isFinal(r)) {
      finishedBefore++;
      continue;
    }
    const a = claimed.get(i);
    const c = a ? claims.read(i, a) : undefined;
    if (c && !c.stale) owners.add(`pid ${c.pid} on ${c.host}`);
    else if (r || c) cutOff++;
  }
  if (!options.resume && owners.size === 0 && finishedBefore + cutOff > 0) {
    const parts = [finishedBefore ? `${finishedBefore} finished` : "", cutOff ? `${cutOff} cut off by a runner that is gone` : ""].filter(Boolean).join(", ");
    throw new TunebookError(`${finishedBefore + cutOff} trial(s) of this study already ran here (${parts}) and no runner is working on it now; add --resume to finish the study`, store.dir);
  }
  if (!store.exists() && identity(store.createManifest(manifest)) !== identity(manifest)) throw different();

  const dir = config.objective.direction;
  let running = 0;
  let ranDone = 0;
  const ranStatus = emptyCounts();
  let best: RunProgress["best"] = null;
  const noteBest = (trial: string, v: unknown) => {
    if (typeof v === "number" && Number.isFinite(v) && (best === null || isBetter(v, best.value, dir))) best = { trial, value: v };
  };
  const finishedStatus = emptyCounts();
  for (const r of records.values()) {
    if (!isFinal(r) || r.index % shard.count !== shard.index || r.index >= config.trials) continue;
    finishedStatus[r.status]++;
    if (r.status === "complete") noteBest(r.id, r.attrs?.best);
  }
  const progress = (event?: RunProgress["event"]) => {
    const elapsed = (Date.now() - t0) / 1000;
    const remaining = total - finishedBefore - ranDone;
    const byStatus = emptyCounts();
    for (const k of Object.keys(byStatus) as TrialStatus[]) byStatus[k] = finishedStatus[k] + ranStatus[k];
    options.onProgress?.({
      total,
      done: finishedBefore + ranDone,
      running,
      byStatus,
      best,
      elapsedSeconds: elapsed,
      etaSeconds: ranDone > 0 ? (elapsed / ranDone) * remaining : null,
      event,
    });
  };
  progress();

  const workers = Math.max(1, Math.min(options.workers ?? config.workers ?? availableParallelism(), Math.max(1, total - finishedBefore)));
  const executor = config.trainer.type === "command" ? commandExecutor(config) : tfjsExecutor(config);
  if (config.trainer.type === "command") await startReaper();
  let interrupted = false;
  let storageError: string | undefined;
  let lostCount = 0;
  /** Trials other live runners hold: left to them, or waited for with `wait`. */
  const held = new Set<number>();
  /** Trials this runner holds now: index → attempt and the controller that stops its trainer. */
  const mine = new Map<number, { attempt: number; stop: AbortController; lost: boolean }>();
  const stopped = () => options.signal?.aborted || storageError !== undefined;

  /** Claim trial i if it is ours to run now; the attempt number, or undefined. */
  const tryTake = (i: number): number | undefined => {
    if (isFinal(store.readRecord(i))) return undefined;
    const a = claims.latest(i, claimed.get(i) ?? 0);
    let attempt = 1;
    if (a > 0) {
      const c = claims.read(i, a);
      if (c && !c.stale) {
        if (c.owner !== claims.owner) held.add(i);
        return undefined;
      }
      if (!options.resume) return undefined; // a dead runner's trial: only --resume takes it over
      attempt = c ? a + 1 : a;
    } else if (store.readRecord(i) && !options.resume) return undefined; // cut off before claims existed
    if (!claims.tryClaim(i, attempt)) {
      held.add(i); // another runner won the race
      return undefined;
    }
    claimed.set(i, attempt);
    // It may have finished between our first look and our claim: never start it again.
    if (isFinal(store.readRecord(i))) {
      claims.release(i, attempt);
      return undefined;
    }
    held.delete(i);
    return attempt;
  };

  const heartbeat = setInterval(() => {
    for (const [i, m] of mine) {
      if (claims.lost(i, m.attempt)) {
        m.lost = true;
        m.stop.abort();
      } else claims.beat(i, m.attempt);
    }
  }, Math.max(250, (lease * 1000) / 4));
  heartbeat.unref();

  const runOne = async (index: number, attempt: number): Promise<void> => {
    // Asked when the trial starts: a model-based sampler sees every finished and running trial.
    const hparams = await sampler.pointFor(index, { records: config.sampler === "bo" ? store.readRecords() : records });
    const id = trialId(index);
    const startedAt = new Date().toISOString();
    const rec: TrialRecord = { index, id, status: "running", hparams, startedAt };
    const stop = new AbortController();
    const onOuterAbort = () => stop.abort();
    options.signal?.addEventListener("abort", onOuterAbort, { once: true });
    const slot = { attempt, stop, lost: false };
    mine.set(index, slot);
    const finish = (record: TrialRecord | undefined) => {
      mine.delete(index);
      options.signal?.removeEventListener("abort", onOuterAbort);
      if (slot.lost) return; // another runner owns it now
      if (record) {
        try {
          store.writeRecord(record);
        } catch (e) {
          storageError ??= `could not write ${store.recordPath(index)}: ${(e as Error).message}`;
        }
      }
      claims.release(index, attempt);
    };
    try {
      store.begin(rec);
    } catch (e) {
      storageError ??= `could not start ${id}: ${(e as Error).message}`;
      return finish({ ...rec, status: "failed", endedAt: new Date().toISOString(), error: storageError });
    }
    running++;
    progress({ trial: id, status: "started" });
    let trialBest: number | null = null;
    let nonFinite = false;
    const onMeasurements = (rows: Array<{ step: number; metric: string; value: number }>) => {
      store.appendMeasurements(index, rows);
      for (const r of rows) {
        if (!Number.isFinite(r.value)) {
          if (divergenceMetric(r.metric, config.objective.metric)) nonFinite = true;
          continue;
        }
        if (r.metric === config.objective.metric && (trialBest === null || isBetter(r.value, trialBest, dir))) trialBest = r.value;
      }
    };
    const res = await executor.run({ index, id, hparams, signal: stop.signal, onMeasurements, onLog: (s) => store.appendLog(index, s) });
    running--;
    if (slot.lost) {
      lostCount++;
      finish(undefined);
      progress({ trial: id, status: "running", message: "taken over by another runner (this one was presumed dead): its result is discarded" });
      return;
    }
    if (res.status === "running") {
      interrupted = true; // cut off by an interrupt: the record stays `running`, the claim is freed for --resume
      finish(undefined);
      return;
    }
    if (res.storage) storageError ??= res.error;
    const status = withDivergence(res.status, nonFinite);
    const out: TrialRecord = {
      ...rec,
      status,
      endedAt: new Date().toISOString(),
      wallSeconds: (Date.now() - Date.parse(startedAt)) / 1000,
      ...(res.error ? { error: res.error } : status === "diverged" && res.status === "complete" ? { error: "the objective or a loss became NaN/Infinity" } : {}),
      ...(res.exitCode !== undefined ? { exitCode: res.exitCode } : {}),
      ...(res.divergedStep !== undefined ? { divergedStep: res.divergedStep } : {}),
      ...(res.backend ? { backend: res.backend } : {}),
      attrs: { ...(res.attrs ?? {}), ...(trialBest !== null ? { best: trialBest } : {}) },
    };
    finish(out);
    ranStatus[status]++;
    ranDone++;
    if (status === "complete") noteBest(id, trialBest);
    progress({ trial: id, status, message: res.error });
  };

  const candidates = shardIndices(config.trials, shard);
  const lane = async () => {
    while (!stopped()) {
      const next = candidates.next();
      if (next.done) return;
      let attempt: number | undefined;
      try {
        attempt = tryTake(next.value);
      } catch (e) {
        storageError ??= `could not claim ${trialId(next.value)}: ${(e as Error).message}`;
        return;
      }
      if (attempt !== undefined) await runOne(next.value, attempt);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, lane));
    // Trials other runners hold: with `wait`, stay until they finish, taking over any whose runner dies.
    while (options.wait && held.size > 0 && !stopped()) {
      await new Promise((r) => setTimeout(r, 1000));
      const ready: Array<[number, number]> = [];
      for (const i of [...held]) {
        if (isFinal(store.readRecord(i))) {
          held.delete(i);
          continue;
        }
        const attempt = tryTake(i);
        if (attempt !== undefined) ready.push([i, attempt]);
      }
      await Promise.all(ready.map(([i, a]) => runOne(i, a)));
    }
  } finally {
    clearInterval(heartbeat);
    await executor.close();
    stopReaper();
  }
  if (options.signal?.aborted) interrupted = true;

  // The truth on disk now: trials finished by this runner and by any other, for this shard.
  const byStatus = emptyCounts();
  let skipped = 0;
  let elsewhere = 0;
  best = null;
  const now = store.readRecords();
  for (const i of shardIndices(config.trials, shard)) {
    const r = now.get(i);
    if (isFinal(r)) {
      byStatus[r.status]++;
      if (r.status === "complete") noteBest(r.id, r.attrs?.best);
    } else {
      const a = claims.latest(i, claimed.get(i) ?? 0);
      const c = a ? claims.read(i, a) : undefined;
      if (c && !c.stale && c.owner !== claims.owner) elsewhere++;
      else if (r) byStatus.running++;
    }
  }
  skipped = finishedBefore;
  return {
    dir: store.dir,
    total,
    ran: ranDone,
    skipped,
    byStatus,
    best,
    interrupted,
    elsewhere,
    lost: lostCount,
    ...(storageError ? { storageError } : {}),
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
  /** The trial's files could not be written. */
  storage?: boolean;
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
      return { status: r.status, error: r.error, exitCode: r.exitCode, storage: r.storage };
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
        let storage: string | undefined;
        const onStd = (b: Buffer) => {
          if (storage) return;
          try {
            job.onLog(b.toString("utf8"));
          } catch (e) {
            storage = `could not write the trial's files: ${(e as Error).message}`;
            w.kill("SIGKILL");
          }
        };
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
          if (m.type === "measurements" && m.rows) {
            if (storage) return;
            try {
              job.onMeasurements(m.rows);
            } catch (e) {
              // A full disk: stop this trial; it is recorded failed with the reason.
              storage = `could not write the trial's files: ${(e as Error).message}`;
              w.kill("SIGKILL");
            }
          }
          else if (m.type === "done" && m.result) {
            cleanup();
            idle.push(w);
            resolveOutcome(storage ? { status: "failed", error: storage, storage: true } : m.result);
          }
        };
        const onExit = (code: number | null, signal: string | null) => {
          if (finished) return;
          // Signalled together with the runner (a scheduler's cancel): decide once the runner has seen its own signal.
          if (signal && ["SIGTERM", "SIGINT", "SIGHUP"].includes(signal) && !job.signal?.aborted && !storage) {
            finished = true;
            setTimeout(() => ((finished = false), exited(code, signal)), 750);
            return;
          }
          exited(code, signal);
        };
        const exited = (code: number | null, signal: string | null) => {
          if (finished) return;
          cleanup();
          if (storage) return resolveOutcome({ status: "failed", error: storage, storage: true });
          if (job.signal?.aborted) return resolveOutcome({ status: "running", error: "interrupted" });
          const end = processStatus({ code, signal: signal as NodeJS.Signals | null });
          resolveOutcome({ status: end.status === "complete" ? "failed" : end.status, error: `worker process ended (${code ?? signal}) during the trial${end.reason ? `: ${end.reason}` : ""}`, exitCode: code });
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
