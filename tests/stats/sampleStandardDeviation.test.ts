import { describe, expect, it } from "vitest";
import { mean } from "../../src/stats/mean.js";
import { sampleStandardDeviation } from "../../src/stats/sampleStandardDeviation.js";
import { mulberry32 } from "../../src/util/random.js";
import { scipy } from "./scipy.js";

describe("mean and sampleStandardDeviation", () => {
  it("equal numpy's mean and std(ddof=1)", () => {
    const rnd = mulberry32(9);
    const xs = [[1, 3], [0.1, 0.2, 0.4], Array.from({ length: 50 }, () => 1e3 + rnd())];
    const want = scipy<Array<[number, number]>>(`print(json.dumps([[float(np.mean(x)), float(np.std(x, ddof=1))] for x in ${JSON.stringify(xs)}]))`);
    xs.forEach((x, i) => {
      expect(mean(x)).toBeCloseTo(want[i]![0], 10);
      expect(sampleStandardDeviation(x)).toBeCloseTo(want[i]![1], 10);
    });
  });

  it("give NaN instead of throwing on too few values", () => {
    expect(mean([])).toBeNaN();
    expect(sampleStandardDeviation([2])).toBeNaN();
  });
});
