import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fanova } from "../../src/analysis/fanova.js";
import { fitForest, predictForest } from "../../src/surrogate/randomForest.js";
import { loadStudy } from "../../src/study/load.js";
import type { SearchSpace } from "../../src/space/spec.js";
import { DATA } from "../helpers/cli.js";
import { sampler, studyOf } from "./synthetic.js";

const UNIT3: SearchSpace = {
  params: ["x1", "x2", "x3"].map((name) => ({ name, type: "float" as const, low: 0, high: 1, scale: "linear" as const })),
};

describe("random forest", () => {
  it("fits a step function and predicts it", () => {
    const X = Array.from({ length: 200 }, (_, i) => [i / 200]);
    const y = X.map(([x]) => (x! < 0.37 ? 1 : 3));
    const f = fitForest(X, y, { trees: 10, seed: 2 });
    expect(predictForest(f, [0.1])).toBeCloseTo(1, 5);
    expect(predictForest(f, [0.9])).toBeCloseTo(3, 5);
  });
});

describe("fanova", () => {
  it("recovers the analytic functional-ANOVA decomposition of a known function", () => {
    // f = 4(x1−½) + 2(x2−½) + 8(x1−½)(x3−½) on the uniform unit cube. Exact decomposition (each
    // term is orthogonal): V1 = 16/12, V2 = 4/12, V13 = 64/144, V3 = V12 = V23 = 0.
    const V1 = 16 / 12, V2 = 4 / 12, V13 = 64 / 144;
    const V = V1 + V2 + V13;
    const s = sampler(5);
    const trials = Array.from({ length: 600 }, () => {
      const x1 = s.rnd(), x2 = s.rnd(), x3 = s.rnd();
      return { hparams: { x1, x2, x3 }, y: 4 * (x1 - 0.5) + 2 * (x2 - 0.5) + 8 * (x1 - 0.5) * (x3 - 0.5) };
    });
    const r = fanova(studyOf(trials, { space: UNIT3 }), { trees: 24, seed: 1 });
    const main = Object.fromEntries(r.model.main.map((e) => [e.hparams[0], e.fraction]));
    expect(main.x1).toBeCloseTo(V1 / V, 1);
    expect(main.x2).toBeCloseTo(V2 / V, 1);
    expect(main.x3).toBeLessThan(0.03);
    const pair = (a: string, b: string) => r.model.pairs.find((p) => p.hparams.includes(a) && p.hparams.includes(b))!;
    expect(pair("x1", "x3").fraction).toBeCloseTo(V13 / V, 1);
    expect(pair("x1", "x2").fraction).toBeLessThan(0.03);
    expect(r.model.pairs[0]!.hparams.sort()).toEqual(["x1", "x3"]);
    // Intervals bracket the mean, and the interaction is reported as a finding.
    for (const e of [...r.model.main, ...r.model.pairs]) expect(e.low <= e.fraction + 1e-12 && e.fraction <= e.high + 1e-12).toBe(true);
    expect(r.findings.map((f) => f.code)).toContain("fanova.interaction");
    expect(r.model.oobR2!).toBeGreaterThan(0.8);
  });

  it("averages a log-scaled hyperparameter in log space", () => {
    // y depends on log10(lr) only through which decade it is in: in log space each of the 4
    // decades weighs ¼; in linear space the top decade is 90% of the range.
    const space: SearchSpace = { params: [{ name: "lr", type: "float", low: 1e-4, high: 1, scale: "log" }, { name: "x", type: "float", low: 0, high: 1, scale: "linear" }] };
    const s = sampler(9);
    const trials = Array.from({ length: 400 }, () => {
      const lr = s.log(1e-4, 1);
      const x = s.rnd();
      return { hparams: { lr, x }, y: (lr < 1e-3 ? 1 : 0) + 0.5 * x };
    });
    const study = studyOf(trials, { space });
    const logM = fanova(study, { trees: 16, seed: 0, interactions: false });
    const linM = fanova(study, { trees: 16, seed: 0, interactions: false, measure: "linear" });
    // Step of height 1 with mass p = ¼ (log) or ≈ 0.0009 (linear): variance p(1−p); x: 0.25/12.
    const frac = (p: number) => (p * (1 - p)) / (p * (1 - p) + 0.25 / 12);
    const get = (r: typeof logM) => r.model.main.find((e) => e.hparams[0] === "lr")!.fraction;
    expect(get(logM)).toBeCloseTo(frac(0.25), 1);
    expect(get(linM)).toBeLessThan(0.15);
    expect(logM.model.main[0]!.hparams[0]).toBe("lr");
    expect(linM.model.main[0]!.hparams[0]).toBe("x");
  });

  it("caps at the top quantile: what matters near the optimum", () => {
    // y = (x2 − ½)² + 10·max(0, x3 − ½). Over all trials x3's ramp dominates the variance. Capped at
    // the 20% quantile q (= 0.04: half the trials have x3 < ½, and 40% of those have |x2 − ½| < 0.2),
    // x3 only decides "below q or not" while x2 orders the good trials: by the exact integrals,
    // Var E[min(y,q) | x2] ≈ 5.7e-5 against Var E[min(y,q) | x3] ≈ 2.9e-5, so x2 ranks first.
    const s = sampler(3);
    const trials = Array.from({ length: 600 }, () => {
      const x1 = s.rnd(), x2 = s.rnd(), x3 = s.rnd();
      return { hparams: { x1, x2, x3 }, y: (x2 - 0.5) ** 2 + 10 * Math.max(0, x3 - 0.5) };
    });
    const study = studyOf(trials, { space: UNIT3 });
    const all = fanova(study, { trees: 16, seed: 0, interactions: false });
    const top = fanova(study, { trees: 16, seed: 0, interactions: false, topFraction: 0.2 });
    expect(all.model.main[0]!.hparams[0]).toBe("x3");
    expect(top.model.main[0]!.hparams[0]).toBe("x2");
    expect(top.method).toContain("top 0.2 quantile");
  });

  it("says when the surrogate is too uncertain to rank", () => {
    const s = sampler(11);
    const trials = Array.from({ length: 120 }, () => ({ hparams: { x1: s.rnd(), x2: s.rnd(), x3: s.rnd() }, y: s.normal() }));
    const r = fanova(studyOf(trials, { space: UNIT3 }), { trees: 16, seed: 0, interactions: false });
    expect(r.model.oobR2!).toBeLessThan(0.1);
    expect(r.findings.map((f) => f.code)).toContain("fanova.uncertain");
    expect(r.findings.map((f) => f.code)).not.toContain("fanova.top");
  });

  it("on DeepCAVE's 1,000-trial MNIST search: conditional hyperparameters within model = mlp, crashed trials by a feasibility model", async () => {
    const dir = join(DATA, "deepcave_mnist/run_1");
    // Expected counts from the raw files: a configuration is infeasible when its record at the
    // largest budget has a status other than 1 (SUCCESS); num_neurons_* exist only for model = mlp.
    const last = new Map<number, unknown[]>();
    for (const line of readFileSync(join(dir, "history.jsonl"), "utf8").split("\n").filter(Boolean)) {
      const r = JSON.parse(line) as unknown[];
      const prev = last.get(r[0] as number);
      if (!prev || (r[1] as number) > (prev[1] as number)) last.set(r[0] as number, r);
    }
    const crashed = [...last.values()].filter((r) => r[6] !== 1).length;
    const study = await loadStudy(dir);
    const r = fanova(study, { trees: 12, seed: 0, interactions: false, pdPoints: 10 });
    expect(r.infeasible).toBe(crashed);
    expect(r.n).toBe(last.size - crashed);
    const shared = r.model.main.map((e) => e.hparams[0]).sort();
    expect(shared).toEqual(["activation", "batch_size", "dropout_rate", "learning_rate", "model"]);
    expect(r.subspaces).toHaveLength(1);
    expect(r.subspaces[0]!.subspace).toBe("model = mlp");
    expect(r.subspaces[0]!.conditional!.sort()).toEqual(["num_neurons_layer1", "num_neurons_layer2"]);
    const configs = JSON.parse(readFileSync(join(dir, "configs.json"), "utf8")) as Record<string, Record<string, unknown>>;
    const feasibleMlp = [...last.entries()].filter(([id, rec]) => rec[6] === 1 && configs[String(id)]!.model === "mlp").length;
    expect(r.subspaces[0]!.n).toBe(feasibleMlp);
    expect(r.feasibility!.main[0]!.hparams[0]).toBe("learning_rate");
    const codes = r.findings.map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(["fanova.conditional", "fanova.infeasible"]));
    // Partial dependence: one curve per shared hyperparameter plus the conditional ones.
    expect(r.partialDependence.map((p) => p.hparam).sort()).toEqual([...shared, "num_neurons_layer1", "num_neurons_layer2"].sort());
    const lr = r.partialDependence.find((p) => p.hparam === "learning_rate")!;
    expect(lr.x.length).toBe(10);
    expect((lr.x[0] as number) < (lr.x[9] as number) && (lr.x[0] as number) >= 1e-4 && (lr.x[9] as number) <= 0.1).toBe(true);
  }, 60_000);
});
