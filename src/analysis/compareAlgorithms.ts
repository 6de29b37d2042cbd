/**
 * Is algorithm A better than B across tasks and seeds? Aggregate statistics for score matrices
 * (runs × tasks, higher is better), as defined by rliable (Agarwal et al., "Deep Reinforcement
 * Learning at the Edge of the Statistical Precipice", NeurIPS 2021; `rliable/metrics.py`,
 * `rliable/library.py`):
 *
 * - mean: mean over tasks of each task's mean over runs (`aggregate_mean`);
 * - median: median over tasks of each task's mean over runs (`aggregate_median`);
 * - interquartile mean (IQM): the mean of the middle 50% of all runs × tasks scores, cutting
 *   ⌊0.25·n⌋ from each end (`scipy.stats.trim_mean(scores, 0.25, axis=None)`);
 * - optimality gap: γ − mean(min(score, γ)) over all scores (γ = 1 by default): how far below the
 *   target score the algorithm falls, not rewarding overshoot;
 * - probability of improvement P(X > Y): per task, the Mann–Whitney U statistic of X's runs over
 *   Y's runs divided by n_x·n_y (pairs where X wins, ties count ½; exactly ½ when both columns are
 *   equal), averaged over tasks;
 * - score distributions (performance profiles): the fraction of runs × tasks scores above τ
 *   (`run_score_distribution`), or of task means above τ (`mean_score_distribution`).
 *
 * Confidence intervals come from the stratified bootstrap: in each repetition every task's runs are
 * resampled with replacement, independently per task (and, for P(X > Y), independently for X and
 * Y), and the statistic recomputed; the interval is the percentile interval of the repetitions (the
 * `percentile` method rliable uses by default). rliable defaults to 50,000 repetitions; we default
 * to 2,000, which puts the Monte-Carlo error of a 95% bound well under the intervals' width for
 * the handful of runs these matrices have, and keeps a notebook cell interactive.
 *
 * An interval of P(X > Y) that lies entirely above ½ says X's advantage is beyond run-to-run
 * (seed) noise at that confidence; one that contains ½ says it is not.
 */
import { TunebookError } from "../core/errors.js";
import { finding, sortFindings, type Finding } from "../core/findings.js";
import { quantileSorted } from "../stats/index.js";
import { mulberry32 } from "../util/random.js";
import { fmt } from "./common.js";

/** runs × tasks; each algorithm may have its own number of runs, all have the same tasks. */
export type ScoreMatrix = readonly (readonly number[])[];

export type Normalization =
  | "none"
  /** Per task, (x − min) / (max − min) over every algorithm's runs on that task. */
  | "range"
  /** Per task, x / (mean of the reference algorithm's runs on that task). */
  | { reference: string }
  /** Per task, (x − low[t]) / (high[t] − low[t]), e.g. random and human scores. */
  | { low: readonly number[]; high: readonly number[] };

export interface CompareAlgorithmsOptions {
  /** Task names (columns), for messages and results. Default task_0, task_1, … */
  tasks?: readonly string[];
  normalize?: Normalization;
  /** Bootstrap repetitions (default 2000). */
  reps?: number;
  /** Interval size (default 0.95). */
  confidence?: number;
  seed?: number;
  /** Threshold of the optimality gap (default 1). */
  gamma?: number;
  /** Thresholds of the score distributions (default 101 points over the scores' range). */
  tau?: readonly number[];
  /** "runs" (default): fraction of all scores above τ; "mean": fraction of task means above τ. */
  profile?: "runs" | "mean";
  /** Pairs (x, y) for P(x > y); default every pair, the better by IQM first. */
  pairs?: ReadonlyArray<readonly [string, string]>;
}

export interface Interval {
  point: number;
  low: number;
  high: number;
}

export interface AlgorithmAggregates {
  mean: Interval;
  median: Interval;
  iqm: Interval;
  optimalityGap: Interval;
  runs: number;
}

export interface ImprovementResult extends Interval {
  x: string;
  y: string;
  /** The whole interval lies above ½: X beats Y beyond run-to-run noise. */
  beyondNoise: boolean;
}

export interface CompareAlgorithmsResult {
  algorithms: string[];
  tasks: string[];
  /** The matrices after normalization (runs × tasks). */
  scores: Record<string, number[][]>;
  aggregates: Record<string, AlgorithmAggregates>;
  improvement: ImprovementResult[];
  profiles: { kind: "runs" | "mean"; tau: number[]; curves: Record<string, { point: number[]; low: number[]; high: number[] }> };
  options: { reps: number; confidence: number; seed: number; gamma: number; normalize: Normalization };
  findings: Finding[];
}

// ---- point statistics (rliable's definitions) ---------------------------------------------------

function taskMeans(m: ScoreMatrix): number[] {
  const k = m[0]?.length ?? 0;
  const out = new Array<number>(k).fill(0);
  for (const row of m) for (let j = 0; j < k; j++) out[j]! += row[j]!;
  return out.map((s) => s / m.length);
}

/**
 * Mean over tasks of the per-task mean over runs (rliable `aggregate_mean`).
 *
 * @example
 * aggregateMean([[1, 10], [3, 20]]); // (2 + 15) / 2 = 8.5
 */
export function aggregateMean(m: ScoreMatrix): number {
  const t = taskMeans(m);
  return t.reduce((a, b) => a + b, 0) / t.length;
}

/**
 * Median over tasks of the per-task mean over runs (rliable `aggregate_median`).
 *
 * @example
 * aggregateMedian([[1, 10, 0], [3, 20, 0]]); // median(2, 15, 0) = 2
 */
export function aggregateMedian(m: ScoreMatrix): number {
  const t = taskMeans(m).sort((a, b) => a - b);
  return quantileSorted(t, 0.5);
}

/**
 * Interquartile mean of all runs × tasks scores: drop ⌊n/4⌋ from each end, average the rest
 * (rliable `aggregate_iqm`, i.e. `scipy.stats.trim_mean(x, 0.25, axis=None)`).
 *
 * @example
 * aggregateIqm([[1, 2], [3, 4], [5, 100]]); // mean(2, 3, 4, 5) = 3.5
 */
export function aggregateIqm(m: ScoreMatrix): number {
  const all = m.flat().sort((a, b) => a - b);
  const cut = Math.floor(0.25 * all.length);
  const mid = all.slice(cut, all.length - cut);
  return mid.reduce((a, b) => a + b, 0) / mid.length;
}

/**
 * γ − mean(min(score, γ)) over all runs × tasks (rliable `aggregate_optimality_gap`).
 *
 * @example
 * aggregateOptimalityGap([[0.5, 2]]); // 1 − (0.5 + 1) / 2 = 0.25
 */
export function aggregateOptimalityGap(m: ScoreMatrix, gamma = 1): number {
  const all = m.flat();
  return gamma - all.reduce((a, x) => a + Math.min(x, gamma), 0) / all.length;
}

/**
 * P(X > Y): per task, the share of (x run, y run) pairs where X scores higher, ties ½ (the
 * Mann–Whitney U statistic / (n_x·n_y)); ½ when both columns are identical; mean over tasks
 * (rliable `probability_of_improvement`).
 *
 * @example
 * probabilityOfImprovement([[2], [3]], [[1], [3]]); // pairs: 2>1, 2<3, 3>1, 3=3 -> 2.5 / 4 = 0.625
 */
export function probabilityOfImprovement(x: ScoreMatrix, y: ScoreMatrix): number {
  const k = x[0]?.length ?? 0;
  let total = 0;
  for (let j = 0; j < k; j++) {
    const xs = x.map((r) => r[j]!);
    const ys = y.map((r) => r[j]!);
    if (xs.length === ys.length && xs.every((v, i) => v === ys[i])) {
      total += 0.5;
      continue;
    }
    let u = 0;
    for (const a of xs) for (const b of ys) u += a > b ? 1 : a === b ? 0.5 : 0;
    total += u / (xs.length * ys.length);
  }
  return total / k;
}

/**
 * Score distribution: for each τ, the fraction of all scores above τ (rliable
 * `run_score_distribution`), or with `kind: "mean"` of the per-task means above τ.
 *
 * @example
 * scoreDistribution([[0.2, 0.8], [0.6, 1.0]], [0.5]); // [3 / 4]
 */
export function scoreDistribution(m: ScoreMatrix, tau: readonly number[], kind: "runs" | "mean" = "runs"): number[] {
  const xs = kind === "runs" ? m.flat() : taskMeans(m);
  return tau.map((t) => xs.filter((x) => x > t).length / xs.length);
}

// ---- the stratified bootstrap --------------------------------------------------------------------

/** One stratified resample: per task, n runs drawn with replacement from that task's runs. */
function resample(m: ScoreMatrix, rnd: () => number): number[][] {
  const n = m.length;
  const k = m[0]!.length;
  const out: number[][] = Array.from({ length: n }, () => new Array<number>(k));
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) out[i]![j] = m[Math.floor(rnd() * n)]![j]!;
  return out;
}

function percentile(values: number[], confidence: number): { low: number; high: number } {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const a = (1 - confidence) / 2;
  return { low: quantileSorted(s, a), high: quantileSorted(s, 1 - a) };
}

/**
 * Percentile interval of `stat` under the stratified bootstrap of one matrix (rliable
 * `get_interval_estimates` with `StratifiedBootstrap`).
 *
 * @example
 * stratifiedBootstrapInterval([[1], [2], [3]], aggregateMean, { reps: 2000, seed: 0 }); // ≈ { low: 1.33, high: 2.67 }
 */
export function stratifiedBootstrapInterval(
  m: ScoreMatrix,
  stat: (m: ScoreMatrix) => number,
  opts: { reps?: number; confidence?: number; seed?: number } = {},
): Interval {
  const rnd = mulberry32(opts.seed ?? 0);
  const reps = opts.reps ?? 2000;
  const vals = new Array<number>(reps);
  for (let r = 0; r < reps; r++) vals[r] = stat(resample(m, rnd));
  return { point: stat(m), ...percentile(vals, opts.confidence ?? 0.95) };
}

// ---- normalization and the whole comparison -------------------------------------------------------

function validate(scores: Record<string, ScoreMatrix>, tasks: readonly string[] | undefined): string[] {
  const algos = Object.keys(scores);
  if (algos.length === 0) throw new TunebookError("compareAlgorithms needs at least one algorithm's score matrix");
  const k = scores[algos[0]!]![0]?.length ?? 0;
  if (k === 0) throw new TunebookError(`algorithm "${algos[0]}": the score matrix has no tasks (expected runs × tasks)`);
  if (tasks && tasks.length !== k) throw new TunebookError(`${tasks.length} task names for ${k} tasks`);
  for (const a of algos) {
    const m = scores[a]!;
    if (m.length === 0) throw new TunebookError(`algorithm "${a}": no runs`);
    m.forEach((row, i) => {
      if (row.length !== k) throw new TunebookError(`algorithm "${a}", run ${i}: ${row.length} tasks, expected ${k}`);
      row.forEach((v, j) => {
        if (typeof v !== "number" || Number.isNaN(v)) throw new TunebookError(`algorithm "${a}", run ${i}, task "${tasks?.[j] ?? j}": score is not a number (${String(v)})`);
      });
    });
  }
  return algos;
}

function normalizeAll(scores: Record<string, ScoreMatrix>, algos: string[], norm: Normalization, tasks: string[]): Record<string, number[][]> {
  const k = tasks.length;
  let low = new Array<number>(k).fill(0);
  let high = new Array<number>(k).fill(1);
  let divide: number[] | null = null;
  if (norm === "none") return Object.fromEntries(algos.map((a) => [a, scores[a]!.map((r) => [...r])]));
  if (norm === "range") {
    low = tasks.map((_, j) => Math.min(...algos.flatMap((a) => scores[a]!.map((r) => r[j]!)).filter(Number.isFinite)));
    high = tasks.map((_, j) => Math.max(...algos.flatMap((a) => scores[a]!.map((r) => r[j]!)).filter(Number.isFinite)));
  } else if ("reference" in norm) {
    const ref = scores[norm.reference];
    if (!ref) throw new TunebookError(`normalize.reference: no algorithm "${norm.reference}" (have ${algos.join(", ")})`);
    divide = taskMeans(ref);
    divide.forEach((d, j) => {
      if (!(Number.isFinite(d) && d !== 0)) throw new TunebookError(`normalize.reference: "${norm.reference}" has mean ${d} on task "${tasks[j]}"; cannot divide by it`);
    });
  } else {
    if (norm.low.length !== k || norm.high.length !== k) throw new TunebookError(`normalize.low/high need ${k} values (one per task)`);
    low = [...norm.low];
    high = [...norm.high];
  }
  return Object.fromEntries(
    algos.map((a) => [
      a,
      scores[a]!.map((r) => r.map((x, j) => (divide ? x / divide[j]! : high[j] === low[j] ? (x >= high[j]! ? 1 : 0) : (x - low[j]!) / (high[j]! - low[j]!)))),
    ]),
  );
}

/**
 * Compare algorithms across tasks and runs with rliable's aggregate statistics and stratified
 * bootstrap intervals (see the module comment for each definition).
 *
 * @example
 * const r = compareAlgorithms({ A: [[0.9, 0.8], [0.7, 0.9]], B: [[0.5, 0.6], [0.4, 0.7]] }, { tasks: ["t1", "t2"] });
 * r.aggregates.A.iqm.point;   // 0.85
 * r.improvement[0];           // { x: "A", y: "B", point: 1, low: 1, high: 1, beyondNoise: true }
 */
export function compareAlgorithms(scores: Record<string, ScoreMatrix>, options: CompareAlgorithmsOptions = {}): CompareAlgorithmsResult {
  const algosIn = validate(scores, options.tasks);
  const k = scores[algosIn[0]!]![0]!.length;
  const tasks = options.tasks ? [...options.tasks] : Array.from({ length: k }, (_, j) => `task_${j}`);
  const reps = options.reps ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 0;
  const gamma = options.gamma ?? 1;
  const normalize = options.normalize ?? "none";
  if (!(Number.isInteger(reps) && reps >= 1)) throw new TunebookError(`reps must be a positive integer, not ${reps}`);
  if (!(confidence > 0 && confidence < 1)) throw new TunebookError(`confidence must be in (0, 1), not ${confidence}`);
  const norm = normalizeAll(scores, algosIn, normalize, tasks);

  const stats: Record<keyof Omit<AlgorithmAggregates, "runs">, (m: ScoreMatrix) => number> = {
    mean: aggregateMean,
    median: aggregateMedian,
    iqm: aggregateIqm,
    optimalityGap: (m) => aggregateOptimalityGap(m, gamma),
  };
  const aggregates: Record<string, AlgorithmAggregates> = Object.create(null);
  algosIn.forEach((a, ai) => {
    // One set of resamples per algorithm serves all four statistics (as rliable's interval estimates
    // over a tuple-valued aggregate function).
    const rnd = mulberry32(seed + 7919 * ai);
    const vals = { mean: [] as number[], median: [] as number[], iqm: [] as number[], optimalityGap: [] as number[] };
    for (let r = 0; r < reps; r++) {
      const s = resample(norm[a]!, rnd);
      for (const key of Object.keys(stats) as Array<keyof typeof stats>) vals[key].push(stats[key](s));
    }
    const iv = (key: keyof typeof stats): Interval => ({ point: stats[key](norm[a]!), ...percentile(vals[key], confidence) });
    aggregates[a] = { mean: iv("mean"), median: iv("median"), iqm: iv("iqm"), optimalityGap: iv("optimalityGap"), runs: norm[a]!.length };
  });
  const algorithms = [...algosIn].sort((a, b) => aggregates[b]!.iqm.point - aggregates[a]!.iqm.point || a.localeCompare(b));

  const pairs: Array<readonly [string, string]> = options.pairs ? [...options.pairs] : [];
  if (!options.pairs) for (let i = 0; i < algorithms.length; i++) for (let j = i + 1; j < algorithms.length; j++) pairs.push([algorithms[i]!, algorithms[j]!]);
  const improvement: ImprovementResult[] = pairs.map(([x, y], pi) => {
    if (!norm[x] || !norm[y]) throw new TunebookError(`pairs: unknown algorithm "${!norm[x] ? x : y}" (have ${algosIn.join(", ")})`);
    const rnd = mulberry32(seed + 104729 * (pi + 1));
    const vals = new Array<number>(reps);
    for (let r = 0; r < reps; r++) vals[r] = probabilityOfImprovement(resample(norm[x]!, rnd), resample(norm[y]!, rnd));
    const iv = { point: probabilityOfImprovement(norm[x]!, norm[y]!), ...percentile(vals, confidence) };
    return { x, y, ...iv, beyondNoise: iv.low > 0.5 };
  });

  const kind = options.profile ?? "runs";
  let tau = options.tau ? [...options.tau] : [];
  if (!options.tau) {
    const finite = algosIn.flatMap((a) => norm[a]!.flat()).filter(Number.isFinite);
    const lo = Math.min(0, ...finite);
    const hi = Math.max(...finite);
    tau = Array.from({ length: 101 }, (_, i) => lo + ((hi - lo) * i) / 100);
  }
  const curves: CompareAlgorithmsResult["profiles"]["curves"] = Object.create(null);
  algosIn.forEach((a, ai) => {
    const rnd = mulberry32(seed + 15485863 * (ai + 1));
    const boot: number[][] = [];
    for (let r = 0; r < reps; r++) boot.push(scoreDistribution(resample(norm[a]!, rnd), tau, kind));
    const point = scoreDistribution(norm[a]!, tau, kind);
    const low: number[] = [];
    const high: number[] = [];
    tau.forEach((_, t) => {
      const p = percentile(boot.map((b) => b[t]!), confidence);
      low.push(p.low);
      high.push(p.high);
    });
    curves[a] = { point, low, high };
  });

  const findings: Finding[] = [];
  for (const p of improvement) {
    if (p.beyondNoise)
      findings.push(finding("info", "compare.beyond_noise", `${p.x} beats ${p.y} beyond run-to-run noise: P(${p.x} > ${p.y}) = ${fmt(p.point)}, ${Math.round(confidence * 100)}% interval [${fmt(p.low)}, ${fmt(p.high)}] lies above ½.`, { ...p }));
    else if (p.high < 0.5)
      findings.push(finding("warn", "compare.reversed", `${p.y} beats ${p.x} beyond run-to-run noise, against the ordering by IQM: P(${p.x} > ${p.y}) interval [${fmt(p.low)}, ${fmt(p.high)}] lies below ½.`, { ...p }));
    else
      findings.push(finding("info", "compare.within_noise", `${p.x} vs ${p.y}: P(${p.x} > ${p.y}) = ${fmt(p.point)}, ${Math.round(confidence * 100)}% interval [${fmt(p.low)}, ${fmt(p.high)}] contains ½ — not distinguishable from run-to-run noise with these runs.`, { ...p }));
  }
  const fewRuns = algosIn.filter((a) => norm[a]!.length < 5);
  if (fewRuns.length)
    findings.push(finding("warn", "compare.few_runs", `${fewRuns.join(", ")} ${fewRuns.length > 1 ? "have" : "has"} fewer than 5 runs; bootstrap intervals from so few runs are too narrow to trust.`, { algorithms: fewRuns }));

  return {
    algorithms,
    tasks,
    scores: norm,
    aggregates,
    improvement,
    profiles: { kind, tau, curves },
    options: { reps, confidence, seed, gamma, normalize },
    findings: sortFindings(findings),
  };
}
