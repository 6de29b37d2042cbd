import { describe, expect, it } from "vitest";
import { chiSquareSurvival } from "../../src/stats/chiSquareSurvival.js";
import { scipy } from "./scipy.js";

describe("chiSquareSurvival", () => {
  const cases: Array<[number, number]> = [];
  for (const df of [1, 2, 3, 4, 9, 30.5, 200]) for (const x of [0, 0.01, 0.7, 3.84, 9.488, 25, 150]) cases.push([x, df]);

  it("matches scipy.stats.chi2.sf", () => {
    const want = scipy<number[]>(`print(json.dumps([float(stats.chi2.sf(x, df)) for x, df in ${JSON.stringify(cases)}]))`);
    cases.forEach(([x, df], i) => expect(chiSquareSurvival(x, df)).toBeCloseTo(want[i]!, 12));
  });

  it("has the closed form of df = 2, and is NaN for NaN or non-positive df", () => {
    for (const x of [0, 0.5, 3, 10]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
    expect(chiSquareSurvival(NaN, 3)).toBeNaN();
    expect(chiSquareSurvival(1, 0)).toBeNaN();
  });
});
