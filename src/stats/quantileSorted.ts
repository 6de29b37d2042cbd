import { quantileSorted as ssQuantileSorted } from "simple-statistics";

/**
 * Quantile `p` (0–1) of an ascending-sorted sample, by linear interpolation between order
 * statistics (type 7, numpy's and R's default): simple-statistics' `quantileSorted`, except that
 * an empty sample gives NaN instead of throwing (an analysis reports "no data", it does not crash).
 * Typed arrays are accepted: the library only reads `length` and indices.
 *
 * @example
 * quantileSorted([1, 2, 3, 4], 0.5); // 2.5
 * quantileSorted([], 0.5);           // NaN
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return ssQuantileSorted(sorted as unknown as number[], p);
}
