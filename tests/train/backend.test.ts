import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { activeBackend, backendFailures, selectBackend, trainTrial, defaultTrainConfig, type TrainConfig } from "../../src/train/index.js";
import { TunebookError } from "../../src/study/types.js";

describe("backend selection", () => {
  it("auto picks the first that loads (node-gpu > node > wasm > cpu) and records why the others failed", async () => {
    const got = await selectBackend("auto");
    // tfjs-node(-gpu) cannot be installed on this project's machines, so wasm wins here
    expect(got).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(activeBackend()).toBe("wasm");
    const f = backendFailures();
    expect(f["node-gpu"]).toMatch(/tfjs-node-gpu/);
    expect(f.node).toMatch(/tfjs-node/);
    expect(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")).toBe(true);
  });

  it("a backend asked for by name that cannot load is a clear error; cpu and wasm can be chosen by name", async () => {
    await expect(selectBackend("node")).rejects.toThrow(TunebookError);
    await expect(selectBackend("node")).rejects.toThrow(/backend "node" could not be loaded/);
    expect(await selectBackend("cpu")).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(await selectBackend("wasm")).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });

  it("the trial result reports the backend used, and log_every thins the per-step metrics", async () => {
    const cfg: TrainConfig = {
      ...defaultTrainConfig(),
      data: { name: "synthetic-regression", n: 128, seed: 1 }, model: { name: "mlp", hidden: [] },
      optimizer: { name: "sgd", learning_rate: 0.05 }, batch_size: 16, steps: 20, eval_every: 10, log_every: 5, backend: "cpu",
    };
    const rows: Array<[number, string]> = [];
    const val: number[] = [];
    const r = await trainTrial(cfg, { onMeasurement: (s, m, v) => { rows.push([s, m]); if (m === "validation/loss") val.push(v); } });
    expect(r.backend).toBe("cpu");
    expect(rows.filter(([, m]) => m === "train/loss").map(([s]) => s)).toEqual([5, 10, 15, 20]);
    expect(rows.some(([, m]) => m === "train/accuracy")).toBe(false); // regression: no accuracy
    // a linear model on linear data: validation MSE (≈ 1 at the zero-ish start) keeps falling
    expect(val.length).toBe(2);
    expect(val[1]!).toBeLessThan(val[0]!);
    expect(val[1]!).toBeLessThan(0.8);
    await selectBackend("wasm");
  });
});
