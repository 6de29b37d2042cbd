import { describe, expect, it } from "vitest";
import { studentTCdf } from "../../src/stats/studentTCdf.js";
import { scipy } from "./scipy.js";

describe("studentTCdf", () => {
  const cases: Array<[number, number]> = [];
  for (const df of [0.7, 1, 2, 3.7, 10, 29.3, 1e3, 1e7]) for (const t of [-40, -3.2, -1, -0.01, 0, 0.5, 1.96, 4, 25]) cases.push([t, df]);

  it("matches scipy.stats.t.cdf, fractional df included", () => {
    const want = scipy<number[]>(`print(json.dumps([float(stats.t.cdf(t, df)) for t, df in ${JSON.stringify(cases)}]))`);
    cases.forEach(([t, df], i) => expect(studentTCdf(t, df)).toBeCloseTo(want[i]!, 12));
  });

  it("has the closed forms of df = 1 (Cauchy) and df = 2", () => {
    for (const t of [-3, -0.5, 0, 0.7, 5]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it("is NaN for NaN or non-positive df, and 0/1 at ±Infinity", () => {
    expect(studentTCdf(NaN, 3)).toBeNaN();
    expect(studentTCdf(1, 0)).toBeNaN();
    expect(studentTCdf(1, -2)).toBeNaN();
    expect(studentTCdf(Infinity, 3)).toBe(1);
    expect(studentTCdf(-Infinity, 3)).toBe(0);
  });
});
