import { describe, expect, it } from "vitest";
import { learningRate, round2Schedule, scheduleValues } from "../../src/train/index.js";

const T = 1000;
const base = 0.4;

describe("learning-rate schedules match their formulas", () => {
  it("constant", () => {
    for (const s of [1, 500, 1000]) expect(learningRate({ name: "constant" }, base, s, T)).toBe(base);
  });

  it("linear decay to 0 (p = (s-1)/T)", () => {
    expect(learningRate({ name: "linear" }, base, 1, T)).toBeCloseTo(base, 12);
    expect(learningRate({ name: "linear" }, base, 251, T)).toBeCloseTo(base * 0.75, 12);
    expect(learningRate({ name: "linear" }, base, 1000, T)).toBeCloseTo(base * (1 / 1000), 12);
    expect(learningRate({ name: "linear", end_factor: 0.1 }, base, 501, T)).toBeCloseTo(base * (1 - 0.9 * 0.5), 12);
  });

  it("cosine decay", () => {
    expect(learningRate({ name: "cosine" }, base, 1, T)).toBeCloseTo(base, 12);
    expect(learningRate({ name: "cosine" }, base, 501, T)).toBeCloseTo(base / 2, 12);
    expect(learningRate({ name: "cosine" }, base, 251, T)).toBeCloseTo(base * (1 + Math.cos(Math.PI / 4)) / 2, 12);
    expect(learningRate({ name: "cosine", end_factor: 0.2 }, base, 751, T)).toBeCloseTo(base * (0.2 + 0.8 * (1 + Math.cos(0.75 * Math.PI)) / 2), 12);
  });

  it("linear warmup from 0 to base, then the decay over the remaining steps", () => {
    const s = { name: "cosine" as const, warmup_steps: 100 };
    expect(learningRate(s, base, 1, T)).toBeCloseTo(base / 100, 12);
    expect(learningRate(s, base, 50, T)).toBeCloseTo(base / 2, 12);
    expect(learningRate(s, base, 100, T)).toBeCloseTo(base, 12);
    expect(learningRate(s, base, 101, T)).toBeCloseTo(base, 12);
    // halfway through the 900 post-warmup steps: (s-1-100)/900 = 0.5
    expect(learningRate(s, base, 551, T)).toBeCloseTo(base / 2, 12);
    const l = { name: "linear" as const, warmup_steps: 100 };
    expect(learningRate(l, base, 325, T)).toBeCloseTo(base * (1 - 224 / 900), 12);
    expect(learningRate({ name: "constant", warmup_steps: 10 }, base, 7, T)).toBeCloseTo(base * 0.7, 12);
  });

  it("decay_steps keeps the base rate until the last decay_steps updates", () => {
    const s = { name: "linear" as const, decay_steps: 200 };
    expect(learningRate(s, base, 800, T)).toBe(base);
    expect(learningRate(s, base, 801, T)).toBe(base);
    expect(learningRate(s, base, 901, T)).toBeCloseTo(base / 2, 12);
  });

  it("round2Schedule keeps the linear decay length and extends the constant phase; cosine stretches", () => {
    const r1 = { name: "linear" as const, warmup_steps: 100 };
    const r2 = round2Schedule(r1, 1000, 4000);
    expect(r2.decay_steps).toBe(900);
    const v = scheduleValues(r2, 1, 4000);
    expect(v[3099]).toBe(1); // step 3100: still at base
    expect(v[3100 + 450]).toBeCloseTo(0.5, 12); // step 3551: half way through the decay
    expect(round2Schedule({ name: "cosine", decay_steps: 900 }, 1000, 4000).decay_steps).toBeUndefined();
  });

  it("scheduleValues lists every step", () => {
    expect(scheduleValues({ name: "linear" }, 1, 4)).toEqual([1, 0.75, 0.5, 0.25]);
  });
});
