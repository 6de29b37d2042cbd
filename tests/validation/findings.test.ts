/**
 * The fixes the validation corpus called for, each on real data: planted sweeps made by tunebook's
 * runner, the AlgoPerf NAdamW curves and the DeepCAVE MNIST studies. Labels come from
 * validation/rules.ts (computed from the raw files), never from tunebook's output.
 */
import { describe, expect, it } from "vitest";
import { boundaries } from "../../src/analysis/boundaries.js";
import { scaleOfValues } from "../../src/analysis/common.js";
import { curveDiagnostics } from "../../src/analysis/curves.js";
import { learningRateSweep } from "../../src/analysis/warmup.js";
import { importance } from "../../src/analysis/importance.js";
import { fmt } from "../../src/analysis/common.js";
import { review } from "../../src/analysis/review.js";
import { isLrSweep, regimeHparam } from "../../src/analysis/warmup.js";
import { loadStudy } from "../../src/study/load.js";
import { readAlgoPerf, readDeepCave, readRunnerStudy } from "../../validation/sources.js";
import { boundaryCases, curveCases } from "../../validation/rules.js";
import { toStudy } from "../../validation/study.js";

const planted = (name: string, keys?: string[]) => readRunnerStudy(new URL(`../../validation/planted/runs/${name}`, import.meta.url).pathname, "planted", "grid", keys);

describe("boundaries on sweeps", () => {
  it("reads a geometric grid of less than two decades in log scale, by name or by spacing", () => {
    const lrs = [1e-4, 2e-4, 4e-4, 8e-4, 1.6e-3, 3.2e-3];
    expect(scaleOfValues(lrs)).toBe("log");
    expect(scaleOfValues([0.1, 0.2, 0.3], "learning_rate")).toBe("log");
    expect(scaleOfValues([0.1, 0.2, 0.3, 0.4], "dropout")).toBe("linear");
    expect(scaleOfValues([16, 32, 64, 128, 256])).toBe("log");
  });

  it("finds every planted edge of the learning-rate sweeps and no edge on bracketed optima", () => {
    const cases = boundaryCases(planted("lr-seeds", ["optimizer", "seed"]));
    expect(cases.length).toBeGreaterThan(30);
    let edges = 0;
    for (const c of cases) {
      const r = boundaries(toStudy(c.study), { hparams: [c.hparam] });
      const codes = r.findings.filter((f) => f.code !== "boundary.mostly_infeasible").map((f) => f.code);
      const want = Object.entries(c.labels).filter(([, v]) => v).map(([k]) => k);
      expect(codes, c.id).toEqual(want);
      edges += want.length;
      // Every check ran or says why not.
      for (const k of r.checks) if (!k.flagged) expect(k.skipped === undefined || k.skipped.length > 0).toBe(true);
    }
    expect(edges).toBeGreaterThan(10);
  });

  it("a 3-value sweep whose best is its largest value is flagged, with the values named", () => {
    const sweep = planted("lr-seeds", ["optimizer", "seed"]);
    const adam0 = sweep.trials.filter((t) => t.hparams.optimizer === "adam" && t.hparams.seed === 0 && [1e-4, 3.2e-4, 1e-3].includes(t.hparams.learning_rate as number));
    expect(adam0).toHaveLength(3);
    const r = boundaries(toStudy({ ...sweep, trials: adam0 }), { hparams: ["learning_rate"] });
    expect(r.findings.map((f) => f.code)).toEqual(["boundary.near_upper"]);
    expect(r.findings[0]!.evidence).toMatchObject({ design: "grid", values: 3, bestValue: 1e-3 });
  });
});

describe("curves on real runs", () => {
  it("AlgoPerf: no curve finding the corpus rules call wrong on the speech-recognition runs (WER from ≈0.9 down)", () => {
    for (const wl of ["librispeech_conformer_jax", "librispeech_deepspeech_jax"]) {
      for (const st of readAlgoPerf().filter((s) => s.name.endsWith(wl))) {
        const r = curveDiagnostics(toStudy(st), { validationMetric: st.objective.metric, validationDirection: st.objective.direction, trainMetric: st.trainMetric! });
        for (const c of curveCases(st)) {
          const got = new Set(r.trials.find((d) => d.trial === c.trial)?.findings.map((f) => f.code));
          for (const code of ["curves.saturated", "curves.diverged"]) if (c.labels[code] === false) expect(got.has(code), `${c.id} ${code}`).toBe(false);
          // A run still improving is never also called saturated.
          if (c.labels["curves.still_improving"]) expect(got.has("curves.saturated"), c.id).toBe(false);
        }
      }
    }
  });

  it("DeepCAVE: 3-evaluation curves get no curve finding (too short), not even a blow-up 'divergence'", async () => {
    const s = await loadStudy(new URL("../../datasets/deepcave_mnist/run_1", import.meta.url).pathname);
    const r = curveDiagnostics(s);
    const byCurve = r.findings.filter((f) => f.code !== "curves.diverged" || (f.evidence.examples as Array<{ reason: string }>).some((e) => e.reason === "blowup"));
    expect(byCurve).toEqual([]);
  });

  it("a diverged trial whose values vanish: the step is the last one logged, not the end of training", () => {
    const st = planted("lr-seeds", ["optimizer", "seed"]);
    const s = toStudy(st);
    const r = curveDiagnostics(s, { validationMetric: st.objective.metric, validationDirection: "maximize", trainMetric: "train/loss" });
    const diverged = r.trials.filter((d) => d.findings.some((f) => f.code === "curves.diverged"));
    expect(diverged.length).toBe(st.trials.filter((t) => t.status === "diverged").length);
    for (const d of diverged) expect(d.divergedStep === null || d.divergedStep < 120).toBe(true);
  });
});

describe("instability counts every infeasible status", () => {
  it("DeepCAVE: lr* is not the study's largest learning rate when most runs above 0.03 fail", () => {
    for (const st of readDeepCave()) {
      const r = learningRateSweep(toStudy(st));
      const lrs = st.trials.map((t) => t.hparams.learning_rate as number);
      const above = st.trials.filter((t) => (t.hparams.learning_rate as number) >= 0.0316);
      expect(above.filter((t) => t.status !== "complete").length / above.length).toBeGreaterThan(0.5);
      expect(r.lrStar).not.toBeNull();
      expect(r.lrStar!).toBeLessThan(0.0316);
      expect(r.lrStar!).toBeLessThan(Math.max(...lrs) / 2);
      expect(r.findings.map((f) => f.code)).toContain("instability.unstable_above");
    }
  });
});

describe("applicability: a rule whose preconditions fail stays silent and says so", () => {
  it("DeepCAVE review: no curve, checkpoint, training-steps or warmup finding; each is in the not-checked list with its reason", async () => {
    const s = await loadStudy(new URL("../../datasets/deepcave_mnist/run_2", import.meta.url).pathname);
    const r = review(s);
    expect(r.findings.filter((f) => /^(curves|checkpoints|training_steps|warmup)\./.test(f.code))).toEqual([]);
    const nc = new Map(r.notChecked.map((n) => [n.analysis, n.reason]));
    expect(nc.get("curves")).toMatch(/fewer than 6 finite evaluations/);
    expect(nc.get("checkpoints")).toMatch(/fewer than 6 finite evaluations/);
    expect(nc.get("trainingSteps")).toMatch(/not a learning-rate sweep/);
    expect(nc.get("instability")).toMatch(/at most 8 steps/);
    // Every analysis of the review either ran or is listed with a reason (adoption runs only on request).
    for (const a of r.skipped) if (a !== "adoption") expect(nc.has(a), a).toBe(true);
  });

  it("isLrSweep: a random search is not a sweep; the planted learning-rate sweeps (per optimizer and seed) are", () => {
    expect(isLrSweep(toStudy(readDeepCave()[0]!))).toBe(false);
    expect(isLrSweep(toStudy(planted("lr-seeds", ["optimizer", "seed"])))).toBe(true);
    expect(isLrSweep(toStudy(planted("lr-batch")))).toBe(true);
  });

  it("importance is not identifiable from AlgoPerf's 5 configurations repeated over 5 studies", async () => {
    const s = await loadStudy(new URL("../../datasets/algoperf_v05/trials_summary.csv", import.meta.url).pathname);
    const one = s.filter((t) => t.attrs.submission === "prize_qualification_baseline" && t.attrs.workload === "imagenet_resnet_jax");
    expect(one.size).toBeGreaterThanOrEqual(20);
    const r = importance(one);
    expect(r.findings.map((f) => f.code)).toEqual(["importance.not_identifiable"]);
    expect(r.findings[0]!.evidence.configurations).toBeLessThanOrEqual(5);
  });

  it("instability keeps optimizer regimes apart: Adam and SGD-momentum sweeps get their own lr*", () => {
    const s = toStudy(planted("lr-seeds", ["optimizer", "seed"]));
    expect(regimeHparam(s)).toBe("optimizer");
    const r = review(s, { only: ["instability"] });
    const above = r.findings.filter((f) => f.code === "instability.unstable_above");
    const star = new Map(above.map((f) => [f.evidence.regimeValue, f.evidence.lrStar as number]));
    expect([...star.keys()].sort()).toEqual(["adam", "momentum"]);
    // Adam diverges at smaller learning rates than SGD with momentum (the raw statuses say so).
    const firstDiverged = (opt: string) => Math.min(...planted("lr-seeds").trials.filter((t) => t.hparams.optimizer === opt && t.status === "diverged").map((t) => t.hparams.learning_rate as number));
    expect(firstDiverged("adam")).toBeLessThan(firstDiverged("momentum"));
    expect(star.get("adam")!).toBeLessThan(star.get("momentum")!);
    expect(star.get("adam")!).toBeLessThan(firstDiverged("adam"));
  });
});

describe("gradient-norm spikes are placed against the run's length", () => {
  it("AlgoPerf imagenet trial_4: the spike at step 500, with norms logged only for the first 1,000 of 186,666 steps, is early", async () => {
    const { readFileSync } = await import("node:fs");
    const { parse } = await import("csv-parse/sync");
    const { StudyBuilder } = await import("../../src/study/builder.js");
    const { gradientClipping } = await import("../../src/analysis/clipping.js");
    const dir = new URL("../../datasets/algoperf_v05/raw_logdir/prize_qualification_baseline/study_0/imagenet_resnet_jax/trial_4/", import.meta.url).pathname;
    const rows = parse(readFileSync(`${dir}measurements.csv`), { columns: true }) as Array<Record<string, string>>;
    const b = new StudyBuilder("imagenet", { metric: "validation/accuracy", direction: "maximize" });
    let kept = 0;
    for (const r of rows) {
      const step = Number(r.global_step);
      if (r.grad_norm && kept < 10) {
        b.measure("trial_4", step, "grad_norm", Number(r.grad_norm));
        kept++;
      }
      if (r["validation/accuracy"]) b.measure("trial_4", step, "validation/accuracy", Number(r["validation/accuracy"]));
    }
    const res = gradientClipping(b.build());
    const spikes = res.perTrial[0]!.spikes;
    expect(spikes.map((s) => s.step)).toEqual([500]);
    expect(spikes[0]!.phase).toBe("early");
  });
});

describe("the notebook's %review display lists what was not checked", () => {
  it("DeepCAVE: the bundle's text and HTML carry the not-checked reasons", async () => {
    const { findingsBundle } = await import("../../src/kernel/render.js");
    const r = review(await loadStudy(new URL("../../datasets/deepcave_mnist/run_1", import.meta.url).pathname));
    const b = findingsBundle(r.findings, "review", r.notChecked);
    expect(b["text/plain"]).toMatch(/Not checked \(\d+\):\n {2}trialVariance: no configuration was trained more than once/);
    expect(b["text/plain"]).toContain("curves — curve shapes of 798 of 798 trials: fewer than 6 finite evaluations");
    expect(b["text/html"]).toContain("<summary>Not checked (");
  });
});

describe("smoothing short curves", () => {
  it("mnist_tunebook trial-000051: 8 evaluations, best at step 300 then a fall to 0.802: not saturated", () => {
    const st = readRunnerStudy(new URL("../../datasets/mnist_tunebook/study", import.meta.url).pathname, "mnist_tunebook", "random");
    const t = st.trials.find((x) => x.id === "trial-000051")!;
    expect(t.curve!.values).toHaveLength(8);
    expect(t.curve!.values[7]!).toBeLessThan(Math.max(...t.curve!.values) - 0.04);
    const r = curveDiagnostics(toStudy(st), { validationMetric: st.objective.metric, validationDirection: "maximize", trainMetric: "train/loss" });
    const d = r.trials.find((x) => x.trial === "trial-000051")!;
    expect(d.findings.map((f) => f.code)).not.toContain("curves.saturated");
  });
});

describe("importance: a hyperparameter only matters beyond chance", () => {
  it("DeepCAVE and the MNIST Halton study: permuted (unrelated) columns get importance 0 at about the stated α; learning_rate still matters", async () => {
    const { IMPORTANCE_ALPHA } = await import("../../src/analysis/importance.js");
    const { importanceNullCases } = await import("../../validation/rules.js");
    const mnist = readRunnerStudy(new URL("../../datasets/mnist_tunebook/study", import.meta.url).pathname, "mnist_tunebook", "random");
    let n = 0;
    let flagged = 0;
    for (const st of [...readDeepCave(), mnist]) {
      const real = importance(toStudy(st));
      // The unpermuted study: the learning rate is significant and ranked.
      expect(real.importances.find((x) => x.hparam === "learning_rate")!.significant, st.name).toBe(true);
      for (const c of importanceNullCases(st, 5)) {
        const imp = importance(toStudy(c.study)).importances.find((x) => x.hparam === c.hparam)!;
        if (imp.insufficient) continue;
        n++;
        if (imp.importance > 0) flagged++;
        // Importance above 0 only with a Holm-adjusted p at or below α.
        expect(imp.importance > 0).toBe(imp.significant);
        if (imp.significant) expect(imp.adjustedP).toBeLessThanOrEqual(IMPORTANCE_ALPHA);
      }
    }
    expect(n).toBeGreaterThanOrEqual(80);
    expect(flagged / n).toBeLessThanOrEqual(IMPORTANCE_ALPHA);
  }, 120_000);

  it("a study in which nothing matters says so (importance.none), naming the smallest p", () => {
    const st = readRunnerStudy(new URL("../../datasets/mnist_tunebook/study", import.meta.url).pathname, "mnist_tunebook", "random");
    // Shuffle the objective against the configurations: every column is then unrelated to it.
    const objs = st.trials.map((t) => ({ objective: t.objective, curve: t.curve }));
    const perm = objs.map((_, i) => objs[(i * 37 + 11) % objs.length]!);
    const shuffled = { ...st, trials: st.trials.map((t, i) => ({ ...t, objective: perm[i]!.objective, curve: perm[i]!.curve })) };
    const r = importance(toStudy(shuffled));
    expect(r.importances.every((x) => x.importance === 0)).toBe(true);
    expect(r.findings.map((f) => f.code)).toEqual(["importance.none"]);
    const smallest = Math.min(...r.importances.map((x) => x.pValue));
    expect(r.findings[0]!.message).toContain(`smallest p = ${fmt(smallest)}`);
  });
});
