import { describe, expect, it } from "vitest";
import { bestOfNBootstrap, bestOfNRankProbabilities, budgetFor, probBestInTopK } from "../../src/analysis/bootstrap.js";
import { lrStudy } from "./synthetic.js";
import { deepcave } from "./deepcave.js";

describe("best-of-N: closed form on hand cases", () => {
  it("two items, two draws: the best is missed only when both draws pick the other (1/4)", () => {
    expect(probBestInTopK(1, 2, 2)).toBeCloseTo(0.75, 15);
    expect(bestOfNRankProbabilities(3, 2)).toEqual([5 / 9, 3 / 9, 1 / 9].map((x) => expect.closeTo(x, 15)));
  });

  it("agrees with (k/n)^N counted from the worst end (DESIGN.md's form)", () => {
    const n = 7;
    const N = 3;
    // Worst-first rank j: P(best-of-N has worst-first rank ≤ j) = (j/n)^N = P(best-first rank ≥ n − j + 1).
    for (let j = 1; j <= n; j++) {
      const atLeast = 1 - probBestInTopK(n - j, n, N);
      expect(atLeast).toBeCloseTo((j / n) ** N, 12);
    }
    const p = bestOfNRankProbabilities(n, N);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("exact quantiles of a 4-value study by enumeration of all 4^2 draws", () => {
    const values = [1, 2, 3, 4]; // minimize: best is 1
    const draws: number[] = [];
    for (const a of values) for (const b of values) draws.push(Math.min(a, b));
    const r = bestOfNBootstrap(values, { budgets: [2], direction: "minimize", resamples: 0, tolerance: 0 });
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length; // (7·1 + 5·2 + 3·3 + 1·4)/16
    expect(r.budgets[0]!.exact.mean).toBeCloseTo(mean, 12);
    expect(r.budgets[0]!.exact.quantiles.p50).toBe(2); // P(≤1) = 7/16 < 0.5 ≤ P(≤2) = 12/16
    expect(r.budgets[0]!.exact.quantiles.p5).toBe(1);
    expect(r.budgets[0]!.exact.quantiles.p95).toBe(4); // P(≤3) = 15/16 = 0.9375 < 0.95, so the 95% quantile is 4
  });

  it("budget needed: ⌈log(1 − p) / log(1 − m/n)⌉", () => {
    expect(budgetFor(10, 100, 0.9)).toBe(22);
    expect(1 - 0.9 ** 22).toBeGreaterThanOrEqual(0.9);
    expect(1 - 0.9 ** 21).toBeLessThan(0.9);
    expect(budgetFor(100, 100, 0.9)).toBe(1);
  });
});

describe("best-of-N: exact agrees with resampling", () => {
  it("on a synthetic study with infeasible trials, within Monte-Carlo error", () => {
    const study = lrStudy(200, 3e-3, 21, 0.05, (lr) => lr > 0.05);
    const R = 20000;
    const r = bestOfNBootstrap(study, { budgets: [1, 3, 10, 30], resamples: R, seed: 5, tolerance: 0.05 });
    expect(r.n).toBe(200);
    for (const b of r.budgets) {
      const p = b.exact.pWithinTolerance;
      const se = Math.sqrt((p * (1 - p)) / R) + 1e-9;
      expect(Math.abs(b.resampled!.pWithinTolerance - p)).toBeLessThan(5 * se + 1e-3);
      const pa = b.exact.pAllInfeasible;
      expect(Math.abs(b.resampled!.pAllInfeasible - pa)).toBeLessThan(5 * Math.sqrt((pa * (1 - pa)) / R) + 1e-3);
      // Medians of a discrete distribution: resampled within the exact 45–55% quantile band.
      const feas = study.trialRows().filter((t) => t.status === "complete").map((t) => t.best!).sort((a, c) => a - c);
      const lo = b.exact.quantiles.p25!;
      const hi = b.exact.quantiles.p75!;
      expect(b.resampled!.quantiles.p50!).toBeGreaterThanOrEqual(lo);
      expect(b.resampled!.quantiles.p50!).toBeLessThanOrEqual(hi);
      expect(b.exact.mean!).toBeGreaterThanOrEqual(feas[0]!);
      expect(Math.abs(b.resampled!.mean! - b.exact.mean!)).toBeLessThan(0.02 * Math.abs(b.exact.mean!) + 0.01);
    }
    // More trials, better (lower) median best.
    const med = r.budgets.map((b) => b.exact.quantiles.p50!);
    for (let i = 1; i < med.length; i++) expect(med[i]!).toBeLessThanOrEqual(med[i - 1]!);
  });

  it("is reproducible from the seed", () => {
    const a = bestOfNBootstrap([5, 1, 3, 2, 4], { budgets: [2], resamples: 300, seed: 9, keepSamples: true });
    const b = bestOfNBootstrap([5, 1, 3, 2, 4], { budgets: [2], resamples: 300, seed: 9, keepSamples: true });
    expect(a.budgets[0]!.resampled!.samples).toEqual(b.budgets[0]!.resampled!.samples);
  });

  it("on DeepCAVE MNIST: the budget to land within 0.5% accuracy of the best with 90% probability", async () => {
    const study = await deepcave();
    const r = bestOfNBootstrap(study, { tolerance: 0.005, probability: 0.9, resamples: 2000, seed: 1 });
    const acc = study.trialRows().filter((t) => t.status === "complete").map((t) => t.best!);
    const best = Math.max(...acc);
    const m = acc.filter((a) => best - a <= 0.005).length;
    expect(r.studyBest).toBe(best);
    expect(r.withinTolerance).toBe(m);
    expect(r.budgetNeeded).toBe(Math.ceil(Math.log(0.1) / Math.log(1 - m / 1000)));
    const atNeeded = bestOfNBootstrap(study, { budgets: [r.budgetNeeded!, r.budgetNeeded! - 1], tolerance: 0.005, resamples: 0 });
    expect(atNeeded.budgets[0]!.exact.pWithinTolerance).toBeGreaterThanOrEqual(0.9);
    expect(atNeeded.budgets[1]!.exact.pWithinTolerance).toBeLessThan(0.9);
    expect(r.findings[0]!.code).toBe("bootstrap.budget");
  });
});
