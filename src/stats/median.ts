import { quantileSorted } from "./quantileSorted.js";

/**
 * Median of a sample in any order (the input is not modified); NaN for an empty sample.
 * Sorts a copy once, then reads it as simple-statistics' `medianSorted` does (type-7 midpoint).
 *
 * @example
 * median([3, 1, 2]);    // 2
 * median([4, 1, 3, 2]); // 2.5
 */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  return quantileSorted(sorted, 0.5);
}
