import { describe, expect, it } from "vitest";
import { loadDataset, trainTrial, type TrainConfig } from "../../src/train/index.js";

describe("MNIST (real digits from the mnist package) on the wasm backend", () => {
  it("uses a fixed, deterministic 8,000/2,000 split with all ten digits on both sides", () => {
    const a = loadDataset({ name: "mnist" });
    const b = loadDataset({ name: "mnist" });
    expect(a.nTrain).toBe(8000);
    expect(a.nValidation).toBe(2000);
    expect(Array.from(a.yValidation.slice(0, 50))).toEqual(Array.from(b.yValidation.slice(0, 50)));
    const counts = new Array(10).fill(0);
    for (const y of a.yValidation) counts[y as number]++;
    expect(Math.min(...counts)).toBeGreaterThan(120); // ~200 per digit
    // pixels are grey levels in [0, 1]; a digit has some ink and mostly background
    const img = a.xTrain.subarray(0, 784);
    expect(Math.max(...img)).toBeLessThanOrEqual(1);
    const ink = img.filter((v) => v > 0.5).length;
    expect(ink).toBeGreaterThan(30);
    expect(ink).toBeLessThan(400);
  });

  it("an MLP trained for 300 steps learns the digits (validation accuracy > 0.85)", async () => {
    const cfg: TrainConfig = {
      model: { name: "mlp", hidden: [128] },
      data: { name: "mnist" },
      optimizer: { name: "adam", learning_rate: 2e-3 },
      schedule: { name: "cosine", warmup_steps: 20 },
      batch_size: 64,
      steps: 300,
      eval_every: 150,
      seed: 0,
      backend: "wasm",
      log_every: 10,
    };
    const acc: number[] = [];
    const result = await trainTrial(cfg, { onMeasurement: (_s, m, v) => { if (m === "validation/accuracy") acc.push(v); } });
    expect(result.status).toBe("complete");
    expect(result.backend).toBe("wasm");
    expect(acc.length).toBe(2);
    // chance is 0.1; a model that learned is far above it
    expect(result.final["validation/accuracy"]).toBeGreaterThan(0.85);
    expect(result.final["validation/loss"]).toBeLessThan(0.6);
    console.log(`MNIST MLP 784-128-10, 300 steps, batch 64: validation accuracy ${result.final["validation/accuracy"]}, ${result.wallSeconds.toFixed(1)} s`);
  }, 60_000);

  it("a small CNN trains on the digits too", async () => {
    const cfg: TrainConfig = {
      model: { name: "cnn", filters: [4, 8], dense: 32 },
      data: { name: "mnist", n_train: 2000, n_validation: 300 },
      optimizer: { name: "adam", learning_rate: 3e-3 },
      schedule: { name: "constant" },
      batch_size: 32,
      steps: 40,
      eval_every: 40,
      seed: 1,
      backend: "wasm",
    };
    const result = await trainTrial(cfg, { onMeasurement: () => {} });
    expect(result.status).toBe("complete");
    expect(result.final["validation/accuracy"]).toBeGreaterThan(0.4); // chance: 0.1
    console.log(`MNIST CNN conv4-conv8-dense32, 40 steps: validation accuracy ${result.final["validation/accuracy"]}, ${result.wallSeconds.toFixed(1)} s`);
  }, 60_000);
});
