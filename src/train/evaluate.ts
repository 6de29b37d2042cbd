/**
 * Losses and evaluation. Evaluation sums per-example losses and correct predictions over batches
 * and divides by the number of examples, so a final partial batch weighs exactly its size (an
 * average of batch means would over-weight it).
 */
import * as tf from "@tensorflow/tfjs";
import type { Net } from "./models.js";

export type Task = "classification" | "regression";

/**
 * Per-example loss: softmax cross-entropy (classification, `y` one-hot) or the mean squared error
 * over outputs (regression).
 *
 * @example
 * perExampleLoss("regression", tf.tensor2d([[1], [3]]), tf.tensor2d([[0], [0]])) // [1, 9]
 */
export function perExampleLoss(task: Task, out: tf.Tensor, y: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() =>
    task === "classification"
      ? (tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(out)), -1)) as tf.Tensor1D)
      : (tf.mean(tf.square(tf.sub(out, y)), -1) as tf.Tensor1D),
  );
}

/** Number of rows whose arg-max matches the one-hot label's. @example correctCount(logits, oneHot) */
export function correctCount(out: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), tf.argMax(y, -1)), "float32")) as tf.Scalar);
}

/**
 * Mean loss (and accuracy for classification) of `net` on (x, y), in batches of `batchSize`.
 * One data read at the end.
 *
 * @example
 * const { loss, accuracy } = evaluate(net, "classification", xVal, yVal, 1000);
 */
export function evaluate(net: Net, task: Task, x: tf.Tensor, y: tf.Tensor, batchSize: number): { loss: number; accuracy: number | null } {
  const n = x.shape[0]!;
  const totals = tf.tidy(() => {
    let lossSum: tf.Tensor = tf.scalar(0);
    let correct: tf.Tensor = tf.scalar(0);
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const xb = tf.slice(x, start, size);
      const yb = tf.slice(y, start, size);
      const out = net.apply(xb, false);
      lossSum = tf.add(lossSum, tf.sum(perExampleLoss(task, out, yb)));
      if (task === "classification") correct = tf.add(correct, correctCount(out, yb));
    }
    return tf.stack([lossSum, correct]);
  });
  const [lossSum, correct] = totals.dataSync();
  totals.dispose();
  return { loss: lossSum! / n, accuracy: task === "classification" ? correct! / n : null };
}
