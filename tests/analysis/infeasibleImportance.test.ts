import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { adamBudgetCheck } from "../../src/analysis/adamBudget.js";
import { importance } from "../../src/analysis/importance.js";
import { infeasible } from "../../src/analysis/infeasible.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA } from "../helpers/cli.js";
import { deepcave } from "./deepcave.js";
import { lrStudy, sampler, studyOf } from "./synthetic.js";

describe("infeasible", () => {
  it("finds the region where trials diverge (known by construction)", () => {
    const study = lrStudy(500, 3e-3, 31, 0.02, (lr) => lr > 0.01);
    const r = infeasible(study);
    const expected = study.trialRows().filter((t) => (t.hparams.lr as number) > 0.01).length;
    expect(r.infeasible).toBe(expected);
    expect(r.counts.diverged).toBe(expected);
    expect(r.fraction).toBeCloseTo(expected / 500, 12);
    expect(r.findings.find((f) => f.code === "infeasible.high_fraction")).toBeDefined(); // ~1/3 of a log-uniform 1e-4..1e-1
    const regions = r.findings.filter((f) => f.code === "infeasible.region");
    expect(regions.map((f) => f.evidence.hparam)).toEqual(["lr"]);
    // Bins of 0.6 decades: [10^-1.6, 10^-1] is all diverged; [10^-2.2, 10^-1.6] holds 1e-2 (mostly diverged).
    expect(regions[0]!.evidence.low as number).toBeCloseTo(10 ** -2.2, 6);
    expect(regions[0]!.evidence.high as number).toBeCloseTo(0.1, 6);
    // Bins cover every trial.
    const lrBins = r.regions.filter((g) => g.hparam === "lr");
    expect(lrBins.reduce((s, g) => s + g.total, 0)).toBe(500);
  });

  it("DeepCAVE MNIST: failures concentrate at high learning rate", async () => {
    const study = await deepcave();
    const r = infeasible(study);
    const rows = parse(readFileSync(`${DATA}deepcave_mnist/trials_long.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
    const crashedFinal = rows.filter((x) => x.study === "run_1" && x.epochs_cumulative === "8" && x.status !== "SUCCESS").length;
    expect(r.infeasible).toBe(crashedFinal);
    expect(r.counts.failed).toBe(crashedFinal);
    const f = r.findings.find((x) => x.code === "infeasible.region" && x.evidence.hparam === "learning_rate")!;
    expect(f).toBeDefined();
    expect(f.evidence.low as number).toBeGreaterThan(1e-2);
    expect(f.evidence.fraction as number).toBeGreaterThan(0.5);
  });

  it("AlgoPerf trials_summary: infeasible trials are the has_nonfinite rows plus the NaN finals", async () => {
    const study = await loadStudy(`${DATA}algoperf_v05/trials_summary.csv`);
    const rows = parse(readFileSync(`${DATA}algoperf_v05/trials_summary.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
    const nonfinite = rows.filter((x) => x.has_nonfinite === "True");
    expect(nonfinite.length).toBe(15); // README: 15 trials contain NaN/inf
    const nanFinal = rows.filter((x) => x.has_nonfinite !== "True" && !Number.isFinite(Number(x.final_validation_metric)));
    const r = infeasible(study);
    expect(r.infeasible).toBe(nonfinite.length + nanFinal.length);
    const ids = new Set(r.trials);
    for (const x of nonfinite) expect(ids.has(`${x.team}/${x.submission}/${x.study}/${x.workload}/${x.trial}`)).toBe(true);
  });
});

describe("importance", () => {
  it("gives lr the top importance when the objective depends only on lr", () => {
    const r = importance(lrStudy(400, 3e-3, 41, 0.05));
    expect(r.importances[0]!.hparam).toBe("lr");
    expect(r.importances[0]!.importance).toBeGreaterThan(0.9);
    for (const x of r.importances.slice(1)) expect(x.adjustedEta2).toBeLessThan(0.03);
    expect(r.importances.reduce((s, x) => s + x.importance, 0)).toBeCloseTo(1, 12);
    expect(r.findings[0]!.evidence.importances).toBeDefined();
  });

  it("handles categorical and conditional hyperparameters", () => {
    const s = sampler(42);
    const trials = Array.from({ length: 300 }, () => {
      const model = s.rnd() < 0.5 ? "mlp" : "cnn";
      const width = model === "mlp" ? Math.round(s.lin(5, 100)) : null;
      const act = ["relu", "tanh", "sigmoid"][Math.floor(s.rnd() * 3)]!;
      return { hparams: { model, width, act, lr: s.log(1e-4, 1e-1) }, y: (act === "relu" ? 0 : 1) + 0.1 * s.normal() };
    });
    const r = importance(studyOf(trials));
    expect(r.importances[0]!.hparam).toBe("act");
    const width = r.importances.find((x) => x.hparam === "width")!;
    expect(width.n).toBe(trials.filter((t) => t.hparams.width !== null).length); // scored where active only
    expect(width.adjustedEta2).toBeLessThan(0.05);
  });
});

describe("adamBudgetCheck", () => {
  it("flags tuning β2 and ε with a small budget, counting distinct configurations", () => {
    const s = sampler(43);
    const trials = [];
    for (let c = 0; c < 8; c++) {
      const hp = { learning_rate: s.log(1e-4, 1e-2), beta1: s.lin(0.8, 0.99), beta2: s.lin(0.99, 0.9999), epsilon: s.log(1e-9, 1e-6) };
      for (let seed = 0; seed < 3; seed++) trials.push({ hparams: { ...hp, seed }, y: s.rnd() });
    }
    const r = adamBudgetCheck(studyOf(trials))!;
    expect(r.trials).toBe(8); // 24 trials = 8 configurations × 3 seeds
    expect(r.tune).toEqual(["learning_rate"]);
    expect(r.overTuned).toEqual(["beta1", "epsilon", "beta2"]);
    expect(r.findings.map((f) => f.code)).toContain("adam.over_tuned");
    expect(adamBudgetCheck(studyOf([{ hparams: { lr: 0.1 }, y: 1 }, { hparams: { lr: 0.2 }, y: 2 }]))).toBeNull();
  });
});
