import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";

/**
 * Upper tail of the χ² distribution, P(X ≥ x) with `df` degrees of freedom: the p-value of a
 * χ²-distributed statistic. simple-statistics has only a table-based goodness-of-fit test; stdlib's
 * `@stdlib/stats-base-dists-chisquare-cdf` is maintained and exact to double precision (checked
 * against scipy in tests/stats/chiSquareSurvival.test.ts). NaN for NaN input or df ≤ 0.
 *
 * @example
 * chiSquareSurvival(9.488, 4); // ≈ 0.05
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  return 1 - chisquareCdf(x, df);
}
