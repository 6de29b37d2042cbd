import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { axisPlotData } from "../../src/analysis/axis.js";
import { isolation } from "../../src/analysis/isolation.js";
import { splitByGroup } from "../../src/study/formats/algoperf.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA } from "../helpers/cli.js";
import { deepcave } from "./deepcave.js";
import { lrStudy, sampler, studyOf } from "./synthetic.js";

describe("axisPlotData", () => {
  it("keeps infeasible trials flagged, uses the space's scale, and the best/final option", () => {
    const study = lrStudy(100, 3e-3, 3, 0.02, (lr) => lr > 0.03);
    const a = axisPlotData(study);
    const lr = a.series.find((s) => s.hparam === "lr")!;
    expect(lr.scale).toBe("log");
    expect(a.series.find((s) => s.hparam === "wd")!.scale).toBe("linear");
    expect(lr.points).toHaveLength(100);
    const bad = lr.points.filter((p) => !p.feasible);
    expect(bad.length).toBe(study.trialRows().filter((t) => t.status === "diverged").length);
    expect(bad.every((p) => (p.x as number) > 0.03 && p.status === "diverged")).toBe(true);
    expect(lr.range).toEqual({ low: 1e-4, high: 0.1, source: "space" });
    expect(lr.points[0]!.hparams.wd).toBe(study.trialRows()[0]!.hparams.wd);
  });

  it("infers log scale from data spanning ≥ 2 decades, categorical for strings; skips unset values", () => {
    const s = sampler(4);
    const trials = Array.from({ length: 30 }, (_, i) => ({ hparams: { eps: 10 ** (-8 + 4 * s.rnd()), act: i % 2 ? "relu" : "tanh", width: i % 3 === 0 ? null : 10 + i }, y: s.rnd() }));
    const a = axisPlotData(studyOf(trials), { by: "final" });
    expect(a.by).toBe("final");
    expect(a.series.find((x) => x.hparam === "eps")!.scale).toBe("log");
    const act = a.series.find((x) => x.hparam === "act")!;
    expect(act.scale).toBe("categorical");
    expect(act.categories).toEqual(["tanh", "relu"]);
    const width = a.series.find((x) => x.hparam === "width")!;
    expect(width.scale).toBe("linear");
    expect(width.missingCount).toBe(10);
    expect(width.points).toHaveLength(20);
  });

  it("DeepCAVE MNIST: every trial on the learning-rate axis, failures flagged", async () => {
    const study = await deepcave();
    const a = axisPlotData(study, { hparams: ["learning_rate", "num_neurons_layer1"] });
    const lr = a.series[0]!;
    expect(lr.points).toHaveLength(1000);
    expect(lr.scale).toBe("log"); // declared log-uniform 1e-4..1e-1 in configspace.json
    expect(lr.range).toEqual({ low: 1e-4, high: 0.1, source: "space" });
    expect(lr.infeasibleCount).toBe(study.statusCounts().failed);
    expect(a.series[1]!.missingCount).toBe(study.trialRows().filter((t) => t.hparams.model === "cnn").length);
  });
});

describe("isolation", () => {
  it("finds the better optimizer after optimizing away the learning rate (known by construction)", () => {
    // Optimizer b is 0.3 better at its own best lr; a has more trials but a worse optimum.
    const s = sampler(5);
    const trials = [];
    for (let i = 0; i < 300; i++) {
      const opt = i % 3 === 0 ? "b" : "a";
      const lr = s.log(1e-4, 1e-1);
      const star = opt === "a" ? 1e-2 : 1e-3;
      trials.push({ hparams: { opt, lr }, y: (Math.log10(lr) - Math.log10(star)) ** 2 + (opt === "b" ? 0 : 0.3) + 0.02 * s.normal() });
    }
    const r = isolation(studyOf(trials), { scientific: "opt", bootstrap: { resamples: 500, seed: 1, level: 0.9 } });
    expect(r.winner).toBe("b");
    expect(r.runnerUp).toBe("a");
    expect(r.exceedsNoise).toBe(true);
    expect(r.values.map((v) => [v.label, v.count])).toEqual([["b", 100], ["a", 200]]); // first-seen order
    const b = r.values.find((v) => v.label === "b")!;
    expect(b.interval!.high).toBeGreaterThanOrEqual(b.best!.y);
    expect(b.interval!.low).toBeLessThanOrEqual(b.best!.y + 1e-12);
    const f = r.findings.find((x) => x.code === "isolation.winner")!;
    expect(f.evidence.exceedsNoise).toBe(true);
    expect(f.evidence.winner).toBe("b");
  });

  it("says the gap is within noise when two values are the same, and flags values with too few trials", () => {
    const s = sampler(6);
    const trials = [];
    for (let i = 0; i < 84; i++) {
      const opt = i < 40 ? "a" : i < 80 ? "b" : "c";
      trials.push({ hparams: { opt, lr: s.log(1e-4, 1e-1) }, y: 1 + 0.1 * s.normal() });
    }
    const r = isolation(studyOf(trials), { scientific: "opt", bootstrap: { resamples: 500, seed: 2 } });
    expect(r.exceedsNoise).toBe(false);
    const few = r.findings.find((f) => f.code === "isolation.few_trials")!;
    expect((few.evidence.values as Array<{ label: string }>).map((v) => v.label)).toEqual(["c"]);
  });

  it("names the hyperparameters when the scientific one does not exist", () => {
    expect(() => isolation(lrStudy(10, 3e-3, 16), { scientific: "optimizer" })).toThrow(/no trial has the scientific hyperparameter "optimizer" \(hyperparameters: lr, wd, dropout\)/);
  });

  it("warns when a hyperparameter that should be fixed varies", () => {
    const study = lrStudy(60, 3e-3, 15);
    const r = isolation(study, { scientific: "wd", nuisance: ["lr"] });
    const f = r.findings.find((x) => x.code === "isolation.fixed_varies")!;
    expect(f.evidence.varying).toEqual(["dropout"]);
    expect(isolation(study, { scientific: "wd", nuisance: ["lr", "dropout"] }).findings.map((x) => x.code)).not.toContain("isolation.fixed_varies");
  });

  it("buckets a continuous scientific hyperparameter in its scale", () => {
    const r = isolation(lrStudy(400, 3e-3, 14), { scientific: "lr", buckets: 6 });
    expect(r.bucketed).toBe(true);
    expect(r.values).toHaveLength(6);
    expect(r.values[0]!.bucket!.low).toBeCloseTo(Math.min(...lrStudy(400, 3e-3, 14).trialRows().map((t) => t.hparams.lr as number)), 12);
    // Buckets are equal width in log10.
    const w = r.values.map((v) => Math.log10(v.bucket!.high) - Math.log10(v.bucket!.low));
    for (const x of w) expect(x).toBeCloseTo(w[0]!, 9);
    // The optimum 3e-3 lies in the winning bucket.
    const win = r.values.find((v) => v.label === r.winner)!;
    expect(win.bucket!.low).toBeLessThanOrEqual(3e-3 * 1.5);
    expect(win.bucket!.high).toBeGreaterThanOrEqual(3e-3 / 1.5);
  });

  it("DeepCAVE MNIST: isolation by model matches the best accuracy per model read from the CSV", async () => {
    const rows = parse(readFileSync(`${DATA}deepcave_mnist/trials_long.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
    const best = new Map<string, number>();
    for (const r of rows) if (r.study === "run_1" && r.status === "SUCCESS") best.set(r.model!, Math.max(best.get(r.model!) ?? -Infinity, Number(r.test_accuracy)));
    const iso = isolation(await deepcave(), { scientific: "model" });
    for (const v of iso.values) expect(v.best!.y).toBe(best.get(v.label));
    expect(iso.winner).toBe([...best].sort((a, b) => b[1] - a[1])[0]![0]);
  });

  it("AlgoPerf trials_summary: isolation by submission per workload", async () => {
    const study = await loadStudy(`${DATA}algoperf_v05/trials_summary.csv`);
    const rows = parse(readFileSync(`${DATA}algoperf_v05/trials_summary.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
    const perWorkload = splitByGroup(study);
    for (const workload of ["imagenet_resnet_jax", "librispeech_conformer_jax", "wmt_jax"]) {
      const sub = perWorkload.get(workload)!;
      const iso = isolation(sub, { scientific: "submission" });
      // Expected from the CSV: best finite best_validation_metric per submission, trials without NaN/inf.
      const expected = new Map<string, number>();
      const higher = rows.find((r) => r.workload === workload)!.higher_is_better === "True";
      for (const r of rows) {
        if (r.workload !== workload || r.has_nonfinite === "True" || !Number.isFinite(Number(r.final_validation_metric))) continue;
        const v = Number(r.best_validation_metric);
        const cur = expected.get(r.submission!);
        if (cur === undefined || (higher ? v > cur : v < cur)) expected.set(r.submission!, v);
      }
      expect(sub.objective.direction).toBe(higher ? "maximize" : "minimize");
      expect(new Set(iso.values.map((v) => v.label))).toEqual(new Set(rows.filter((r) => r.workload === workload).map((r) => r.submission)));
      for (const v of iso.values) expect(v.best?.y).toBe(expected.get(v.label));
      const order = [...expected].sort((a, b) => (higher ? b[1] - a[1] : a[1] - b[1]));
      expect(iso.winner).toBe(order[0]![0]);
      expect(iso.values.reduce((s, v) => s + v.count, 0)).toBe(rows.filter((r) => r.workload === workload).length);
    }
  });
});
