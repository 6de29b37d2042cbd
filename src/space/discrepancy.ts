/**
 * Centered L2 discrepancy (Hickernell 1998), squared — the same quantity as scipy's
 * `qmc.discrepancy(sample, method="CD")`:
 *
 * CD² = (13/12)^d − (2/n) Σ_i Π_k (1 + ½|x_ik − ½| − ½|x_ik − ½|²)
 *       + (1/n²) Σ_i Σ_j Π_k (1 + ½|x_ik − ½| + ½|x_jk − ½| − ½|x_ik − x_jk|)
 *
 * Lower is more uniform. O(n²·d): meant for tests and diagnostics, not for millions of points.
 */

/**
 * @param points row-major n×d values in [0, 1]
 * @example centeredDiscrepancy(Float64Array.from([0.25, 0.75]), 1) // 0.0208… (= 1/48, as scipy)
 */
export function centeredDiscrepancy(points: ArrayLike<number>, d: number): number {
  const n = points.length / d;
  if (!Number.isInteger(n) || n === 0) throw new RangeError("centeredDiscrepancy: points.length must be a positive multiple of d");
  const c = new Float64Array(points.length);
  for (let k = 0; k < points.length; k++) c[k] = Math.abs(points[k]! - 0.5);
  let s1 = 0;
  for (let i = 0; i < n; i++) {
    let prod = 1;
    for (let k = 0; k < d; k++) {
      const a = c[i * d + k]!;
      prod *= 1 + 0.5 * a - 0.5 * a * a;
    }
    s1 += prod;
  }
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let prod = 1;
      for (let k = 0; k < d; k++) {
        prod *= 1 + 0.5 * c[i * d + k]! + 0.5 * c[j * d + k]! - 0.5 * Math.abs(points[i * d + k]! - points[j * d + k]!);
      }
      s2 += prod;
    }
  }
  return (13 / 12) ** d - (2 / n) * s1 + s2 / (n * n);
}
