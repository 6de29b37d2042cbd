import { mean as ssMean } from "simple-statistics";

/**
 * Arithmetic mean (simple-statistics' `mean`, Kahan-compensated sum); NaN for an empty sample.
 *
 * @example
 * mean([1, 2, 6]); // 3
 */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : ssMean(values as number[]);
}
