import { mean } from "./mean.js";
import { sampleStandardDeviation } from "./sampleStandardDeviation.js";
import { studentTCdf } from "./studentTCdf.js";

/** Welch's two-sample t-test, one-sided: is the mean of `b` greater than the mean of `a`? */
export interface WelchTTest {
  /** (mean b − mean a) / standard error; ±Infinity when both samples are constant and differ. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom (n_a + n_b − 2 when both samples are constant). */
  df: number;
  /** One-sided p-value P(T ≥ t); NaN with fewer than two values in either sample. */
  pValue: number;
}

/**
 * Welch's unequal-variance t-test that `b`'s mean exceeds `a`'s, one-sided. simple-statistics
 * only has the equal-variance statistic (`tTestTwoSample`) and no p-values; the t CDF is
 * {@link studentTCdf}. Matches scipy's `ttest_ind(b, a, equal_var=False, alternative="greater")`
 * (tests/stats/welchTTest.test.ts).
 *
 * @example
 * welchTTest([0.71, 0.72, 0.70], [0.75, 0.76, 0.74]).pValue; // ≈ 0.0006
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchTTest {
  const nA = a.length;
  const nB = b.length;
  if (nA < 2 || nB < 2) return { t: NaN, df: NaN, pValue: NaN };
  const diff = mean(b) - mean(a);
  const va = sampleStandardDeviation(a) ** 2 / nA;
  const vb = sampleStandardDeviation(b) ** 2 / nB;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    // Both samples constant: the sign of the difference decides, with certainty.
    return { t: diff > 0 ? Infinity : diff < 0 ? -Infinity : 0, df: nA + nB - 2, pValue: diff > 0 ? 0 : diff < 0 ? 1 : 0.5 };
  }
  const t = diff / se;
  const df = (va + vb) ** 2 / (va ** 2 / (nA - 1) + vb ** 2 / (nB - 1));
  return { t, df, pValue: 1 - studentTCdf(t, df) };
}
