import { describe, expect, it } from "vitest";
import { quantileSorted } from "../../src/stats/quantileSorted.js";
import { median } from "../../src/stats/median.js";
import { mulberry32 } from "../../src/util/random.js";
import { scipy } from "./scipy.js";

describe("quantileSorted and median", () => {
  const rnd = mulberry32(3);
  const samples = [[4], [1, 2], [3, 1, 2], Array.from({ length: 101 }, () => rnd() * 10 - 3), Array.from({ length: 64 }, () => Math.exp(rnd() * 5))];
  const ps = [0, 0.05, 0.25, 0.5, 0.75, 0.9, 0.99, 1];

  it("equal numpy's default (linear, type 7) quantiles and median", () => {
    const want = scipy<{ q: number[][]; m: number[] }>(
      `xs = ${JSON.stringify(samples)}\nprint(json.dumps({"q": [[float(np.quantile(x, p)) for p in ${JSON.stringify(ps)}] for x in xs], "m": [float(np.median(x)) for x in xs]}))`,
    );
    samples.forEach((x, i) => {
      const sorted = [...x].sort((a, b) => a - b);
      ps.forEach((p, j) => expect(quantileSorted(sorted, p)).toBeCloseTo(want.q[i]![j]!, 12));
      expect(quantileSorted(Float64Array.from(sorted), 0.3)).toBe(quantileSorted(sorted, 0.3));
      expect(median(x)).toBeCloseTo(want.m[i]!, 12);
    });
  });

  it("give NaN for an empty sample and leave the input unsorted", () => {
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(median([])).toBeNaN();
    const x = [3, 1, 2];
    median(x);
    expect(x).toEqual([3, 1, 2]);
  });
});
