import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  METRICS, Trainer, defaultTrainConfig, isOutOfMemory, loadCheckpoint, selectBackend, throughputScan, trainTrial,
  type TrainConfig,
} from "../../src/train/index.js";
import { TunebookError } from "../../src/study/types.js";

const synth: TrainConfig = {
  ...defaultTrainConfig(),
  data: { name: "synthetic-classification", n: 400, n_validation: 200, features: 10, classes: 3, noise: 1.5, seed: 2 },
  model: { name: "mlp", hidden: [16] },
  optimizer: { name: "adam", learning_rate: 0.01 },
  schedule: { name: "cosine", warmup_steps: 5 },
  batch_size: 32, steps: 40, eval_every: 10, seed: 11, backend: "wasm",
};

type Row = [number, string, number];
async function collect(cfg: TrainConfig) {
  const rows: Row[] = [];
  const result = await trainTrial(cfg, { onMeasurement: (s, m, v) => rows.push([s, m, v]) });
  return { rows, result, curve: (m: string) => rows.filter((r) => r[1] === m).map((r) => r[2]) };
}

beforeAll(async () => {
  await selectBackend("wasm");
});

describe("trainTrial", () => {
  it("trains, logs every named metric, evaluates every K steps and reports the backend", async () => {
    const { rows, result, curve } = await collect(synth);
    expect(result.status).toBe("complete");
    expect(result.backend).toBe("wasm");
    expect(result.steps).toBe(40);
    expect(result.measurements).toBe(rows.length);
    for (const m of Object.values(METRICS)) expect(rows.some((r) => r[1] === m)).toBe(true);
    expect(rows.filter((r) => r[1] === "validation/loss").map((r) => r[0])).toEqual([10, 20, 30, 40]);
    expect(curve("train/loss").length).toBe(40);
    // the applied learning rate is the schedule's: warmup 0.002, 0.004, … then cosine from 0.01
    expect(curve("lr")[0]).toBeCloseTo(0.002, 9);
    expect(curve("lr")[4]).toBeCloseTo(0.01, 9);
    expect(curve("lr")[39]).toBeLessThan(0.001);
    // it learned: validation loss fell well below the chance level ln 3
    const v = curve("validation/loss");
    expect(v[3]!).toBeLessThan(Math.log(3) * 0.6);
    expect(result.final["validation/accuracy"]).toBeGreaterThan(0.7);
    expect(result.bestStep).toBe([10, 20, 30, 40][v.indexOf(Math.min(...v))]);
    expect(curve("examples_per_sec").every((x) => x > 0)).toBe(true);
  });

  it("is deterministic: same seed, same curve; another seed, another curve", async () => {
    const a = await collect(synth);
    const b = await collect(synth);
    const c = await collect({ ...synth, seed: 12 });
    expect(b.curve("train/loss")).toEqual(a.curve("train/loss"));
    expect(b.curve("validation/loss")).toEqual(a.curve("validation/loss"));
    expect(c.curve("train/loss")).not.toEqual(a.curve("train/loss"));
  });

  it("reports a far too high learning rate as diverged, with the step, and stops early", async () => {
    const { result, curve } = await collect({ ...synth, optimizer: { name: "sgd", learning_rate: 1e4 }, schedule: { name: "constant" }, steps: 40 });
    expect(result.status).toBe("diverged");
    expect(result.divergedStep).toBeGreaterThanOrEqual(2);
    expect(result.divergedStep).toBeLessThan(40);
    expect(result.steps).toBe(result.divergedStep);
    const losses = curve("train/loss");
    const last = losses[losses.length - 1]!;
    expect(!Number.isFinite(last) || last > 10 * losses[0]!).toBe(true);
  });

  it("keeps the N best checkpoints plus the last and restores the best step's weights", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tunebook-ckpt-"));
    const vals: Array<[number, number]> = [];
    const cfg: TrainConfig = { ...synth, optimizer: { name: "sgd", learning_rate: 2 }, schedule: { name: "constant" }, steps: 60, eval_every: 5, checkpoints: { keep: 2, dir }, divergence: { loss_factor: 1e9 } };
    const t = await Trainer.create(cfg, { onMeasurement: (s, m, v) => { if (m === "validation/loss") vals.push([s, v]); } });
    const result = await t.run();
    expect(result.status).toBe("complete");
    const sorted = [...vals].filter(([, v]) => Number.isFinite(v)).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const bestTwo = sorted.slice(0, 2).map(([s]) => s);
    const kept = result.checkpoints;
    expect(kept.filter((c) => c.kind === "best").map((c) => c.step)).toEqual(bestTwo);
    expect(result.bestStep).toBe(bestTwo[0]);
    if (!bestTwo.includes(60)) expect(kept.find((c) => c.kind === "last")?.step).toBe(60);
    // restoring the best step reproduces its validation loss
    t.restore(result.bestStep!);
    expect(t.evaluate().loss).toBeCloseTo(sorted[0]![1], 5);
    // on disk too, and only kept checkpoints remain there
    const ck = loadCheckpoint(kept[0]!.path!);
    expect(ck.step).toBe(bestTwo[0]);
    expect(Array.from(ck.weights[0]!.dataSync())).toEqual(Array.from(t.net.variables[0]!.dataSync()));
    expect(existsSync(path.join(dir, "step_5")) === kept.some((c) => c.step === 5)).toBe(true);
    expect(() => t.restore(7)).toThrow(TunebookError);
    ck.weights.forEach((w) => w.dispose());
    t.dispose();
  });

  it("stops when the abort signal fires", async () => {
    const ac = new AbortController();
    let n = 0;
    const result = await trainTrial({ ...synth, steps: 5000 }, {
      signal: ac.signal,
      onMeasurement: (_s, m) => { if (m === "train/loss" && ++n === 20) ac.abort(); },
    });
    expect(result.status).toBe("failed");
    expect(result.error).toBe("aborted");
    expect(result.steps).toBe(20);
  });

  it("trains a user's own LayersModel and a function model", async () => {
    // Seeded initialisers: tfjs layers otherwise draw their initial weights from Math.random.
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, inputShape: [10], activation: "relu", kernelInitializer: init(1) }),
        tf.layers.dense({ units: 3, kernelInitializer: init(2) }),
      ],
    });
    const a = await collect({ ...synth, steps: 30 });
    const { result } = await (async () => {
      const rows: Row[] = [];
      const result = await trainTrial({ ...synth, steps: 30 }, { model, onMeasurement: (s, m, v) => rows.push([s, m, v]) });
      return { result };
    })();
    expect(result.status).toBe("complete");
    expect(result.final["validation/loss"]).toBeLessThan(Math.log(3) * 0.8);
    expect(a.result.status).toBe("complete");
    const fn = {
      init: (seed: number) => [tf.variable(tf.randomNormal([10, 3], 0, 0.1, "float32", seed)), tf.variable(tf.zeros([3]))],
      apply: (v: tf.Variable[], x: tf.Tensor) => tf.add(tf.matMul(x, v[0]!), v[1]!),
    };
    const r2 = await trainTrial({ ...synth, steps: 30 }, { model: fn, onMeasurement: () => {} });
    expect(r2.status).toBe("complete");
    expect(r2.final["validation/loss"]).toBeLessThan(Math.log(3) * 0.8);
  });

  it("does not leak tensors across trials", async () => {
    await collect({ ...synth, steps: 5 });
    const before = tf.memory().numTensors;
    await collect({ ...synth, steps: 5 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects a bad config with the field named", async () => {
    await expect(trainTrial({ ...synth, batch_size: 0 }, { onMeasurement: () => {} })).rejects.toThrow(/batch_size/);
  });
});

describe("throughputScan and out-of-memory", () => {
  it("measures examples/s per batch size and marks an impossible batch size as oom", async () => {
    // hidden 8192: batch 2^17 needs a 4.3 GB activation, beyond the 4 GiB wasm heap
    const cfg: TrainConfig = { ...synth, model: { name: "mlp", hidden: [8192] }, data: { name: "synthetic-classification", n: 300, features: 10, classes: 3 } };
    const pts = await throughputScan(cfg, [16, 64, 2 ** 17], { steps: 3, warmup: 1 });
    expect(pts.map((p) => p.batch_size)).toEqual([16, 64, 2 ** 17]);
    expect(pts[0]!.status).toBe("ok");
    expect(pts[1]!.examples_per_sec!).toBeGreaterThan(0);
    expect(pts[1]!.ms_per_step! * pts[1]!.examples_per_sec!).toBeCloseTo(64 * 1000, 3);
    expect(pts[2]!.status).toBe("oom");
    expect(pts[2]!.examples_per_sec).toBeNull();
  });

  it("classifies allocation failures as out-of-memory", () => {
    expect(isOutOfMemory(new RangeError("Array buffer allocation failed"))).toBe(true);
    expect(isOutOfMemory(new Error("Cannot enlarge memory arrays to size 1"))).toBe(true);
    expect(isOutOfMemory(new Error("shape mismatch"))).toBe(false);
  });
});
