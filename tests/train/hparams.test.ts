import { describe, expect, it } from "vitest";
import { defaultTrainConfig, hparamsToTrainConfig, validateTrainConfig } from "../../src/train/index.js";
import { TunebookError } from "../../src/study/types.js";

describe("hparamsToTrainConfig", () => {
  it("maps flat names onto config fields without touching the base", () => {
    const base = defaultTrainConfig();
    const c = hparamsToTrainConfig(base, {
      learning_rate: 0.003, one_minus_beta1: 0.05, beta2: 0.99, epsilon: 1e-6, weight_decay: 0.01,
      batch_size: 64, warmup_steps: 20, clip_norm: 1.5, dropout: 0.2, hidden_units: 128, "optimizer.rho": 0.8,
      momentum: null,
    });
    expect(c.optimizer.learning_rate).toBe(0.003);
    expect(c.optimizer.beta1).toBeCloseTo(0.95, 12);
    expect(c.optimizer.beta2).toBe(0.99);
    expect(c.optimizer.epsilon).toBe(1e-6);
    expect(c.optimizer.weight_decay).toBe(0.01);
    expect(c.optimizer.rho).toBe(0.8);
    expect(c.optimizer.momentum).toBeUndefined();
    expect(c.batch_size).toBe(64);
    expect(c.schedule.warmup_steps).toBe(20);
    expect(c.clip_norm).toBe(1.5);
    expect(c.model).toEqual({ name: "mlp", hidden: [128, 128], dropout: 0.2 });
    expect(base.optimizer.learning_rate).toBe(1e-3);
    expect(base.model).toEqual({ name: "mlp", hidden: [256, 256] });
  });

  it("rejects unknown names, bad values and prototype keys with the field named", () => {
    const base = defaultTrainConfig();
    expect(() => hparamsToTrainConfig(base, { learnin_rate: 0.1 })).toThrow(/learnin_rate/);
    expect(() => hparamsToTrainConfig(base, { batch_size: "big" })).toThrow(TunebookError);
    expect(() => hparamsToTrainConfig(base, { beta1: 1.5 })).toThrow(/optimizer\.beta1/);
    expect(() => hparamsToTrainConfig(base, { "__proto__.x": 1 })).toThrow(TunebookError);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("validateTrainConfig names the bad field", () => {
    const c = { ...defaultTrainConfig(), steps: -3 };
    expect(() => validateTrainConfig(c, "t.json")).toThrow(/t\.json: field "steps"/);
  });
});
