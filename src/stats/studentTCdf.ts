import tCdf from "@stdlib/stats-base-dists-t-cdf";

/**
 * CDF of Student's t distribution, P(T ≤ t), with `df` degrees of freedom (fractional df
 * allowed, as Welch's test needs). simple-statistics has no t distribution; stdlib's
 * `@stdlib/stats-base-dists-t-cdf` is maintained and accurate to double precision (checked
 * against scipy in tests/stats/studentTCdf.test.ts). NaN for NaN input or df ≤ 0.
 *
 * @example
 * studentTCdf(2.0, 10); // 0.9633059826146297
 */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  return tCdf(t, df);
}
