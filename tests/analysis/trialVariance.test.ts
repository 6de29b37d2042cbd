import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { compareToBaseline, compareTrials, trialVariance } from "../../src/analysis/trialVariance.js";
import { studyVariance } from "../../src/analysis/studyVariance.js";
import { splitByGroup } from "../../src/study/formats/algoperf.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA } from "../helpers/cli.js";
import { studyOf } from "./synthetic.js";

// The t distribution itself is tested against scipy in tests/stats/studentTCdf.test.ts.

describe("compareToBaseline (Welch)", () => {
  it("computes Welch's df by hand", () => {
    const c = compareToBaseline([1, 2, 3, 4], [2, 4, 6, 8], { direction: "maximize" });
    // var A = 5/3, var B = 20/3; se² = 5/12 + 20/12; df = se⁴ / ((5/12)²/3 + (20/12)²/3)
    const va = 5 / 12, vb = 20 / 12;
    expect(c.df).toBeCloseTo((va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 3), 10);
    expect(c.t).toBeCloseTo(2.5 / Math.sqrt(va + vb), 10);
    expect(c.improvement).toBe(2.5);
  });
  it("adopts B only when the gain exceeds the seed noise", () => {
    const clear = compareToBaseline([0.71, 0.72, 0.7, 0.71], [0.75, 0.76, 0.74, 0.75], { direction: "maximize" });
    expect(clear.better).toBe(true);
    expect(clear.findings[0]!.code).toBe("adoption.better");
    expect(clear.pValue).toBeLessThan(0.001);
    const noisy = compareToBaseline([0.70, 0.74, 0.68, 0.73], [0.71, 0.75, 0.69, 0.72], { direction: "maximize" });
    expect(noisy.better).toBe(false);
    expect(noisy.findings[0]!.code).toBe("adoption.not_significant");
    // Direction matters: lower loss is better.
    const loss = compareToBaseline([0.5, 0.51, 0.49], [0.4, 0.41, 0.39], { direction: "minimize" });
    expect(loss.better).toBe(true);
    expect(loss.improvement).toBeCloseTo(0.1, 10);
    expect(loss.effectSize).toBeCloseTo(0.1 / 0.01, 6);
    const few = compareToBaseline([0.5], [0.4, 0.41], { direction: "minimize" });
    expect(few.better).toBe(false);
    expect(few.findings[0]!.code).toBe("adoption.not_significant");
  });
});

describe("trialVariance", () => {
  it("groups repeats that differ only by seed", () => {
    const trials = [];
    for (const [lr, mean] of [[0.1, 1], [0.01, 2]] as const) for (let s = 0; s < 4; s++) trials.push({ hparams: { lr, seed: s }, y: mean + (s % 2 ? 0.1 : -0.1) });
    const r = trialVariance(studyOf(trials));
    expect(r.configs).toHaveLength(2);
    expect(r.configs.map((c) => c.n)).toEqual([4, 4]);
    expect(r.configs[0]!.mean).toBeCloseTo(1, 12);
    expect(r.configs[0]!.std).toBeCloseTo(Math.sqrt((4 * 0.01) / 3), 12);
    expect(r.pooledStd).toBeCloseTo(Math.sqrt((4 * 0.01) / 3), 12);
  });

  it("AlgoPerf trials_summary: study-to-study variance of each (submission, workload, point) from the 5 studies", async () => {
    const study = await loadStudy(`${DATA}algoperf_v05/trials_summary.csv`);
    const rows = parse(readFileSync(`${DATA}algoperf_v05/trials_summary.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
    // Independent grouping from the CSV: same submission, workload and hp.* columns.
    const hpCols = Object.keys(rows[0]!).filter((k) => k.startsWith("hp."));
    const groups = new Map<string, number[]>();
    for (const r of rows) {
      if (r.submission !== "prize_qualification_baseline" || r.workload !== "imagenet_resnet_jax") continue;
      const k = hpCols.map((c) => r[c]).join("|");
      const v = Number(r.best_validation_metric);
      if (!groups.has(k)) groups.set(k, []);
      if (r.has_nonfinite !== "True" && Number.isFinite(v) && Number.isFinite(Number(r.final_validation_metric))) groups.get(k)!.push(v);
    }
    const sub = study.filter((t) => t.attrs.submission === "prize_qualification_baseline" && t.group === "imagenet_resnet_jax");
    const r = trialVariance(sub);
    expect(r.configs.length).toBe(groups.size);
    const expected = [...groups.values()].map((vs) => {
      const m = vs.reduce((a, b) => a + b, 0) / vs.length;
      return { n: vs.length, mean: m, std: Math.sqrt(vs.reduce((a, b) => a + (b - m) ** 2, 0) / (vs.length - 1)) };
    }).sort((a, b) => a.mean - b.mean);
    const got = r.configs.map((c) => ({ n: c.n, mean: c.mean, std: c.std })).sort((a, b) => a.mean - b.mean);
    expect(got.map((g) => g.n)).toEqual(expected.map((e) => e.n));
    got.forEach((g, i) => {
      expect(g.mean).toBeCloseTo(expected[i]!.mean, 10);
      expect(g.std).toBeCloseTo(expected[i]!.std, 10);
    });
    expect(Math.max(...got.map((g) => g.n))).toBe(5); // 5 studies = 5 seeds of each point
  });

  it("AlgoPerf raw logs: study_0 and study_1 repeat the same 5 points (groups differ only by the study segment)", async () => {
    const root = `${DATA}algoperf_v05/raw_logdir/prize_qualification_baseline`;
    const points = new Map<string, number>();
    for (const st of ["study_0", "study_1"])
      for (let k = 1; k <= 5; k++) {
        const hp = JSON.parse(readFileSync(`${root}/${st}/imagenet_resnet_jax/trial_${k}/hparams.json`, "utf8")) as Record<string, unknown>;
        const key = JSON.stringify(Object.keys(hp).sort().map((h) => [h, hp[h]]));
        points.set(key, (points.get(key) ?? 0) + 1);
      }
    const r = trialVariance(await loadStudy(`${DATA}algoperf_v05/raw_logdir`));
    expect(r.configs.length).toBe(points.size);
    expect(r.configs.map((c) => c.count).sort()).toEqual([...points.values()].sort());
    expect(r.repeated).toBe([...points.values()].filter((n) => n >= 2).length);
    expect(r.findings.map((f) => f.code)).toContain("variance.trial");
  });
});

describe("studyVariance", () => {
  it("AlgoPerf trials_summary: the spread of each study's best across the 5 studies, per submission", async () => {
    const study = await loadStudy(`${DATA}algoperf_v05/trials_summary.csv`);
    const rows = parse(readFileSync(`${DATA}algoperf_v05/trials_summary.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
    const workload = "imagenet_resnet_jax";
    const higher = rows.find((r) => r.workload === workload)!.higher_is_better === "True";
    // Expected from the CSV: per submission and study, the best finite best_validation_metric.
    const best = new Map<string, Map<string, number>>();
    for (const r of rows) {
      if (r.workload !== workload || r.has_nonfinite === "True" || !Number.isFinite(Number(r.final_validation_metric))) continue;
      const v = Number(r.best_validation_metric);
      if (!best.has(r.submission!)) best.set(r.submission!, new Map());
      const m = best.get(r.submission!)!;
      const cur = m.get(r.study!);
      if (cur === undefined || (higher ? v > cur : v < cur)) m.set(r.study!, v);
    }
    const sub = splitByGroup(study).get(workload)!;
    const sv = studyVariance(sub);
    expect(new Set(sv.entries.map((e) => e.key))).toEqual(new Set(best.keys()));
    for (const e of sv.entries) {
      const vals = [...best.get(e.key)!.values()];
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      expect(e.n).toBe(vals.length);
      expect(e.mean).toBeCloseTo(m, 10);
      expect(e.std).toBeCloseTo(Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / (vals.length - 1)), 10);
    }
    expect(Math.max(...sv.entries.map((e) => e.n))).toBe(5);
    expect(sv.findings[0]!.code).toBe("variance.study");
  });

  it("a single repeated study without submissions is one entry", () => {
    const trials = [];
    // The repeat is in the group, AlgoPerf-style (study_<k>/<workload>).
    for (let st = 0; st < 3; st++) for (let k = 0; k < 4; k++) trials.push({ hparams: { lr: k }, y: k + st, group: `study_${st}/w` });
    const s = studyOf(trials);
    const sv = studyVariance(s);
    expect(sv.entries).toHaveLength(1);
    expect(sv.entries[0]!.studies.map((x) => x.best)).toEqual([0, 1, 2]); // minimize: k = 0 in each study
    expect(sv.entries[0]!.std).toBeCloseTo(1, 12);
  });
});

describe("compareTrials", () => {
  it("compares two arms selected by a hyperparameter, per trial", () => {
    const trials: Array<{ hparams: Record<string, string | number>; y: number }> = [];
    for (let s = 0; s < 6; s++) {
      trials.push({ hparams: { opt: "sgd", seed: s }, y: 1.0 + 0.01 * ((s % 3) - 1) });
      trials.push({ hparams: { opt: "adam", seed: s }, y: 0.9 + 0.01 * ((s % 3) - 1) });
    }
    const r = compareTrials(studyOf(trials), { key: "opt", baseline: "sgd", candidate: "adam" });
    expect(r.unit).toBe("trial");
    expect(r.nA).toBe(6);
    expect(r.better).toBe(true);
    expect(r.improvement).toBeCloseTo(0.1, 12);
    expect(r.findings[0]!.message).toMatch(/^opt: adam beats sgd by 0\.1 /);
    expect(() => compareTrials(studyOf(trials), { key: "opt", baseline: "sgd", candidate: "lion" })).toThrow(/no trial has opt = lion/);
  });

  it("AlgoPerf: compares two submissions by the best of each of their 5 studies", async () => {
    const study = splitByGroup(await loadStudy(`${DATA}algoperf_v05/trials_summary.csv`)).get("imagenet_resnet_jax")!;
    const r = compareTrials(study, { key: "submission", baseline: "prize_qualification_baseline", candidate: "nadamp" });
    expect(r.unit).toBe("study");
    const sv = studyVariance(study);
    const a = sv.entries.find((e) => e.key === "prize_qualification_baseline")!;
    const b = sv.entries.find((e) => e.key === "nadamp")!;
    expect(r.nA).toBe(a.n);
    expect(r.meanA).toBeCloseTo(a.mean, 12);
    expect(r.meanB).toBeCloseTo(b.mean, 12);
    expect(r.stdB).toBeCloseTo(b.std, 12);
  });
});
