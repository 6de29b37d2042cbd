import { linearRegression } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { linearRegressionSlope } from "../../src/stats/linearRegressionSlope.js";
import { mulberry32 } from "../../src/util/random.js";

describe("linearRegressionSlope", () => {
  it("equals simple-statistics' linearRegression(pairs).m on every tail of a noisy curve", () => {
    const rnd = mulberry32(11);
    const x = Array.from({ length: 200 }, (_, i) => i * 10);
    const y = x.map((s) => 2 / (1 + s / 300) + 0.05 * (rnd() - 0.5));
    for (const from of [0, 50, 150, 197]) {
      const want = linearRegression(x.slice(from).map((s, i) => [s, y[from + i]!])).m;
      expect(linearRegressionSlope(x, y, from)).toBeCloseTo(want, 14);
    }
    expect(linearRegressionSlope(x, y, 10, 60)).toBeCloseTo(linearRegression(x.slice(10, 60).map((s, i) => [s, y[10 + i]!])).m, 14);
  });

  it("is 0 for fewer than two points or a constant x", () => {
    expect(linearRegressionSlope([1], [2])).toBe(0);
    expect(linearRegressionSlope([2, 2, 2], [1, 5, 9])).toBe(0);
  });
});
