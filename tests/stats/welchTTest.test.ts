import { describe, expect, it } from "vitest";
import { welchTTest } from "../../src/stats/welchTTest.js";
import { mulberry32 } from "../../src/util/random.js";
import { scipy } from "./scipy.js";

describe("welchTTest", () => {
  // Pairs of samples with unequal sizes and spreads (seeded, so the test is the same everywhere).
  const rnd = mulberry32(7);
  const sample = (n: number, mu: number, sd: number) => Array.from({ length: n }, () => mu + sd * (rnd() + rnd() + rnd() - 1.5));
  const pairs = [
    [sample(3, 0.71, 0.01), sample(3, 0.75, 0.01)],
    [sample(5, 1, 0.5), sample(12, 1.2, 0.05)],
    [sample(20, 3, 1), sample(4, 2.5, 2)],
    [sample(8, 0, 1), sample(8, 0, 1)],
  ];

  it("matches scipy's ttest_ind(b, a, equal_var=False, alternative='greater')", () => {
    const want = scipy<Array<[number, number]>>(
      `out = []\nfor a, b in ${JSON.stringify(pairs)}:\n  r = stats.ttest_ind(b, a, equal_var=False, alternative="greater")\n  out.append([float(r.statistic), float(r.pvalue)])\nprint(json.dumps(out))`,
    );
    pairs.forEach(([a, b], i) => {
      const r = welchTTest(a!, b!);
      expect(r.t).toBeCloseTo(want[i]![0], 10);
      expect(r.pValue).toBeCloseTo(want[i]![1], 10);
    });
  });

  it("is NaN below two values per sample; constant samples decide by sign", () => {
    expect(welchTTest([1], [2, 3]).pValue).toBeNaN();
    expect(welchTTest([1, 1], [2, 2])).toEqual({ t: Infinity, df: 2, pValue: 0 });
    expect(welchTTest([2, 2], [1, 1]).pValue).toBe(1);
  });
});
