import { sampleStandardDeviation } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { differencesStandardDeviation } from "../../src/stats/differencesStandardDeviation.js";
import { mulberry32 } from "../../src/util/random.js";

describe("differencesStandardDeviation", () => {
  it("equals simple-statistics' sampleStandardDeviation of the successive differences, on any range", () => {
    const rnd = mulberry32(5);
    const v = Array.from({ length: 300 }, (_, i) => Math.exp(-i / 80) + 0.02 * rnd());
    const diffs = (from: number, to: number) => v.slice(from + 1, to).map((x, i) => x - v[from + i]!);
    for (const [from, to] of [[0, 300], [200, 300], [10, 14], [297, 300]] as const) expect(differencesStandardDeviation(v, from, to)).toBeCloseTo(sampleStandardDeviation(diffs(from, to)), 14);
  });

  it("is NaN for fewer than two differences", () => {
    expect(differencesStandardDeviation([1, 2])).toBeNaN();
    expect(differencesStandardDeviation([1, 2, 3, 4], 2)).toBeNaN();
  });
});
