import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import {
  buildModel, clipByGlobalNorm, defaultTrainConfig, evaluateNet, globalNorm, loadDataset, selectBackend, toTensors, trainTrial,
  type TrainConfig,
} from "../../src/train/index.js";

beforeAll(async () => {
  await selectBackend("wasm");
});

describe("gradient clipping by global norm", () => {
  it("caps the global norm at the threshold, keeps the direction and reports the unclipped norm", () => {
    const g = [tf.tensor1d([3, 0, -4]), tf.tensor2d([[12, 0]])]; // global norm 13
    const { grads, norm } = clipByGlobalNorm(g, 2.6);
    expect(norm.dataSync()[0]).toBeCloseTo(13, 4);
    expect(globalNorm(grads).dataSync()[0]).toBeCloseTo(2.6, 5);
    expect(Array.from(grads[0]!.dataSync())).toEqual([0.6, 0, -0.8].map((x) => expect.closeTo(x, 5)));
    expect(Array.from(grads[1]!.dataSync())).toEqual([2.4, 0].map((x) => expect.closeTo(x, 5)));
    // below the threshold nothing changes
    const { grads: same, norm: n2 } = clipByGlobalNorm(g, 100);
    expect(n2.dataSync()[0]).toBeCloseTo(13, 4);
    expect(Array.from(same[0]!.dataSync())).toEqual([3, 0, -4]);
  });

  it("a clipped trial logs the pre-clip norm (same as the unclipped trial at step 1) and clips updates", async () => {
    const cfg: TrainConfig = {
      ...defaultTrainConfig(),
      data: { name: "synthetic-regression", n: 256, seed: 3 },
      model: { name: "mlp", hidden: [16] },
      optimizer: { name: "sgd", learning_rate: 0.05 },
      batch_size: 32, steps: 5, eval_every: 5, backend: "wasm", seed: 7,
    };
    const run = async (clip: number | null) => {
      const norms: number[] = [];
      const losses: number[] = [];
      await trainTrial({ ...cfg, clip_norm: clip }, {
        onMeasurement: (_s, m, v) => { if (m === "grad_norm") norms.push(v); if (m === "train/loss") losses.push(v); },
      });
      return { norms, losses };
    };
    const free = await run(null);
    const clipped = await run(1e-3);
    expect(free.norms.length).toBe(5);
    expect(clipped.norms.length).toBe(5);
    // step 1: same weights, same batch -> same unclipped gradient norm, far above the threshold
    expect(clipped.norms[0]).toBeCloseTo(free.norms[0]!, 4);
    expect(clipped.norms[0]).toBeGreaterThan(0.1);
    // with updates of length 0.05 * 1e-3 the loss barely moves; unclipped SGD moves it clearly
    expect(Math.abs(clipped.losses[1]! - clipped.losses[0]!)).toBeLessThan(Math.abs(free.losses[1]! - free.losses[0]!));
    expect(clipped.norms[1]).not.toBeCloseTo(free.norms[1]!, 4);
  });
});

describe("evaluation weights a final partial batch correctly", () => {
  it("partial-batch evaluation equals the full-dataset average (loss and accuracy)", () => {
    const ds = loadDataset({ name: "synthetic-classification", n: 64, n_validation: 1003, features: 8, classes: 4, noise: 2.5, seed: 5 });
    const t = toTensors(ds);
    const net = buildModel({ name: "mlp", hidden: [16] }, ds.inputShape, ds.outputs, 1);
    // the reference: per-example cross-entropy from the logits of the whole set, averaged in JS
    const logits = tf.tidy(() => net.apply(t.xValidation, false));
    const l = logits.dataSync();
    let lossSum = 0, correct = 0;
    for (let i = 0; i < ds.nValidation; i++) {
      const row = Array.from(l.subarray(i * 4, i * 4 + 4));
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((a, b) => a + Math.exp(b - mx), 0));
      const y = ds.yValidation[i]!;
      lossSum += lse - row[y]!;
      if (row.indexOf(mx) === y) correct++;
    }
    logits.dispose();
    const full = evaluateNet(net, "classification", t.xValidation, t.yValidation, 5000);
    const partial = evaluateNet(net, "classification", t.xValidation, t.yValidation, 250); // 4 × 250 + 3
    expect(partial.loss).toBeCloseTo(lossSum / ds.nValidation, 4);
    expect(full.loss).toBeCloseTo(lossSum / ds.nValidation, 4);
    expect(partial.accuracy).toBeCloseTo(correct / ds.nValidation, 10);
    expect(partial.accuracy).toBeGreaterThan(0.1);
    // a plain mean of batch means would differ (the 3-example batch would count like 250)
    const perBatch: number[] = [];
    for (let s = 0; s < ds.nValidation; s += 250) {
      const n = Math.min(250, ds.nValidation - s);
      perBatch.push(evaluateNet(net, "classification", t.xValidation.slice(s, n), t.yValidation.slice(s, n), 250).loss);
    }
    const naive = perBatch.reduce((a, b) => a + b, 0) / perBatch.length;
    expect(Math.abs(naive - lossSum / ds.nValidation)).toBeGreaterThan(1e-4);
    net.dispose();
    t.dispose();
  });
});
