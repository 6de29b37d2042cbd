/**
 * compareAlgorithms against rliable's published definitions on a case worked out by hand, against
 * scipy (trim_mean, mannwhitneyu, bootstrap) run here, and on the bundled AlgoPerf logs.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  aggregateIqm,
  aggregateMean,
  aggregateMedian,
  aggregateOptimalityGap,
  compareAlgorithms,
  probabilityOfImprovement,
  scoreDistribution,
  stratifiedBootstrapInterval,
} from "../../src/analysis/compareAlgorithms.js";
import { algoperfScore, studySpeedMatrices } from "../../src/analysis/algoperfScore.js";
import { readAlgoPerfLogs } from "../../src/study/formats/algoperfEvals.js";
import { mulberry32 } from "../../src/util/random.js";
import { DATA } from "../helpers/cli.js";

// 4 runs × 3 tasks. Columns: task 0 = [0.1, 0.4, 0.9, 0.2], task 1 = [1.0, 0.2, 0.6, 1.4], task 2 = [0, 0, 0.3, 0.1].
const X = [
  [0.1, 1.0, 0.0],
  [0.4, 0.2, 0.0],
  [0.9, 0.6, 0.3],
  [0.2, 1.4, 0.1],
];
// Y: task 0 all 0.3; task 1 = [0.5, 0.7, 1.0, 1.2]; task 2 identical to X's.
const Y = [
  [0.3, 0.5, 0.0],
  [0.3, 0.7, 0.0],
  [0.3, 1.0, 0.3],
  [0.3, 1.2, 0.1],
];

describe("rliable's definitions, by hand", () => {
  it("mean and median of per-task means", () => {
    // Task means of X: 1.6/4 = 0.4, 3.2/4 = 0.8, 0.4/4 = 0.1.
    expect(aggregateMean(X)).toBeCloseTo((0.4 + 0.8 + 0.1) / 3, 12);
    expect(aggregateMedian(X)).toBeCloseTo(0.4, 12);
  });

  it("IQM: trim ⌊12/4⌋ = 3 from each end of the 12 sorted scores", () => {
    // Sorted: 0, 0, 0.1, | 0.1, 0.2, 0.2, 0.3, 0.4, 0.6, | 0.9, 1.0, 1.4 -> mean of the middle six = 1.8 / 6.
    expect(aggregateIqm(X)).toBeCloseTo(0.3, 12);
  });

  it("optimality gap: 1 − mean(min(x, 1))", () => {
    // Capped sum: 0.1+0.4+0.9+0.2 + 1+0.2+0.6+1 + 0+0+0.3+0.1 = 4.8 -> 1 − 4.8/12 = 0.6.
    expect(aggregateOptimalityGap(X)).toBeCloseTo(0.6, 12);
    expect(aggregateOptimalityGap(X, 0.5)).toBeCloseTo(0.5 - (0.1 + 0.4 + 0.5 + 0.2 + 0.5 + 0.2 + 0.5 + 0.5 + 0 + 0 + 0.3 + 0.1) / 12, 12);
  });

  it("probability of improvement: pairs won (ties ½) / 16 per task, averaged", () => {
    // Task 0: X beats 0.3 with 0.4 and 0.9: 2 × 4 = 8 of 16 pairs -> 0.5.
    // Task 1: x = 1.0 beats 0.5, 0.7, ties 1.0 -> 2.5; 0.2 -> 0; 0.6 beats 0.5 -> 1; 1.4 beats all -> 4. 7.5 / 16.
    // Task 2: identical columns -> 0.5.
    expect(probabilityOfImprovement(X, Y)).toBeCloseTo((0.5 + 7.5 / 16 + 0.5) / 3, 12);
    expect(probabilityOfImprovement(Y, X)).toBeCloseTo((0.5 + 8.5 / 16 + 0.5) / 3, 12);
  });

  it("score distributions: share of scores, or of task means, above τ", () => {
    // Scores above 0.5: 0.9, 1.0, 0.6, 1.4 -> 4/12; task means above 0.5: only 0.8 -> 1/3.
    expect(scoreDistribution(X, [0.5])).toEqual([4 / 12]);
    expect(scoreDistribution(X, [0.5], "mean")).toEqual([1 / 3]);
    expect(scoreDistribution(X, [-1, 2])).toEqual([1, 0]);
  });

  it("the stratified bootstrap keeps each task's runs apart", () => {
    // Every task constant over runs: any stratified resample is the matrix itself, so the interval has no width.
    const c = [
      [1, 5],
      [1, 5],
      [1, 5],
    ];
    expect(stratifiedBootstrapInterval(c, aggregateIqm, { reps: 200 })).toEqual({ point: 3, low: 3, high: 3 });
    // Pooled (unstratified) resampling would mix 1s and 5s; stratified keeps the task means 1 and 5.
    const iv = stratifiedBootstrapInterval([[1], [2], [3]], aggregateMean, { reps: 4000 });
    // Means of 3 draws from {1,2,3} range over k/3; P(mean = 1) = 1/27 ≈ 3.7% > 2.5%, so the 2.5% bound is 1 and 97.5% is 3.
    expect(iv.low).toBe(1);
    expect(iv.high).toBe(3);
  });

  it("compareAlgorithms: point values, intervals containing them, findings", () => {
    const r = compareAlgorithms({ X, Y }, { tasks: ["t0", "t1", "t2"], reps: 500 });
    expect(r.aggregates.X!.iqm.point).toBeCloseTo(0.3, 12);
    for (const a of ["X", "Y"]) for (const s of ["mean", "median", "iqm", "optimalityGap"] as const) {
      const iv = r.aggregates[a]![s];
      expect(iv.low).toBeLessThanOrEqual(iv.point + 1e-12);
      expect(iv.high).toBeGreaterThanOrEqual(iv.point - 1e-12);
    }
    const p = r.improvement[0]!;
    expect(p.low).toBeLessThan(0.5);
    expect(p.high).toBeGreaterThan(0.5);
    expect(p.beyondNoise).toBe(false);
    expect(r.findings.some((f) => f.code === "compare.within_noise")).toBe(true);
    expect(r.findings.some((f) => f.code === "compare.few_runs")).toBe(true);
    // A clear winner: every run of A beats every run of B on every task -> P = 1, interval [1, 1].
    const clear = compareAlgorithms({ A: [[0.9, 0.8], [0.7, 0.9], [0.8, 0.85], [0.75, 0.95], [0.9, 0.9]], B: [[0.5, 0.6], [0.4, 0.7], [0.3, 0.5], [0.45, 0.6], [0.5, 0.55]] }, { reps: 300 });
    expect(clear.improvement[0]).toMatchObject({ x: "A", y: "B", point: 1, low: 1, high: 1, beyondNoise: true });
    // Profiles with bands: the band holds the point curve.
    const c = r.profiles.curves.X!;
    for (let i = 0; i < r.profiles.tau.length; i++) expect(c.low[i]! <= c.point[i]! + 1e-12 && c.point[i]! <= c.high[i]! + 1e-12).toBe(true);
  });

  it("normalization per task", () => {
    const r = compareAlgorithms({ X, Y }, { normalize: "range", reps: 10 });
    // Task 1 ranges over 0.2 .. 1.4: X's 1.0 -> (1.0 − 0.2) / 1.2.
    expect(r.scores.X![0]![1]).toBeCloseTo(0.8 / 1.2, 12);
    const ref = compareAlgorithms({ X, Y }, { normalize: { reference: "Y" }, reps: 10, tasks: ["t0", "t1", "t2"] });
    expect(ref.scores.X![2]![0]).toBeCloseTo(0.9 / 0.3, 12);
    const lh = compareAlgorithms({ X }, { normalize: { low: [0, 0, 0], high: [2, 2, 2] }, reps: 10 });
    expect(lh.scores.X![3]![1]).toBeCloseTo(0.7, 12);
    expect(() => compareAlgorithms({ A: [[1, 2]], Z: [[1, 0]] }, { normalize: { reference: "Z" }, tasks: ["a", "b"] })).toThrow('"Z" has mean 0 on task "b"; cannot divide by it');
    expect(() => compareAlgorithms({ X: [[1, NaN]] })).toThrow(/algorithm "X", run 0, task "1": score is not a number/);
  });
});

/** scipy, run here, on the same random matrices. */
function scipy(script: string, input: unknown): unknown {
  const r = spawnSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify(input), encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe("against scipy", () => {
  const rnd = mulberry32(5);
  const mats = Array.from({ length: 6 }, (_, i) => Array.from({ length: 3 + i }, () => Array.from({ length: 4 }, () => Math.round(rnd() * 20) / 10)));

  it("IQM = scipy.stats.trim_mean(·, 0.25, axis=None); P(X > Y) from scipy.stats.mannwhitneyu", { timeout: 120_000 }, () => {
    const py = scipy(
      `import json,sys,numpy as np
from scipy import stats
m=json.load(sys.stdin)
iqm=[float(stats.trim_mean(np.array(a),0.25,axis=None)) for a in m]
poi=[]
for a,b in zip(m[:-1],m[1:]):
  a=np.array(a);b=np.array(b);ps=[]
  for t in range(a.shape[1]):
    if np.array_equal(a[:,t],b[:,t]): ps.append(0.5)
    else: ps.append(stats.mannwhitneyu(a[:,t],b[:,t],alternative='greater').statistic/(len(a)*len(b)))
  poi.append(float(np.mean(ps)))
print(json.dumps({"iqm":iqm,"poi":poi}))`,
      mats,
    ) as { iqm: number[]; poi: number[] };
    mats.forEach((m, i) => expect(aggregateIqm(m)).toBeCloseTo(py.iqm[i]!, 12));
    mats.slice(0, -1).forEach((m, i) => expect(probabilityOfImprovement(m, mats[i + 1]!)).toBeCloseTo(py.poi[i]!, 12));
  });

  it("one task: the stratified bootstrap is the ordinary bootstrap (scipy.stats.bootstrap, percentile)", { timeout: 120_000 }, () => {
    const col = Array.from({ length: 12 }, () => [rnd() * 3]);
    const ours = stratifiedBootstrapInterval(col, aggregateIqm, { reps: 5000, seed: 1 });
    const py = scipy(
      `import json,sys,numpy as np
from scipy import stats
x=np.array(json.load(sys.stdin)).ravel()
r=stats.bootstrap((x,),lambda s,axis: stats.trim_mean(s,0.25,axis=axis),n_resamples=5000,method='percentile',random_state=1)
print(json.dumps([r.confidence_interval.low,r.confidence_interval.high]))`,
      col,
    ) as [number, number];
    // Two Monte-Carlo estimates of the same quantiles: equal up to resampling error.
    expect(Math.abs(ours.low - py[0])).toBeLessThan(0.05);
    expect(Math.abs(ours.high - py[1])).toBeLessThan(0.05);
  });
});

describe("on the bundled AlgoPerf v0.5 logs", () => {
  it("speed per study and workload: the leader's advantage over the baseline, and a gap within noise", async () => {
    const r = algoperfScore(await readAlgoPerfLogs(join(DATA, "algoperf_v05")));
    const m = studySpeedMatrices(r);
    expect(m.tasks).toEqual(r.baseWorkloads);
    expect(m.matrices.shampoo_submission).toHaveLength(5);
    // Hand check of one cell: shampoo's study_0 on wmt = the fastest median wmt time / that study's time.
    const best = Math.min(...r.submissions.map((s) => r.perWorkload[s]!.wmt!.medianTime));
    const st = r.perWorkload.shampoo_submission!.wmt!.studies[0]!.time;
    expect(m.matrices.shampoo_submission![0]![r.baseWorkloads.indexOf("wmt")]).toBeCloseTo(best / st, 12);
    const c = compareAlgorithms(m.matrices, { tasks: m.tasks, reps: 500, pairs: [["shampoo_submission", "baseline"], ["cyclic_lr", "generalized_adam"]] });
    expect(c.aggregates.shampoo_submission!.iqm.point).toBeGreaterThan(c.aggregates.baseline!.iqm.point);
    expect(c.improvement).toHaveLength(2);
    for (const p of c.improvement) expect(p.low <= p.point && p.point <= p.high).toBe(true);
  });
});
