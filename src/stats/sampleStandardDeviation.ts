import { sampleStandardDeviation as ssSampleStandardDeviation } from "simple-statistics";

/**
 * Sample standard deviation (n − 1 in the denominator): simple-statistics'
 * `sampleStandardDeviation`, except that fewer than two values give NaN instead of throwing.
 *
 * @example
 * sampleStandardDeviation([1, 3]); // 1.4142135623730951
 * sampleStandardDeviation([5]);    // NaN
 */
export function sampleStandardDeviation(values: readonly number[]): number {
  return values.length < 2 ? NaN : ssSampleStandardDeviation(values as number[]);
}
