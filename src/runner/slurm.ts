/**
 * Slurm and Kubernetes as the engines for more than one machine. A study becomes one job array
 * (one array task per trial; Slurm throttles, requeues and cancels) or one Indexed Job; each task
 * runs `tunebook run --shard i/N --resume --wait`, so the claims of claims.ts keep every trial
 * to exactly one task even when a task is requeued, cancelled and resubmitted.
 *
 * ```
 * <dir>/slurm/submit-1.sbatch   the script of the first submission (then submit-2 … on --resume)
 * <dir>/slurm/jobs.json         every job submitted for this study: id, trials, array spec
 * <dir>/slurm/<job>_<task>.out  each array task's output
 * ```
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify as toYaml } from "yaml";
import { TunebookError, TRIAL_STATUSES, type TrialStatus } from "../study/types.js";
import { StudyStore, type Manifest, type TrialRecord } from "../study/store.js";
import { stringifyJson, writeFileAtomic } from "../util/fs.js";
import { Claims } from "./claims.js";

export interface SlurmJob {
  id: string;
  submittedAt: string;
  /** The `--array` value, e.g. "0-5%2". */
  array: string;
  trials: number;
  script: string;
}

/**
 * Compress trial indices into a Slurm array spec: "0-3,7,9-12", with "%K" to run at most K at once.
 * @example arraySpec([0, 1, 2, 3, 7, 9, 10], 2) // "0-3,7,9-10%2"
 */
export function arraySpec(indices: readonly number[], maxParallel?: number): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",") + (maxParallel ? `%${maxParallel}` : "");
}

/** Quote a word for /bin/sh (the batch script is a shell script; every value is quoted). */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that runs tunebook the way this process was run (node, its flags, the CLI script). */
export function tunebookCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}

export interface SubmitOptions {
  /** The study config file. */
  config: string;
  dir: string;
  trials: number;
  name: string;
  /** Run at most this many array tasks at once (`%K`). */
  maxParallel?: number;
  /** Extra `#SBATCH` options, e.g. "--partition=gpu", "--time=02:00:00". */
  slurmArgs?: string[];
  /** How to start tunebook inside a task (default: the way this process was started). */
  command?: string[];
}

/**
 * The batch script of one submission: one array task per trial index.
 *
 * @example
 * sbatchScript({ config: "/abs/study.yaml", dir: "/shared/runs/s", trials: 8, name: "s", maxParallel: 2 }, [0, 1, 2], 1);
 */
export function sbatchScript(o: SubmitOptions, indices: readonly number[], submission: number): string {
  const dir = resolve(o.dir);
  const cmd = [...(o.command ?? tunebookCommand()), "run", resolve(o.config), "--out", dir, "--shard", `\${SLURM_ARRAY_TASK_ID}/${o.trials}`, "--resume", "--wait", "--workers", "1"];
  const lines = [
    "#!/bin/sh",
    `# tunebook study "${o.name.replace(/[\r\n]/g, " ")}": submission ${submission}, one array task per trial (task i runs trial i).`,
    "# Written by `tunebook run --slurm`; resubmit what is unfinished with `tunebook run --slurm --resume`.",
    `#SBATCH --job-name=${shellQuote(`tunebook-${o.name}`.replace(/[^\w.-]+/g, "_"))}`,
    `#SBATCH --array=${arraySpec(indices, o.maxParallel)}`,
    `#SBATCH --output=${join(dir, "slurm", "%A_%a.out")}`,
    "#SBATCH --open-mode=append",
    "#SBATCH --requeue", // a node failure requeues the task; --resume --wait in the task takes its trial over
    "#SBATCH --ntasks=1",
    `#SBATCH --chdir=${process.cwd()}`,
    ...(o.slurmArgs ?? []).map((a) => `#SBATCH ${a}`),
    "",
    "# The claim on the trial (claims/) keeps it to exactly one runner, even across requeues.",
    `exec ${cmd.map((w) => (w.startsWith("${SLURM") ? `"${w}"` : shellQuote(w))).join(" ")}`,
    "",
  ];
  return lines.join("\n");
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") throw new TunebookError(`${cmd} is not installed here: Slurm's commands are needed for --slurm`);
    throw new TunebookError(`${cmd} ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

export function readJobs(dir: string): SlurmJob[] {
  const p = join(dir, "slurm", "jobs.json");
  if (!existsSync(p)) return [];
  try {
    return JSON.parse(readFileSync(p, "utf8")) as SlurmJob[];
  } catch (e) {
    throw new TunebookError(`cannot read the study's job list: ${(e as Error).message}`, p);
  }
}

/** What Slurm's queue says about this study's jobs: trial indices pending and running. */
export interface QueueState {
  /** False when squeue could not be asked (no Slurm here). */
  available: boolean;
  reason?: string;
  pending: number[];
  running: number[];
  byJob: Map<string, { pending: number; running: number }>;
}

/** Ask squeue about the array tasks of `jobIds`. */
export function slurmQueue(jobIds: readonly string[]): QueueState {
  const state: QueueState = { available: true, pending: [], running: [], byJob: new Map() };
  if (jobIds.length === 0) return state;
  let out: string;
  try {
    // One line per array task (-r), all jobs: a job that has ended is simply absent.
    out = execFileSync("squeue", ["-h", "-r", "-o", "%F|%K|%t"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    return { ...state, available: false, reason: err.code === "ENOENT" ? "squeue is not installed" : (err.stderr ?? err.message).trim() };
  }
  const ids = new Set(jobIds);
  for (const line of out.split("\n")) {
    const [job, task, st] = line.trim().split("|");
    if (!job || !ids.has(job)) continue;
    const counts = state.byJob.get(job) ?? { pending: 0, running: 0 };
    // A pending array line may still be a range ("3-5%2") when squeue does not expand it.
    const tasks = /^\d+$/.test(task ?? "") ? [Number(task)] : expandSpec(task ?? "");
    for (const t of tasks) {
      if (st === "PD" || st === "RQ" || st === "RF" || st === "RH" || st === "S") {
        state.pending.push(t);
        counts.pending++;
      } else if (st === "R" || st === "CG" || st === "CF" || st === "SO" || st === "ST") {
        state.running.push(t);
        counts.running++;
      }
    }
    state.byJob.set(job, counts);
  }
  state.pending.sort((a, b) => a - b);
  state.running.sort((a, b) => a - b);
  return state;
}

function expandSpec(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.replace(/^\[|\]$/g, "").replace(/%\d+$/, "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}

/** The status of a study folder, with or without Slurm. */
export interface StudyStatus {
  dir: string;
  name: string;
  trials: number;
  /** Trial records by status; `running` = held by a live runner, `interrupted` = cut off, `notStarted` = no record. */
  byStatus: Record<TrialStatus | "interrupted" | "notStarted", number>;
  /** Trial indices Slurm has pending / running for this study. */
  pending: number[];
  running: number[];
  jobs: Array<SlurmJob & { pending: number; running: number }>;
  slurm: { available: boolean; reason?: string };
}

/**
 * Read a study folder's state: what its trial records say, and what Slurm's queue says.
 *
 * @example
 * const s = studyStatus("runs/command-demo");
 * s.byStatus.complete; // 16
 */
export function studyStatus(dir: string): StudyStatus {
  const store = new StudyStore(resolve(dir));
  if (!store.exists()) throw new TunebookError("not a study folder (no study.json): run `tunebook run CONFIG --out DIR` first", dir);
  const m: Manifest = store.readManifest();
  const records = store.readRecords();
  const claims = new Claims(store.dir);
  const claimed = claims.scan();
  const byStatus = { ...Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])), interrupted: 0, notStarted: 0 } as StudyStatus["byStatus"];
  for (let i = 0; i < m.trials; i++) {
    const r: TrialRecord | undefined = records.get(i);
    if (!r) {
      const a = claimed.get(i);
      const c = a ? claims.read(i, a) : undefined;
      byStatus[c && !c.stale ? "running" : "notStarted"]++;
      continue;
    }
    if (r.status !== "running") {
      byStatus[(TRIAL_STATUSES as readonly string[]).includes(r.status) ? r.status : "failed"]++;
      continue;
    }
    const a = claimed.get(i);
    const c = a ? claims.read(i, a) : undefined;
    byStatus[c && !c.stale ? "running" : "interrupted"]++;
  }
  const jobs = readJobs(store.dir);
  const q = slurmQueue(jobs.map((j) => j.id));
  return {
    dir: store.dir,
    name: m.name,
    trials: m.trials,
    byStatus,
    pending: q.pending,
    running: q.running,
    jobs: jobs.map((j) => ({ ...j, ...(q.byJob.get(j.id) ?? { pending: 0, running: 0 }) })),
    slurm: { available: q.available, ...(q.reason ? { reason: q.reason } : {}) },
  };
}

/** One line per fact, for a terminal. */
export function formatStatus(s: StudyStatus): string {
  const b = s.byStatus;
  const parts = (Object.entries(b) as Array<[string, number]>).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k === "notStarted" ? "not started" : k}`);
  const lines = [`${s.name}: ${s.trials} trial(s): ${parts.join(", ") || "none"}`];
  for (const j of s.jobs) lines.push(`slurm job ${j.id} (array ${j.array}, submitted ${j.submittedAt}): ${j.running} running, ${j.pending} pending`);
  if (s.jobs.length && !s.slurm.available) lines.push(`slurm: the queue could not be read (${s.slurm.reason})`);
  return lines.join("\n") + "\n";
}

/**
 * Submit the unfinished trials of a study as one Slurm job array. Trials finished, held by a live
 * runner, or already pending/running in an earlier job of this study are left out.
 *
 * @example
 * const { jobId } = submitSlurm({ config: "study.yaml", dir: "runs/s", trials: 8, name: "s", maxParallel: 2 });
 */
export function submitSlurm(o: SubmitOptions): { jobId: string; script: string; indices: number[]; array: string } {
  const store = new StudyStore(resolve(o.dir));
  const records = store.readRecords();
  const claims = new Claims(store.dir);
  const claimed = claims.scan();
  const jobs = readJobs(store.dir);
  const q = slurmQueue(jobs.map((j) => j.id));
  const queued = new Set([...q.pending, ...q.running]);
  const indices: number[] = [];
  for (let i = 0; i < o.trials; i++) {
    const r = records.get(i);
    if (r && r.status !== "running") continue;
    const a = claimed.get(i);
    const c = a ? claims.read(i, a) : undefined;
    if ((c && !c.stale) || queued.has(i)) continue;
    indices.push(i);
  }
  if (indices.length === 0) throw new TunebookError("nothing to submit: every trial is finished, running or already queued (see `tunebook status`)", store.dir);
  const submission = jobs.length + 1;
  const script = join(store.dir, "slurm", `submit-${submission}.sbatch`);
  mkdirSync(join(store.dir, "slurm"), { recursive: true });
  writeFileAtomic(script, sbatchScript(o, indices, submission));
  const out = run("sbatch", ["--parsable", script]).trim();
  const jobId = out.split(";")[0]!.trim();
  if (!/^\d+$/.test(jobId)) throw new TunebookError(`sbatch answered "${out}" instead of a job id`, script);
  const array = arraySpec(indices, o.maxParallel);
  writeFileAtomic(join(store.dir, "slurm", "jobs.json"), stringifyJson([...jobs, { id: jobId, submittedAt: new Date().toISOString(), array, trials: indices.length, script }], 2) + "\n");
  return { jobId, script, indices, array };
}

export interface K8sOptions {
  config: string;
  dir: string;
  trials: number;
  name: string;
  maxParallel?: number;
  image?: string;
  /** A ReadWriteMany PersistentVolumeClaim holding the project and the study folder. */
  volumeClaim?: string;
}

/**
 * A Kubernetes Indexed Job for the study: completion index i runs trial i, `parallelism` at once,
 * a failed pod retried (its trial taken over through `--resume --wait`).
 *
 * @example
 * console.log(k8sIndexedJob({ config: "examples/studies/command-demo.yaml", dir: "/studies/demo", trials: 16, name: "command-demo" }));
 */
// JOB_COMPLETION_INDEX is set by Kubernetes in every pod of an Indexed Job; $(VAR) in args expands it.
export function k8sIndexedJob(o: K8sOptions): string {
  const name = `tunebook-${o.name}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 52);
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: { app: "tunebook", study: name } },
    spec: {
      completions: o.trials,
      parallelism: Math.min(o.trials, o.maxParallel ?? o.trials),
      completionMode: "Indexed",
      backoffLimitPerIndex: 3,
      maxFailedIndexes: o.trials,
      template: {
        metadata: { labels: { app: "tunebook", study: name } },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "trial",
              image: o.image ?? "node:20",
              workingDir: "/work",
              command: ["npx", "tunebook"],
              args: ["run", o.config, "--out", o.dir, "--shard", `$(JOB_COMPLETION_INDEX)/${o.trials}`, "--resume", "--wait", "--workers", "1"],
              resources: { requests: { cpu: "1", memory: "2Gi" } },
              volumeMounts: [{ name: "work", mountPath: "/work" }],
            },
          ],
          volumes: [{ name: "work", persistentVolumeClaim: { claimName: o.volumeClaim ?? "tunebook-work" } }],
        },
      },
    },
  };
  return (
    `# tunebook study "${o.name}": one Indexed Job, completion index i runs trial i.\n` +
    `# The image must hold the project at /work (the volume) with \`npm ci\` done; the study folder must be on the ReadWriteMany volume.\n` +
    `# kubectl apply -f <this file>; watch with: tunebook status ${o.dir}\n` +
    toYaml(job)
  );
}
