/**
 * Gradient clipping by global norm (playbook FAQ "Gradient clipping"): if ‖g‖ > λ then g' = λ g/‖g‖.
 * The unclipped norm is returned so it can be logged every step (the clipping analysis picks λ
 * from its 90th percentile).
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Global L2 norm of a list of tensors, √(Σ‖gᵢ‖²), as a scalar tensor.
 *
 * @example
 * globalNorm([tf.tensor1d([3]), tf.tensor1d([4])]).dataSync()[0] // 5
 */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * Clip `grads` to global norm `clipNorm` (null/undefined: no clipping). Returns the (possibly
 * scaled) gradients and the pre-clip norm; no data is read back, so it costs no sync.
 *
 * @example
 * const { grads, norm } = clipByGlobalNorm([tf.tensor1d([3, 4])], 1); // grads ≈ [[0.6, 0.8]], norm = 5
 */
export function clipByGlobalNorm(grads: tf.Tensor[], clipNorm?: number | null): { grads: tf.Tensor[]; norm: tf.Scalar } {
  const norm = globalNorm(grads);
  if (clipNorm === null || clipNorm === undefined) return { grads, norm };
  // scale = min(1, λ/‖g‖); the max() guards ‖g‖ = 0 (then scale = 1, nothing to clip)
  const scale = tf.tidy(() => tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-30))));
  const clipped = grads.map((g) => tf.mul(g, scale));
  scale.dispose();
  return { grads: clipped, norm };
}
