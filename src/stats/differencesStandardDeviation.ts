/**
 * Sample standard deviation of the successive differences `v[i] − v[i−1]` for `from` < i < `to`
 * (default: the whole array); NaN for fewer than two differences. Differencing removes a locally
 * linear trend, so for a curve this measures step-to-step noise (divide by √2 for per-point noise).
 * Computed in place (no array of differences) because the curve diagnostics run it on the tail of
 * every curve; tests/stats/differencesStandardDeviation.test.ts checks it against
 * simple-statistics' `sampleStandardDeviation` of the differences.
 *
 * @example
 * differencesStandardDeviation([0, 1, 3, 6]); // 1 (differences 1, 2, 3)
 */
export function differencesStandardDeviation(values: ArrayLike<number>, from = 0, to = values.length): number {
  const nd = to - from - 1;
  if (nd < 2) return NaN;
  let sum = 0;
  for (let i = from + 1; i < to; i++) sum += values[i]! - values[i - 1]!;
  const mean = sum / nd;
  let ss = 0;
  for (let i = from + 1; i < to; i++) ss += (values[i]! - values[i - 1]! - mean) ** 2;
  return Math.sqrt(ss / (nd - 1));
}
