import { describe, expect, it } from "vitest";
import { finiteOrderStatistics, quantilesOfFinite } from "../../src/stats/quantilesOfFinite.js";
import { quantileSorted } from "../../src/stats/quantileSorted.js";
import { mulberry32 } from "../../src/util/random.js";
import { scipy } from "./scipy.js";

/** The reference: the finite values concatenated and sorted (Float64Array order: -0 before 0). */
const sortedFinite = (arrays: number[][]) => Float64Array.from(arrays.flat().filter(Number.isFinite)).sort();

describe("finiteOrderStatistics and quantilesOfFinite", () => {
  const rnd = mulberry32(11);
  // Shapes that stress the radix passes: tiny, heavy ties, signed values over 40 decades, ±0 with
  // NaN/±Infinity, one repeated value (down to the last digit), and buckets above the 4,096 cut.
  const draws: Array<() => number> = [
    () => rnd(),
    () => Math.floor(rnd() * 5),
    () => Math.exp(rnd() * 90 - 45) * (rnd() < 0.5 ? -1 : 1),
    () => [NaN, -Infinity, Infinity, -0, 0, 1e-310, -1e-310][Math.floor(rnd() * 7)]!,
    () => 1.5,
    () => 1 + rnd() * 1e-12,
  ];
  const cases = draws.flatMap((draw) =>
    [3, 100, 20_000].map((n) => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => Array.from({ length: Math.ceil(n * rnd()) + 1 }, draw))),
  );

  it("give the values at those ranks of the sorted finite values, for every rank asked", () => {
    for (const arrays of cases) {
      const sorted = sortedFinite(arrays);
      if (!sorted.length) continue;
      const ranks = [0, sorted.length - 1, ...Array.from({ length: 8 }, () => Math.floor(rnd() * sorted.length))];
      const got = finiteOrderStatistics(arrays, ranks);
      ranks.forEach((r, i) => expect(Object.is(got[i], sorted[r]), `rank ${r} of ${sorted.length}`).toBe(true));
    }
  });

  it("give quantileSorted's numbers on the sorted finite values, and numpy's quantiles", () => {
    const ps = [0, 0.1, 0.5, 0.9, 0.99, 1];
    for (const arrays of cases) {
      const sorted = sortedFinite(arrays);
      const q = quantilesOfFinite(arrays, ps);
      if (!sorted.length) {
        expect(q).toBeNull();
        continue;
      }
      expect(q!.n).toBe(sorted.length);
      expect(q!.min).toBe(sorted[0]);
      expect(q!.max).toBe(sorted[sorted.length - 1]);
      ps.forEach((p, i) => expect(q!.quantiles[i]).toBe(quantileSorted(sorted, p)));
    }
    const x = Array.from({ length: 5000 }, () => Math.exp(rnd() * 3));
    const want = scipy<number[]>(`x = ${JSON.stringify(x)}\nprint(json.dumps([float(np.quantile(x, p)) for p in ${JSON.stringify(ps)}]))`);
    quantilesOfFinite([x.slice(0, 1234), x.slice(1234)], ps)!.quantiles.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });

  it("refuse a rank outside the finite values, and read nothing when none is asked", () => {
    expect(() => finiteOrderStatistics([[1, NaN, 2]], [2])).toThrow(/rank 2 is outside 0\.\.1/);
    expect(finiteOrderStatistics([[NaN]], []).length).toBe(0);
  });
});
