import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { conv2dSame, dense, selectBackend, buildModel } from "../../src/train/index.js";

beforeAll(async () => {
  await selectBackend("wasm");
});

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void {
  const x = a.dataSync(), y = b.dataSync();
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / (1 + Math.abs(y[i]!)));
  expect(worst).toBeLessThan(tol);
}

describe("layers with wasm-friendly gradients", () => {
  it("dense: same values and gradients (x, W, b) as tf's matMul + add", () => {
    const x = tf.randomNormal([5, 7], 0, 1, "float32", 1);
    const w = tf.randomNormal([7, 3], 0, 1, "float32", 2);
    const b = tf.randomNormal([3], 0, 1, "float32", 3);
    const f1 = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(dense(x, w, b))) as tf.Scalar;
    const f2 = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar;
    close(dense(x, w, b), tf.add(tf.matMul(x, w), b));
    const g1 = tf.grads(f1)([x, w, b]);
    const g2 = tf.grads(f2)([x, w, b]);
    g1.forEach((g, i) => close(g, g2[i]!));
  });

  it("conv2dSame equals tf.conv2d(…, 'same') + bias, for odd and even kernels, and its weight gradient is right", () => {
    for (const k of [3, 2]) {
      const x = tf.randomNormal([2, 6, 5, 3], 0, 1, "float32", 4);
      const w = tf.randomNormal([k * k * 3, 4], 0, 1, "float32", 5);
      const b = tf.randomNormal([4], 0, 1, "float32", 6);
      const ref = tf.add(tf.conv2d(x as tf.Tensor4D, tf.reshape(w, [k, k, 3, 4]) as tf.Tensor4D, 1, "same"), b);
      close(conv2dSame(x as tf.Tensor4D, w, b, k), ref);
    }
    // gradient wrt the kernel against a finite difference of the loss
    const x = tf.randomNormal([1, 4, 4, 2], 0, 1, "float32", 7);
    const w = tf.randomNormal([18, 2], 0, 1, "float32", 8);
    const b = tf.zeros([2]);
    const loss = (w: tf.Tensor) => tf.sum(tf.square(conv2dSame(x as tf.Tensor4D, w, b, 3))) as tf.Scalar;
    const g = tf.grad(loss)(w).dataSync();
    const wv = w.dataSync();
    for (const i of [0, 7, 20, 35]) {
      const e = 1e-2;
      const up = Float32Array.from(wv); up[i]! += e;
      const dn = Float32Array.from(wv); dn[i]! -= e;
      const fd = (loss(tf.tensor2d(up, [18, 2])).dataSync()[0]! - loss(tf.tensor2d(dn, [18, 2])).dataSync()[0]!) / (2 * e);
      expect(g[i]!).toBeCloseTo(fd, 1);
    }
  });

  it("the same seed gives the same initial weights", () => {
    const a = buildModel({ name: "mlp", hidden: [8] }, [4], 2, 3);
    const b = buildModel({ name: "mlp", hidden: [8] }, [4], 2, 3);
    const c = buildModel({ name: "mlp", hidden: [8] }, [4], 2, 4);
    expect(Array.from(a.variables[0]!.dataSync())).toEqual(Array.from(b.variables[0]!.dataSync()));
    expect(Array.from(a.variables[0]!.dataSync())).not.toEqual(Array.from(c.variables[0]!.dataSync()));
    [a, b, c].forEach((n) => n.dispose());
  });
});
