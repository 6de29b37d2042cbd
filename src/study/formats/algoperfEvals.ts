/**
 * AlgoPerf evaluation logs for benchmark scoring: per trial, every evaluation's time
 * (`accumulated_submission_time`) and the workload's validation target metric.
 *
 * Reads either the compact table bundled in `datasets/algoperf_v05/scoring/` (derived from the
 * published v0.5 logs by `scripts/derive_algoperf_scoring.py`) or a folder of AlgoPerf logs laid out
 * as the benchmark writes them: `[<ruleset>/][<team>/]<submission>/study_<k>/<workload>_<framework>/
 * trial_<n>/eval_measurements.csv`. Workload targets and maximum runtimes come from
 * `workloads.json` beside the bundled table (read from the benchmark's own source).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { TunebookError, type LoadIssue } from "../types.js";
import { readRegularFileSync } from "./decode.js";

export type AlgoPerfRuleset = "external" | "self";

/** One workload as the benchmark defines it (targets from its `workload.py`). */
export interface AlgoPerfWorkload {
  /** Workload name without framework suffix, e.g. `imagenet_resnet_large_bn_init`. */
  name: string;
  /** The base workload a held-out variant belongs to (itself for a base workload). */
  base: string;
  /** Column of eval_measurements.csv the target applies to, e.g. `validation/accuracy`. */
  metric: string;
  higherIsBetter: boolean;
  validationTarget: number;
  /** Maximum runtime of the external-tuning ruleset in seconds (self-tuning allows 3×). */
  maxRuntimeSec: number;
}

/** The benchmark's workload set: which count for the score and which are held-out variants. */
export interface AlgoPerfBenchmark {
  baseWorkloads: string[];
  heldOutWorkloads: string[];
  workloads: Record<string, AlgoPerfWorkload>;
  source: Record<string, string>;
}

/** One trial's evaluations, in the order they were logged. */
export interface AlgoPerfTrial {
  submission: string;
  study: string;
  /** Workload folder name, with the framework suffix (`wmt_pytorch`). */
  workloadDir: string;
  /** Workload name without the framework suffix (`wmt`). */
  workload: string;
  trial: string;
  step: Float64Array;
  /** Seconds of submission time (`accumulated_submission_time`, the benchmark's `score` column). */
  time: Float64Array;
  /** The workload's validation target metric; NaN where missing or non-numeric. */
  value: Float64Array;
  /** Where the evaluations came from (for messages). */
  file: string;
}

export interface AlgoPerfLogs {
  ruleset: AlgoPerfRuleset;
  root: string;
  benchmark: AlgoPerfBenchmark;
  trials: AlgoPerfTrial[];
  issues: LoadIssue[];
}

const SCORING_DIR = fileURLToPath(new URL("../../../datasets/algoperf_v05/scoring/", import.meta.url));

/**
 * The v0.5 workload set: 8 base workloads, the 6 held-out variants sampled for v0.5, and the
 * targets of every workload variant the benchmark defines.
 *
 * @example
 * const b = algoperfBenchmark();
 * b.workloads.imagenet_resnet.validationTarget; // 0.77431 (1 - 0.22569)
 */
export function algoperfBenchmark(): AlgoPerfBenchmark {
  const file = join(SCORING_DIR, "workloads.json");
  const raw = JSON.parse(readRegularFileSync(file).toString("utf8")) as {
    baseWorkloads: string[];
    heldOutWorkloads: string[];
    workloads: Record<string, Omit<AlgoPerfWorkload, "name">>;
    source: Record<string, string>;
  };
  const workloads: Record<string, AlgoPerfWorkload> = Object.create(null);
  for (const [name, w] of Object.entries(raw.workloads)) workloads[name] = { name, ...w };
  return { baseWorkloads: raw.baseWorkloads, heldOutWorkloads: raw.heldOutWorkloads, workloads, source: raw.source };
}

/** `wmt_pytorch` -> `wmt`. */
export function workloadName(dir: string): string {
  return dir.replace(/_(jax|pytorch)$/, "");
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};
const STUDY = /^study_\d+$/;
const TRIAL = /^trial_\d+$/;

/**
 * Read AlgoPerf evaluation logs for scoring.
 *
 * `path` is the bundled `datasets/algoperf_v05` (or its `scoring/` folder), a folder with
 * `external_tuning/` and `self_tuning/`, one ruleset's folder of submissions (with or without a
 * team level), or a single submission's folder of `study_<k>` folders.
 *
 * @example
 * const logs = await readAlgoPerfLogs("datasets/algoperf_v05", { ruleset: "external" });
 * new Set(logs.trials.map((t) => t.submission)).size; // 11
 */
export async function readAlgoPerfLogs(path: string, options: { ruleset?: AlgoPerfRuleset } = {}): Promise<AlgoPerfLogs> {
  const ruleset = options.ruleset ?? "external";
  const benchmark = algoperfBenchmark();
  if (!existsSync(path)) throw new TunebookError("no such file or folder", path);
  const table = [join(path, "scoring", "evals.csv.gz"), join(path, "evals.csv.gz"), path].find(
    (p) => p.endsWith(".csv.gz") && existsSync(p) && !isDir(p),
  );
  if (table) return { ruleset, root: path, benchmark, trials: readTable(table, ruleset, benchmark), issues: [] };
  if (!isDir(path)) throw new TunebookError("expected an AlgoPerf log folder or the bundled scoring table (evals.csv.gz)", path);
  const issues: LoadIssue[] = [];
  const trials = readFolder(path, ruleset, benchmark, issues);
  if (trials.length === 0)
    throw new TunebookError(
      "no eval_measurements.csv found (expected <submission>/study_<k>/<workload>_<framework>/trial_<n>/eval_measurements.csv)",
      path,
    );
  return { ruleset, root: path, benchmark, trials, issues };
}

const COLUMNS = ["ruleset", "submission", "study", "workload", "trial", "global_step", "time_sec", "value"];

/** Parsed tables by file (path, size, mtime): a notebook reads both rulesets of the same 25 MB. */
const TABLES = new Map<string, Map<string, AlgoPerfTrial[]>>();

/** The bundled table's trials of one ruleset (shared, read-only arrays). */
function readTable(file: string, ruleset: AlgoPerfRuleset, benchmark: AlgoPerfBenchmark): AlgoPerfTrial[] {
  const st = statSync(file);
  const key = `${file}\u0000${st.size}\u0000${st.mtimeMs}`;
  let all = TABLES.get(key);
  if (!all) {
    all = parseTable(file, benchmark);
    TABLES.clear();
    TABLES.set(key, all);
  }
  return [...(all.get(ruleset) ?? [])];
}

/** Written by our own script without quoting, so a plain split is exact. */
function parseTable(file: string, benchmark: AlgoPerfBenchmark): Map<string, AlgoPerfTrial[]> {
  let text: string;
  try {
    text = gunzipSync(readRegularFileSync(file)).toString("utf8");
  } catch (e) {
    throw new TunebookError(`cannot read gzip table: ${(e as Error).message}`, file);
  }
  const lines = text.split("\n");
  const header = lines[0]!.split(",");
  if (header.join(",") !== COLUMNS.join(",")) throw new TunebookError(`expected columns ${COLUMNS.join(",")}`, file, 1);
  const out = new Map<string, AlgoPerfTrial[]>();
  let key = "";
  let cur: { ruleset: string; meta: Omit<AlgoPerfTrial, "step" | "time" | "value">; step: number[]; time: number[]; value: number[] } | null = null;
  const flush = () => {
    if (!cur) return;
    if (!out.has(cur.ruleset)) out.set(cur.ruleset, []);
    out.get(cur.ruleset)!.push({ ...cur.meta, step: Float64Array.from(cur.step), time: Float64Array.from(cur.time), value: Float64Array.from(cur.value) });
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const f = line.split(",");
    if (f.length !== COLUMNS.length) throw new TunebookError(`expected ${COLUMNS.length} fields, found ${f.length}`, file, i + 1);
    const k = `${f[0]}\u0000${f[1]}\u0000${f[2]}\u0000${f[3]}\u0000${f[4]}`;
    if (k !== key) {
      flush();
      key = k;
      const workload = workloadName(f[3]!);
      if (!benchmark.workloads[workload]) throw new TunebookError(`unknown AlgoPerf workload "${f[3]}"`, file, i + 1, "workload");
      cur = {
        ruleset: f[0]!,
        meta: { submission: f[1]!, study: f[2]!, workloadDir: f[3]!, workload, trial: f[4]!, file: `${file}:${i + 1}` },
        step: [],
        time: [],
        value: [],
      };
    }
    cur!.step.push(num(f[5]!));
    cur!.time.push(num(f[6]!));
    cur!.value.push(num(f[7]!));
  }
  flush();
  return out;
}

/** Numbers as Python wrote them (`nan`, `inf`, `-inf` included); anything else is NaN. */
function num(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === "nan" || t === "") return NaN;
  if (t === "inf" || t === "infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  const n = Number(t);
  return Number.isNaN(n) ? NaN : n;
}

/** Submission folders under `path`: itself, its children, or its grandchildren (team level). */
function submissionDirs(path: string, ruleset: AlgoPerfRuleset): Array<{ name: string; dir: string }> {
  const hasStudies = (p: string) => readdirSync(p).some((x) => STUDY.test(x) && isDir(join(p, x)));
  const rdir = join(path, `${ruleset}_tuning`);
  const root = isDir(rdir) ? rdir : path;
  if (hasStudies(root)) return [{ name: basename(root), dir: root }];
  const out: Array<{ name: string; dir: string }> = [];
  for (const d of readdirSync(root).sort()) {
    const p = join(root, d);
    if (!isDir(p)) continue;
    if (hasStudies(p)) out.push({ name: d, dir: p });
    else for (const s of readdirSync(p).sort()) if (isDir(join(p, s)) && hasStudies(join(p, s))) out.push({ name: s, dir: join(p, s) });
  }
  return out;
}

function readFolder(path: string, ruleset: AlgoPerfRuleset, benchmark: AlgoPerfBenchmark, issues: LoadIssue[]): AlgoPerfTrial[] {
  const out: AlgoPerfTrial[] = [];
  for (const { name: submission, dir } of submissionDirs(path, ruleset)) {
    for (const study of readdirSync(dir).filter((s) => STUDY.test(s)).sort()) {
      for (const wdir of readdirSync(join(dir, study)).sort()) {
        const wpath = join(dir, study, wdir);
        if (!isDir(wpath)) continue;
        if (TRIAL.test(wdir)) {
          issues.push({ severity: "warn", file: wpath, message: "trial folder directly under a study names no workload; skipped" });
          continue;
        }
        const workload = workloadName(wdir);
        const spec = benchmark.workloads[workload];
        if (!spec) {
          issues.push({ severity: "warn", file: wpath, message: `unknown AlgoPerf workload "${wdir}" (no validation target); skipped` });
          continue;
        }
        for (const trial of readdirSync(wpath).filter((t) => TRIAL.test(t)).sort()) {
          const file = join(wpath, trial, "eval_measurements.csv");
          if (!existsSync(file)) continue;
          const t = readEvalMeasurements(file, spec.metric, issues);
          if (t) out.push({ submission, study, workloadDir: wdir, workload, trial, file, ...t });
        }
      }
    }
  }
  return out;
}

/** One eval_measurements.csv: the time and target-metric columns (csv-parse handles quoting). */
function readEvalMeasurements(file: string, metric: string, issues: LoadIssue[]): Pick<AlgoPerfTrial, "step" | "time" | "value"> | null {
  let rows: string[][];
  try {
    rows = parse(readRegularFileSync(file).toString("utf8"), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (e) {
    issues.push({ severity: "warn", file, message: `cannot parse CSV: ${(e as Error).message}; skipped` });
    return null;
  }
  const header = rows[0] ?? [];
  const ti = header.indexOf("accumulated_submission_time");
  const si = header.indexOf("global_step");
  const vi = header.indexOf(metric);
  if (ti < 0 || vi < 0) {
    issues.push({ severity: "warn", file, line: 1, field: ti < 0 ? "accumulated_submission_time" : metric, message: "column missing; trial skipped" });
    return null;
  }
  const n = rows.length - 1;
  const step = new Float64Array(n);
  const time = new Float64Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i + 1]!;
    step[i] = si >= 0 ? num(r[si] ?? "") : NaN;
    time[i] = num(r[ti] ?? "");
    value[i] = num(r[vi] ?? "");
    if (Number.isNaN(time[i]!)) issues.push({ severity: "warn", file, line: i + 2, field: "accumulated_submission_time", message: "not a number; this evaluation cannot count" });
  }
  return { step, time, value };
}
