/**
 * Small shared pieces of the study analyses: which objective value a trial contributes,
 * the scale a hyperparameter is read in, a seeded PRNG and quantiles. Kept here so every
 * analysis reads trials the same way.
 */
import type { Study } from "../study/study.js";
import { findParam, paramScale } from "../space/spec.js";
import type { Direction, HpValue, TrialRow } from "../study/types.js";
import { isInfeasible } from "../study/types.js";
import { mean } from "../stats/mean.js";
import { sampleStandardDeviation } from "../stats/sampleStandardDeviation.js";
import { formatNumber } from "../util/format.js";

/** Which per-trial objective an analysis uses: the best value over training (playbook default) or the final one. */
export type ObjectiveBy = "best" | "final";

/** Scale a hyperparameter is read in (axis scale, bucket edges, boundary bands). */
export type Scale = "linear" | "log" | "categorical";

/**
 * The objective value of a trial, or null when it has none (infeasible trials keep their value
 * if the log has one, but analyses check feasibility separately with {@link isFeasibleRow}).
 *
 * @example
 * objectiveOf({ best: 0.2, final: 0.3 } as TrialRow, "final"); // 0.3
 */
export function objectiveOf(row: TrialRow, by: ObjectiveBy = "best"): number | null {
  const v = row[by];
  return v === null || v === undefined ? null : v;
}

/**
 * A trial counts as feasible when its status is not diverged/failed/oom and its objective is finite.
 *
 * @example
 * isFeasibleRow({ status: "complete", best: 0.1 } as TrialRow); // true
 */
export function isFeasibleRow(row: TrialRow, by: ObjectiveBy = "best"): boolean {
  const v = objectiveOf(row, by);
  return !isInfeasible(row.status) && v !== null && Number.isFinite(v);
}

/**
 * Scale of one hyperparameter: the declared space's scale when there is one, else inferred from
 * the name and the values (see {@link scaleOfValues}).
 *
 * @example
 * hparamScale(study, "learning_rate"); // "log"
 */
export function hparamScale(study: Study, name: string): Scale {
  const p = findParam(study.space, name);
  if (p && p.type !== "fixed") return paramScale(p);
  return scaleOfValues(study.trialRows().map((r) => r.hparams[name] ?? null), name);
}

/**
 * Names whose values are log-scaled by convention (learning rates, weight decay, epsilon, batch
 * sizes, 1 − β): a sweep of them is read in log scale even when it spans less than two decades.
 */
const LOG_BY_NAME = /(learning_rate|(^|[_.])lr($|[_.])|weight_decay|(^|[_.])l2($|[_.])|epsilon|(^|[_.])eps($|[_.])|batch_size|one_minus_)/i;

/**
 * Scale from the values alone (and the name, when given): `categorical` for non-numeric values;
 * for positive values, `log` when the name is log-scaled by convention, when the distinct values
 * are evenly spaced in ratio (a geometric grid: consecutive ratios within 25 % of each other) or
 * when they span at least two decades; `linear` otherwise (and for evenly spaced differences).
 *
 * @example
 * scaleOfValues([1e-4, 1e-3, 1e-1]); // "log"
 * scaleOfValues([0.01, 0.014, 0.02, 0.028, 0.04]); // "log" (a geometric grid of 0.6 decades)
 * scaleOfValues([0.1, 0.2, 0.3], "learning_rate"); // "log"
 */
export function scaleOfValues(values: readonly HpValue[], name?: string): Scale {
  const nums: number[] = [];
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v !== "number") return "categorical";
    if (Number.isFinite(v)) nums.push(v);
  }
  if (nums.length === 0) return "categorical";
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of nums) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(lo > 0)) return "linear";
  if (name !== undefined && LOG_BY_NAME.test(name)) return "log";
  const d = [...new Set(nums)].sort((a, b) => a - b);
  if (d.length >= 3 && d.length <= 50) {
    const ratios: number[] = [];
    const diffs: number[] = [];
    for (let i = 1; i < d.length; i++) {
      ratios.push(d[i]! / d[i - 1]!);
      diffs.push(d[i]! - d[i - 1]!);
    }
    const even = (xs: number[]) => Math.max(...xs) <= 1.25 * Math.min(...xs);
    // Evenly spaced differences read linear even when they also look geometric (never both for ≥ 3 values).
    if (even(diffs)) return "linear";
    if (even(ratios) && ratios[0]! >= 1.2) return "log";
  }
  return hi / lo >= 100 ? "log" : "linear";
}

/**
 * Map a number into its scale's coordinate (log10 for log scale).
 *
 * @example
 * toScale(1e-3, "log"); // -3
 */
export function toScale(x: number, scale: Scale): number {
  return scale === "log" ? Math.log10(x) : x;
}

/**
 * Inverse of {@link toScale}.
 *
 * @example
 * fromScale(-3, "log"); // 0.001
 */
export function fromScale(u: number, scale: Scale): number {
  return scale === "log" ? 10 ** u : u;
}

/**
 * Numeric range of a hyperparameter: the declared space's bounds when present, else the observed
 * min/max over trials that use it. Null for categorical hyperparameters or no values.
 *
 * @example
 * hparamRange(study, "learning_rate"); // { low: 1e-4, high: 0.1, source: "space" }
 */
export function hparamRange(study: Study, name: string): { low: number; high: number; source: "space" | "observed" } | null {
  const p = findParam(study.space, name);
  if (p && (p.type === "float" || p.type === "int")) return { low: p.low, high: p.high, source: "space" };
  if (p && p.type === "discrete" && p.values.length > 0) return { low: Math.min(...p.values), high: Math.max(...p.values), source: "space" };
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of study.trialRows()) {
    const v = r.hparams[name];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      if (v !== null && v !== undefined && typeof v !== "number") return null;
      continue;
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? { low: lo, high: hi, source: "observed" } : null;
}

/** Label used for a hyperparameter value in groupings (null = not used by the trial). */
export function valueLabel(v: HpValue | undefined): string {
  return v === null || v === undefined ? "(unset)" : String(v);
}

/**
 * Mulberry32: a tiny, fast, seeded PRNG returning floats in [0, 1). Same seed, same sequence,
 * on every machine — resampling results are reproducible.
 *
 * @example
 * const rnd = mulberry32(42); rnd(); // 0.6011037519201636
 */
export { mulberry32 } from "../util/random.js";

/** Type-7 quantile of a sorted sample (NaN when empty): the one in stats/, kept importable from here. */
export { quantileSorted } from "../stats/quantileSorted.js";

/** Five quantiles for a box plot. */
export interface BoxQuantiles {
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

/** Better-first comparator for `direction` (NaN last). */
export function betterFirst(direction: Direction): (a: number, b: number) => number {
  return (a, b) => {
    const fa = Number.isFinite(a);
    const fb = Number.isFinite(b);
    if (!fa || !fb) return fa === fb ? 0 : fa ? -1 : 1;
    return direction === "minimize" ? a - b : b - a;
  };
}

/** Mean and sample standard deviation (n − 1); std is NaN for fewer than 2 values. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  return { mean: mean(xs), std: sampleStandardDeviation(xs) };
}

/** Round for messages: the one number formatter (util/format), "n/a" when missing. */
export function fmt(x: number | null | undefined): string {
  return formatNumber(x, { missing: "n/a" });
}

/**
 * A trial's value for `name`: its hyperparameter, else a primitive attribute of the same name
 * (so a log's `submission` or `optimizer` column can be a scientific hyperparameter too).
 *
 * @example
 * trialValue(row, "submission"); // "prize_qualification_baseline"
 */
export function trialValue(row: TrialRow, name: string): HpValue {
  const v = row.hparams[name];
  if (v !== undefined && v !== null) return v;
  const a = row.attrs[name];
  if (typeof a === "string" || typeof a === "number" || typeof a === "boolean") return a;
  return null;
}
