/**
 * Bootstrapped study variance (playbook: "Determining whether to adopt a training pipeline change",
 * hyperparameter search variance): how the best result of a study of N trials would vary if the
 * study were rerun, estimated from one study of n trials.
 */
import type { Study } from "../study/study.js";
import type { Direction } from "../study/types.js";
import { type Finding, finding } from "./finding.js";
import { type BoxQuantiles, type ObjectiveBy, fmt, isFeasibleRow, mulberry32, objectiveOf } from "./common.js";
import { mean as sampleMean } from "../stats/mean.js";
import { quantileSorted } from "../stats/quantileSorted.js";
import { feasibleCount, mixesSearchSpaces } from "./applicability.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";

export interface BestOfNOptions {
  /** Budgets N to report (default: 1, 2, 3, 5, 10, 20, 50, 100, … up to n, and n). */
  budgets?: number[];
  /** Resamples per budget for the Monte-Carlo estimate (default 1000; 0 = exact only). */
  resamples?: number;
  seed?: number;
  /** Needed for plain arrays (default: the study's direction, else "minimize"). */
  direction?: Direction;
  /** "Within tolerance of the study best" means |best-of-N − study best| ≤ tolerance (default 1% of |study best|). */
  tolerance?: number;
  /** Probability the budget must reach (default 0.9). */
  probability?: number;
  /** Objective per trial (studies only; default best). */
  by?: ObjectiveBy;
  /** Keep each budget's resampled bests in the result (for strip plots; default false). */
  keepSamples?: boolean;
}

/** Best-of-N summary: mean, box-plot quantiles and P(within tolerance). Quantiles are null where the draw is all infeasible. */
export interface BestOfNSummary {
  mean: number | null;
  quantiles: { [K in keyof BoxQuantiles]: number | null };
  /** P(every one of the N draws is infeasible). */
  pAllInfeasible: number;
  /** P(best of N within tolerance of the study best). */
  pWithinTolerance: number;
}

export interface BestOfNBudget {
  n: number;
  exact: BestOfNSummary;
  resampled?: BestOfNSummary & { resamples: number; samples?: Array<number | null> };
}

export interface BestOfNResult {
  direction: Direction;
  /** Trials drawn from (feasible + infeasible). */
  n: number;
  feasible: number;
  studyBest: number | null;
  tolerance: number;
  probability: number;
  /** Trials whose value is within tolerance of the study best. */
  withinTolerance: number;
  budgets: BestOfNBudget[];
  /** Smallest N with P(best-of-N within tolerance) ≥ probability (exact); null when no feasible trial. */
  budgetNeeded: number | null;
  findings: Finding[];
}

/** The options of `bestOfNBootstrap` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const bootstrapOptions = {
  by: commonOptions.by,
  budgets: option.numbers("budgets N (default: 1, 2, 5, 10, … up to the study size)", { int: true, min: 1 }),
  seed: commonOptions.seed,
  resamples: commonOptions.resamples,
  probability: option.number("probability the budget must reach the study best within tolerance", { default: 0.9, min: 0, max: 1 }),
  tolerance: option.number("tolerance around the study best (default: relative 1%)", { min: 0 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(bootstrapOptions);

/**
 * Distribution of the best of N trials drawn with replacement from the study's n trials.
 *
 * Exact, from order statistics. Rank the n trials from best (rank 1) to worst (rank n; infeasible
 * trials rank last). One draw has rank ≤ k with probability k/n, so the best of N independent draws
 * has rank > k only if all N do: P(best-of-N rank ≤ k) = 1 − (1 − k/n)^N ("at least one of the
 * top k"). Equivalently, ranking worst-first (rank j = n − k), the best of N is the maximum rank and
 * P(max rank ≤ j) = (j/n)^N — the form DESIGN.md writes; both are the same distribution, one counted
 * from each end. P(best-of-N is exactly the k-th best) = (1 − (k−1)/n)^N − (1 − k/n)^N.
 *
 * By resampling: draw N trials with replacement, keep the best, repeat (seeded PRNG), which must
 * agree with the exact form within Monte-Carlo error.
 *
 * The budget needed: with m trials within tolerance of the study best, P(within) = 1 − (1 − m/n)^N,
 * so N = ⌈log(1 − p) / log(1 − m/n)⌉.
 *
 * @example
 * const r = bestOfNBootstrap(study, { budgets: [1, 5, 20], probability: 0.9 });
 * r.budgets[1].exact.quantiles.p50;   // median best-of-5
 * r.budgetNeeded;                     // e.g. 37 trials to be within 1% of the best with 90% probability
 */
export function bestOfNBootstrap(input: Study | readonly number[], options: BestOfNOptions = {}): BestOfNResult {
  let values: number[];
  let direction: Direction;
  if (Array.isArray(input)) {
    values = [...(input as readonly number[])];
    direction = options.direction ?? "minimize";
  } else {
    const study = input as Study;
    const by = options.by ?? D.by;
    direction = options.direction ?? study.objective.direction;
    values = study.trialRows().map((r) => (isFeasibleRow(r, by) ? objectiveOf(r, by)! : NaN));
  }
  const n = values.length;
  // Best-first order; non-finite values (infeasible) last.
  const sorted = [...values].sort((a, b) => {
    const fa = Number.isFinite(a), fb = Number.isFinite(b);
    if (!fa || !fb) return fa === fb ? 0 : fa ? -1 : 1;
    return direction === "minimize" ? a - b : b - a;
  });
  const feasible = sorted.filter(Number.isFinite).length;
  const studyBest = feasible > 0 ? sorted[0]! : null;
  const tolerance = options.tolerance ?? (studyBest === null ? 0 : 0.01 * Math.abs(studyBest));
  const probability = options.probability ?? D.probability;
  const within = studyBest === null ? 0 : sorted.filter((v) => Number.isFinite(v) && Math.abs(v - studyBest) <= tolerance + 1e-12 * Math.abs(studyBest)).length;
  const budgets = options.budgets ?? defaultBudgets(n);
  const resamples = options.resamples ?? D.resamples;
  const rnd = mulberry32(options.seed ?? D.seed);
  const out: BestOfNBudget[] = [];
  for (const N of budgets) {
    if (!Number.isInteger(N) || N < 1) continue;
    const b: BestOfNBudget = { n: N, exact: exactSummary(sorted, feasible, N, direction, within) };
    if (resamples > 0 && n > 0) b.resampled = resampledSummary(values, N, direction, resamples, rnd, studyBest, tolerance, options.keepSamples ?? false);
    out.push(b);
  }
  const budgetNeeded = studyBest === null ? null : budgetFor(within, n, probability);
  const findings: Finding[] = [];
  if (studyBest !== null && n > 0) {
    const b = budgetNeeded!;
    const sev = b > n ? "warn" : "info";
    const msg =
      b > n
        ? `Study variance: a rerun with this study's ${n} trials reaches within ${fmt(tolerance)} of the best (${fmt(studyBest)}) only with probability ${fmt(1 - (1 - within / n) ** n)}; about ${b} trials would be needed for ${probability}. The study's best is partly luck — sample more trials before drawing conclusions.`
        : `Study variance: ${b} trial(s) suffice to land within ${fmt(tolerance)} of the study best (${fmt(studyBest)}) with probability ${probability} (${within} of ${n} trials are that close).`;
    findings.push(finding(sev, "bootstrap.budget", msg, { budgetNeeded: b, trials: n, feasible, withinTolerance: within, tolerance, probability, studyBest, pWithinAtN: 1 - (1 - within / n) ** n }));
  }
  return { direction, n, feasible, studyBest, tolerance, probability, withinTolerance: within, budgets: out, budgetNeeded, findings };
}

/**
 * P(best of N draws with replacement from n items is among the top k): 1 − (1 − k/n)^N.
 *
 * @example
 * probBestInTopK(1, 2, 2); // 0.75: two draws from two items miss the best with probability 1/4
 */
export function probBestInTopK(k: number, n: number, N: number): number {
  if (n <= 0) return 0;
  return 1 - (1 - Math.min(k, n) / n) ** N;
}

/**
 * Exact distribution of the best of N draws: probability of each rank (best-first), summing to 1.
 *
 * @example
 * bestOfNRankProbabilities(3, 2); // [5/9, 3/9, 1/9]
 */
export function bestOfNRankProbabilities(n: number, N: number): number[] {
  const p: number[] = [];
  for (let k = 1; k <= n; k++) p.push((1 - (k - 1) / n) ** N - (1 - k / n) ** N);
  return p;
}

/**
 * Smallest budget N such that at least one of N draws lands in the `m` good trials out of `n` with
 * probability ≥ p: ⌈log(1 − p) / log(1 − m/n)⌉ (1 when every trial is good).
 *
 * @example
 * budgetFor(10, 100, 0.9); // 22
 */
export function budgetFor(m: number, n: number, p: number): number {
  if (m <= 0 || n <= 0) return Infinity;
  if (m >= n || p <= 0) return 1;
  return Math.max(1, Math.ceil(Math.log(1 - p) / Math.log(1 - m / n) - 1e-9));
}

function defaultBudgets(n: number): number[] {
  const base = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
  const b = base.filter((x) => x < n);
  if (n > 0) b.push(n);
  return b;
}

function exactSummary(sorted: number[], feasible: number, N: number, dir: Direction, within: number): BestOfNSummary {
  const n = sorted.length;
  const probs = bestOfNRankProbabilities(n, N);
  const pAllInfeasible = feasible < n ? (1 - feasible / n) ** N : 0;
  // Value quantiles: walk values in ascending order accumulating probability.
  const items = sorted.slice(0, feasible).map((v, i) => ({ v, p: probs[i]! }));
  items.sort((a, b) => a.v - b.v);
  // Infeasible draws count as the worst value: below everything when maximizing, above when minimizing.
  const cdfPoints: Array<{ v: number | null; c: number }> = [];
  let c = dir === "maximize" ? pAllInfeasible : 0;
  if (dir === "maximize" && pAllInfeasible > 0) cdfPoints.push({ v: null, c });
  let mean = 0;
  for (const it of items) {
    c += it.p;
    mean += it.p * it.v;
    cdfPoints.push({ v: it.v, c });
  }
  if (dir === "minimize" && pAllInfeasible > 0) cdfPoints.push({ v: null, c: 1 });
  const q = (x: number): number | null => {
    for (const pt of cdfPoints) if (pt.c >= x - 1e-12) return pt.v;
    return cdfPoints.length ? cdfPoints[cdfPoints.length - 1]!.v : null;
  };
  return {
    mean: pAllInfeasible < 1 && items.length ? mean / (1 - pAllInfeasible) : null,
    quantiles: { p5: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95) },
    pAllInfeasible,
    pWithinTolerance: probBestInTopK(within, n, N),
  };
}

function resampledSummary(values: number[], N: number, dir: Direction, R: number, rnd: () => number, studyBest: number | null, tol: number, keep: boolean): NonNullable<BestOfNBudget["resampled"]> {
  const n = values.length;
  const bests: Array<number | null> = [];
  let allInf = 0;
  let within = 0;
  for (let r = 0; r < R; r++) {
    let b = NaN;
    for (let i = 0; i < N; i++) {
      const v = values[Math.floor(rnd() * n)]!;
      if (!Number.isFinite(v)) continue;
      if (Number.isNaN(b) || (dir === "minimize" ? v < b : v > b)) b = v;
    }
    if (Number.isNaN(b)) {
      allInf++;
      bests.push(null);
    } else {
      bests.push(b);
      if (studyBest !== null && Math.abs(b - studyBest) <= tol + 1e-12 * Math.abs(studyBest)) within++;
    }
  }
  // Infeasible bests are the worst value for the quantiles (null).
  const worst = dir === "maximize" ? -Infinity : Infinity;
  const asNum = bests.map((b) => (b === null ? worst : b)).sort((a, b) => a - b);
  const fin = bests.filter((b): b is number => b !== null);
  const qq = (p: number): number | null => {
    const v = quantileSorted(asNum, p);
    return Number.isFinite(v) ? v : null;
  };
  const s: NonNullable<BestOfNBudget["resampled"]> = {
    resamples: R,
    mean: fin.length ? sampleMean(fin) : null,
    quantiles: { p5: qq(0.05), p25: qq(0.25), p50: qq(0.5), p75: qq(0.75), p95: qq(0.95) },
    pAllInfeasible: allInf / R,
    pWithinTolerance: within / R,
  };
  if (keep) s.samples = bests;
  return s;
}

/** Study variance by best-of-N bootstrap as the tools run it (see ./registry.ts). */
export const bootstrapAnalysis = defineAnalysis({
  name: "bootstrap",
  summary: "study variance: the distribution of the best of N trials, exactly and by resampling, per budget N",
  options: bootstrapOptions,
  applies: (s, o) => (mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space" : s.size < 10 ? `only ${s.size} trials (< 10)` : feasibleCount(s, o.by) < 2 ? "fewer than 2 feasible trials" : true),
  run: (s, o) => bestOfNBootstrap(s, o),
});
