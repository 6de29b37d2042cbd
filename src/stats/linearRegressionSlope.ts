/**
 * Least-squares slope of y on x over the points `from` ≤ i < `to` (default: all), 0 when x does
 * not vary there. This is simple-statistics' `linearRegression(pairs).m` computed in place: the
 * curve diagnostics fit the tail of every curve of a study, and building `[x, y]` pairs for each
 * would copy every curve. tests/stats/linearRegressionSlope.test.ts checks it against the library.
 *
 * @example
 * linearRegressionSlope([0, 1, 2], [1, 3, 5]);         // 2
 * linearRegressionSlope([0, 1, 2, 3], [9, 0, 1, 2], 1); // 1
 */
export function linearRegressionSlope(x: ArrayLike<number>, y: ArrayLike<number>, from = 0, to = Math.min(x.length, y.length)): number {
  const n = to - from;
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (let i = from; i < to; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = from; i < to; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}
