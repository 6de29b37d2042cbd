/**
 * Small numeric helpers shared by the training-dynamics analyses (curves, warmup, training
 * steps). Curves are parallel `steps`/`values` arrays sorted by step; non-finite values mark
 * divergence and are skipped by the smoothers.
 */
import type { Direction } from "../study/types.js";
import { linearRegressionSlope } from "../stats/linearRegressionSlope.js";
import { sampleStandardDeviation } from "../stats/sampleStandardDeviation.js";
import { differencesStandardDeviation } from "../stats/differencesStandardDeviation.js";
import { studentTCdf } from "../stats/studentTCdf.js";

/** Step/value arrays of one metric, sorted by step. */
export interface CurveData {
  steps: number[];
  values: number[];
}

/**
 * Centered moving average over `window` points (truncated at the ends), finite values only.
 * Returns the steps and smoothed values of the finite points.
 *
 * @example
 * smooth({ steps: [1, 2, 3], values: [1, 4, 1] }, 3).values; // [2.5, 2, 2.5]
 */
export function smooth(curve: CurveData, window: number): CurveData {
  const n = curve.steps.length;
  const values = curve.values;
  let allFinite = values.length === n;
  for (let i = 0; i < n && allFinite; i++) if (!Number.isFinite(values[i]!)) allFinite = false;
  let steps: number[];
  let vals: number[];
  if (allFinite) {
    // Hot (every curve of a review): slice() copies packed arrays much faster than push loops.
    steps = curve.steps.slice();
    vals = values;
  } else {
    steps = [];
    vals = [];
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        steps.push(curve.steps[i]!);
        vals.push(v);
      }
    }
  }
  return { steps, values: movingAverage(vals, window) };
}

/**
 * The centered moving average of {@link smooth} over values that are all finite (no filtering,
 * no step copy): the hot path of the curve checks.
 *
 * @example
 * movingAverage([1, 4, 1], 3); // [2.5, 2, 2.5]
 */
export function movingAverage(vals: readonly number[], window: number): number[] {
  const half = Math.max(0, Math.floor(Math.max(1, window) / 2));
  const m = vals.length;
  // Same summation order as a per-point sum, written into a copy (keeps the array's fast element kind).
  const out = vals.slice();
  for (let i = 0; i < m; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(m - 1, i + half);
    let s = 0;
    for (let j = lo; j <= hi; j++) s += vals[j]!;
    out[i] = s / (hi - lo + 1);
  }
  return out;
}

/**
 * Values turned "lower is better": negated when the direction is maximize.
 *
 * @example
 * lowerIsBetter([0.1, 0.9], "maximize"); // [-0.1, -0.9]
 */
export function lowerIsBetter(values: number[], direction: Direction): number[] {
  return direction === "minimize" ? values : values.map((v) => -v);
}

/**
 * Index of the minimum finite value (first one on ties), or -1.
 *
 * @example
 * argminFinite([3, NaN, 1, 1]); // 2
 */
export function argminFinite(values: number[]): number {
  let k = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v) && (k < 0 || v < values[k]!)) k = i;
  }
  return k;
}

/**
 * Index of the first point whose step is ≥ `fromStep` (or the length).
 *
 * @example
 * firstIndexAtOrAfter([0, 10, 20], 15); // 2
 */
export function firstIndexAtOrAfter(steps: number[], fromStep: number): number {
  let i = 0;
  while (i < steps.length && steps[i]! < fromStep) i++;
  return i;
}

/**
 * Least-squares slope of y on x (0 with fewer than two distinct x).
 *
 * @example
 * slope([0, 1, 2], [1, 3, 5]); // 2
 */
export function slope(x: number[], y: number[]): number {
  return linearRegressionSlope(x, y);
}

/**
 * Sample standard deviation (0 for fewer than two values).
 *
 * @example
 * stdev([1, 3]); // 1.4142…
 */
export function stdev(xs: number[]): number {
  return xs.length < 2 ? 0 : sampleStandardDeviation(xs);
}

/**
 * Round for evidence: keep 6 significant digits so findings stay readable.
 *
 * @example
 * r6(0.123456789); // 0.123457
 */
export function r6(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}

/** {@link endGain}: how much better the end window is than the window before it. */
export interface EndGain {
  /** mean(before) − mean(end), lower-is-better values: positive when the end is better. */
  gain: number;
  /** Per-point noise: stdev of the successive differences over both windows / √2. */
  noise: number;
  /** One-sided p-value of "the end is better" against that noise (NaN with fewer than 2 points in a window). */
  pValue: number;
}

/**
 * Is a curve still improving at its end? Compares the mean of the end window
 * `values[endFrom..to)` with the mean of the window just before it `values[beforeFrom..endFrom)`
 * (lower is better), against the noise measured on the curve itself: successive differences
 * remove a locally linear trend, so their stdev / √2 is the per-point noise σ, and the gain's
 * standard error is σ·√(1/n₁ + 1/n₂), referred to Student's t with n₁ + n₂ − 2 degrees of freedom.
 * Comparing with the window before, not fitting a line inside the end window alone: a line over
 * the last few points cannot tell a recovery from a dip (or one lucky last evaluation) from
 * improvement past what was already reached. A one-off glitch (an evaluation far off the curve)
 * raises σ as much as the gain, so it does not read as progress.
 *
 * @example
 * endGain([5, 4, 3, 2.6, 2.2, 2, 1.6, 1.2], 2, 5, 8).gain; // ≈ 1 (mean 2.6 before, 1.6 at the end)
 */
export function endGain(values: ArrayLike<number>, beforeFrom: number, endFrom: number, to: number): EndGain {
  const nB = endFrom - beforeFrom;
  const nE = to - endFrom;
  let sB = 0;
  let sE = 0;
  for (let i = beforeFrom; i < endFrom; i++) sB += values[i]!;
  for (let i = endFrom; i < to; i++) sE += values[i]!;
  const gain = nB > 0 && nE > 0 ? sB / nB - sE / nE : NaN;
  if (nB < 2 || nE < 2) return { gain, noise: NaN, pValue: NaN };
  const noise = differencesStandardDeviation(values, beforeFrom, to) / Math.SQRT2;
  if (!(noise > 0)) return { gain, noise: 0, pValue: gain > 0 ? 0 : 1 };
  const se = noise * Math.sqrt(1 / nB + 1 / nE);
  return { gain, noise, pValue: 1 - studentTCdf(gain / se, nB + nE - 2) };
}
