import { describe, expect, it } from "vitest";
import { curveDiagnostics, diagnoseTrialCurves, DEFAULT_CURVE_THRESHOLDS, resolveMetricRoles, metricDirection } from "../../src/analysis/index.js";
import { STEPS, expLoss, noise, studyOf } from "./synthetic.js";

const codes = (fs: { code: string }[]) => fs.map((f) => f.code).sort();

// Clean curves: τ = 0.12·T (see docs/analyses.md): within 2% of their level (the floor, 1) only after
// 55% of training, and the last 20% of steps better than the 20% before by 0.6% of it (mean 1.0072 over
// steps 590–790, 1.0013 over 800–1000): neither still improving nor saturated early.
const cleanTrain = expLoss(120, 0.8, 2.2);
const cleanVal = expLoss(120, 1, 2);

describe("curve diagnostics on curves made to show each problem", () => {
  it("clean curves give no finding (loss and accuracy)", () => {
    const s = studyOf([{ id: "clean", train: cleanTrain, val: cleanVal }]);
    const r = curveDiagnostics(s);
    expect(r.roles).toMatchObject({ train: "train_loss", validation: "val_loss", validationDirection: "minimize" });
    expect(r.trials).toHaveLength(1);
    expect(r.trials[0]!.findings).toEqual([]);
    expect(r.findings).toEqual([]);
    // The same curve as an accuracy: level 0.1 (the error at the end), starting twice that below it.
    const acc = studyOf([{ id: "clean", train: cleanTrain, val: STEPS.map((t) => 0.9 - 0.2 * Math.exp(-t / 120)) }], "maximize");
    expect(curveDiagnostics(acc).findings).toEqual([]);
  });

  it("small noise on a clean curve stays clean", () => {
    const n = noise(7);
    const s = studyOf([{ id: "c", train: cleanTrain.map((v, i) => v + 0.005 * n(i)), val: cleanVal.map((v, i) => v + 0.005 * n(i + 300)) }]);
    expect(curveDiagnostics(s).findings).toEqual([]);
  });

  it("overfitting: validation worsens while train keeps improving", () => {
    // Validation best near step 400, then +0.001 per step: +0.6 at the end (about 58% of its level, the best value ≈ 1.03).
    const val = expLoss(60, 1, 2, (t) => 0.001 * Math.max(0, t - 400));
    const r = diagnoseTrialCurves({ trial: "of", train: { steps: STEPS, values: expLoss(100, 0.1, 2.9) }, validation: { steps: STEPS, values: val } }, "minimize");
    expect(codes(r.findings)).toEqual(["curves.overfitting"]);
    const ev = r.findings[0]!.evidence;
    expect(ev.bestStep as number).toBeGreaterThanOrEqual(300);
    expect(ev.bestStep as number).toBeLessThanOrEqual(450);
    expect(ev.finalStep).toBe(1000);
    expect(ev.trainImproving).toBe(true);
    expect(ev.relativeWorsening as number).toBeGreaterThan(0.5);
    expect(ev.relativeWorsening as number).toBeLessThan(0.62);
  });

  it("overfitting on a maximized metric (accuracy falls late)", () => {
    const acc = STEPS.map((t) => 0.9 - 0.8 * Math.exp(-t / 60) - 0.0003 * Math.max(0, t - 500));
    const r = diagnoseTrialCurves({ trial: "a", train: { steps: STEPS, values: expLoss(100, 0.1, 2) }, validation: { steps: STEPS, values: acc } }, "maximize");
    expect(codes(r.findings)).toEqual(["curves.overfitting"]);
    expect(r.findings[0]!.evidence.finalValue as number).toBeCloseTo(0.75, 2);
  });

  it("validation getting worse while train gets worse too is not overfitting but train_loss_increasing", () => {
    const up = (t: number) => 0.002 * Math.max(0, t - 500);
    const r = diagnoseTrialCurves({ trial: "bug", train: { steps: STEPS, values: expLoss(100, 0.8, 2.2, up) }, validation: { steps: STEPS, values: expLoss(100, 1, 2, up) } }, "minimize");
    expect(codes(r.findings)).toEqual(["curves.train_loss_increasing"]);
    const ev = r.findings[0]!.evidence;
    expect(ev.minStep as number).toBeGreaterThanOrEqual(450);
    expect(ev.minStep as number).toBeLessThanOrEqual(560);
    expect(ev.finalValue as number).toBeCloseTo(0.8 + 2.2 * Math.exp(-10) + 1.0, 1);
  });

  it("noisy late: big step-to-step variance only in the last quarter", () => {
    const n = noise(3);
    const val = cleanVal.map((v, i) => (STEPS[i]! >= 780 ? v + 0.4 * n(i) : v));
    const r = diagnoseTrialCurves({ trial: "n", train: { steps: STEPS, values: cleanTrain }, validation: { steps: STEPS, values: val } }, "minimize");
    expect(codes(r.findings)).toContain("curves.noisy_late");
    const f = r.findings.find((x) => x.code === "curves.noisy_late")!;
    expect(f.evidence.metric).toBe("validation");
    expect(f.evidence.relativeNoise as number).toBeGreaterThan(0.05);
    // The same noise before the last quarter is not "late".
    const early = cleanVal.map((v, i) => (STEPS[i]! >= 300 && STEPS[i]! < 600 ? v + 0.4 * n(i) : v));
    const r2 = diagnoseTrialCurves({ trial: "e", train: { steps: STEPS, values: cleanTrain }, validation: { steps: STEPS, values: early } }, "minimize");
    expect(codes(r2.findings)).not.toContain("curves.noisy_late");
  });

  it("still improving: slow curve (τ = T)", () => {
    const r = diagnoseTrialCurves({ trial: "s", train: { steps: STEPS, values: expLoss(1000, 0.8, 2.2) }, validation: { steps: STEPS, values: expLoss(1000) } }, "minimize");
    expect(codes(r.findings)).toEqual(["curves.still_improving"]);
    // Least-squares improvement over the last 20%: 2(e^-0.8 − e^-1) ≈ 0.163 of a scale 3 − (1 + 2e^-1) ≈ 1.26.
    expect(r.findings[0]!.evidence.relativeImprovement as number).toBeCloseTo(0.163 / 1.264, 1);
  });

  it("saturated: fast curve (τ = 0.05·T) flat for the second half", () => {
    const r = diagnoseTrialCurves({ trial: "f", train: { steps: STEPS, values: expLoss(50, 0.8, 2.2) }, validation: { steps: STEPS, values: expLoss(50) } }, "minimize");
    expect(codes(r.findings)).toEqual(["curves.saturated"]);
    const ev = r.findings[0]!.evidence;
    // Within 2% of the level (the floor, 1) of the best: 2e^{-t/50} ≤ 0.02 → t ≥ 230 (smoothing moves it a step or two).
    expect(ev.saturationStep as number).toBeGreaterThanOrEqual(215);
    expect(ev.saturationStep as number).toBeLessThanOrEqual(250);
  });

  it("diverged: NaN at a known step, and a blow-up that stays", () => {
    const nan = cleanTrain.map((v, i) => (STEPS[i]! >= 600 ? NaN : v));
    const r = diagnoseTrialCurves({ trial: "d", train: { steps: STEPS, values: nan }, validation: { steps: STEPS, values: cleanVal } }, "minimize");
    expect(codes(r.findings)).toEqual(["curves.diverged"]);
    expect(r.findings[0]!.evidence).toMatchObject({ step: 600, reason: "non_finite" });
    expect(r.divergedStep).toBe(600);
    const blow = cleanTrain.map((v, i) => (STEPS[i]! >= 420 ? 50 : v));
    const r2 = diagnoseTrialCurves({ trial: "b", train: { steps: STEPS, values: blow } }, "minimize");
    expect(r2.findings[0]!.evidence).toMatchObject({ step: 420, reason: "blowup", blowupFactor: 3 });
  });

  it("a blow-up that recovers is a loss spike (early instability)", () => {
    const spiky = cleanTrain.map((v, i) => (STEPS[i] === 100 ? 20 : v));
    const r = diagnoseTrialCurves({ trial: "sp", train: { steps: STEPS, values: spiky }, validation: { steps: STEPS, values: cleanVal } }, "minimize");
    expect(codes(r.findings)).toContain("curves.loss_spike");
    expect(r.findings.find((f) => f.code === "curves.loss_spike")!.evidence).toMatchObject({ step: 100, value: 20, phase: "early" });
    expect(r.divergedStep).toBeNull();
  });

  it("thresholds are configurable", () => {
    const tr = { steps: STEPS, values: expLoss(1000, 0.8, 2.2) };
    const va = { steps: STEPS, values: expLoss(1000) };
    const strict = diagnoseTrialCurves({ trial: "s", train: tr, validation: va }, "minimize", { ...DEFAULT_CURVE_THRESHOLDS, stillImproving: 0.5 });
    expect(strict.findings).toEqual([]);
  });

  it("a run that barely learned is judged on its level, not on its tiny improvement", () => {
    const n = noise(11);
    // 3 normal runs improve by ~2; the failed run improves by 0.05 and wiggles by ±0.02 late.
    const failed = STEPS.map((t, i) => 2.95 + 0.05 * Math.exp(-t / 100) + (t >= 750 ? 0.02 * n(i) : 0));
    const trials = [
      { id: "a", train: cleanTrain, val: cleanVal },
      { id: "b", train: cleanTrain, val: expLoss(210) },
      { id: "c", train: cleanTrain, val: expLoss(190) },
      { id: "failed", train: cleanTrain, val: failed },
    ];
    // Its level is ≈ 2.95 (a loss, bound 0): ±0.02 wiggles are under 1% of it, not "noisy late".
    const r = curveDiagnostics(studyOf(trials));
    const f = r.trials.find((t) => t.trial === "failed")!;
    expect(codes(f.findings)).not.toContain("curves.noisy_late");
    expect(f.validation!.scale).toBeCloseTo(2.95, 1);
    expect(f.validation!.ownScale).toBeLessThan(0.06);
  });

  it("summarises over a study: one finding per code, listing trials and whether the best trial is affected", () => {
    const s = studyOf([
      { id: "clean", train: cleanTrain, val: cleanVal },
      { id: "slow1", train: expLoss(1000, 0.8, 2.2), val: expLoss(1000) },
      { id: "slow2", train: expLoss(900, 0.8, 2.2), val: expLoss(900, 1.05) },
      { id: "nan", train: cleanTrain.map((v, i) => (i >= 30 ? NaN : v)), val: cleanVal.map((v, i) => (i >= 30 ? NaN : v)) },
    ]);
    const r = curveDiagnostics(s);
    expect(r.counts["curves.still_improving"]).toBe(2);
    expect(r.counts["curves.diverged"]).toBe(1);
    expect(r.counts["curves.overfitting"]).toBe(0);
    const si = r.findings.find((f) => f.code === "curves.still_improving")!;
    expect(si.evidence.trials).toEqual(["slow1", "slow2"]);
    expect(si.evidence.bestTrialAffected).toBe(false); // the clean trial is the best (val → 1.0135)
    const dv = r.findings.find((f) => f.code === "curves.diverged")!;
    expect(dv.evidence.trials).toEqual(["nan"]);
    expect((dv.evidence.examples as Array<{ step: number }>)[0]!.step).toBe(300);
    expect(s.trial("nan")!.status).toBe("diverged");
  });
});

describe("metric roles", () => {
  it("resolves AlgoPerf names", () => {
    const r = resolveMetricRoles(["loss", "grad_norm", "train/loss", "validation/loss", "validation/accuracy", "test/accuracy"], { metric: "validation/accuracy", direction: "maximize" });
    expect(r).toEqual({ train: "train/loss", validation: "validation/accuracy", validationDirection: "maximize", gradNorm: "grad_norm" });
  });
  it("resolves generic names and guesses directions", () => {
    expect(resolveMetricRoles(["loss", "accuracy"])).toEqual({ train: "loss", validation: "accuracy", validationDirection: "maximize", gradNorm: null });
    expect(resolveMetricRoles(["train_loss", "val_loss", "gradient_norm"])).toMatchObject({ train: "train_loss", validation: "val_loss", validationDirection: "minimize", gradNorm: "gradient_norm" });
    // An objective that is a test metric is not used as the validation curve.
    expect(resolveMetricRoles(["train_loss", "val_acc", "test_acc"], { metric: "test_acc", direction: "maximize" }).validation).toBe("val_acc");
    expect(metricDirection("validation/wer")).toBe("minimize");
    expect(metricDirection("validation/ssim")).toBe("maximize");
    expect(metricDirection("validation/mean_average_precision")).toBe("maximize");
    expect(metricDirection("validation/bleu")).toBe("maximize");
  });
});
