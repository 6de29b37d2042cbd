/**
 * Training-dynamics analyses on real AlgoPerf v0.5 logs (NAdamW baseline). The curve findings
 * asserted here were checked by eye on plots of the same curves (see docs/analyses.md).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkpointSelection, curveDiagnostics, gradientClipping, learningRateSweep } from "../../src/analysis/index.js";
import { loadStudy } from "../../src/study/load.js";
import "../../src/study/formats/index.js";
import type { Study } from "../../src/study/study.js";
import { DATA } from "../helpers/cli.js";

const RAW = join(DATA, "algoperf_v05/raw_logdir/prize_qualification_baseline");
const CURVES = join(DATA, "algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline");

/** Read a simple CSV (no quoted commas in these files) into header + rows of strings. */
function readCsv(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l.length > 0);
  return { header: lines[0]!.split(","), rows: lines.slice(1).map((l) => l.split(",")) };
}

/** R/numpy type-7 quantile, written out here independently of the code under test. */
function type7(values: number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, x.length - 1);
  return x[lo]! + (h - lo) * (x[hi]! - x[lo]!);
}

/** Per-step grad_norm of each raw trial folder, parsed straight from measurements.csv. */
function rawGradNorms(): Map<string, { steps: number[]; norms: number[] }> {
  const out = new Map<string, { steps: number[]; norms: number[] }>();
  for (const study of readdirSync(RAW).sort()) {
    for (const trial of readdirSync(join(RAW, study, "imagenet_resnet_jax")).sort()) {
      const { header, rows } = readCsv(join(RAW, study, "imagenet_resnet_jax", trial, "measurements.csv"));
      const gs = header.indexOf("global_step");
      const gn = header.indexOf("grad_norm");
      const steps: number[] = [];
      const norms: number[] = [];
      for (const r of rows) {
        if (r[gn] === undefined || r[gn] === "") continue;
        steps.push(Number(r[gs]));
        norms.push(Number(r[gn]));
      }
      out.set(`${study}/imagenet_resnet_jax/${trial}`, { steps, norms });
    }
  }
  return out;
}

describe("gradient clipping on the AlgoPerf raw folders (per-step grad_norm)", () => {
  let study: Study;
  const direct = rawGradNorms();
  beforeAll(async () => {
    study = await loadStudy(RAW);
  });

  it("p90 threshold and clipped fraction equal a direct computation, per run and pooled", () => {
    expect(direct.size).toBe(10);
    const r = gradientClipping(study);
    expect(r.metric).toBe("grad_norm");
    expect(r.perTrial).toHaveLength(10);
    for (const t of r.perTrial) {
      const d = direct.get(t.trial!)!;
      expect(t.quantiles!.n).toBe(d.norms.length);
      expect(t.threshold!).toBeCloseTo(type7(d.norms, 0.9), 9);
    }
    const pooled = [...direct.values()].flatMap((d) => d.norms);
    const p90 = type7(pooled, 0.9);
    expect(r.recommendedThreshold!).toBeCloseTo(p90, 9);
    expect(r.quantiles!.p50).toBeCloseTo(type7(pooled, 0.5), 9);
    expect(r.clippedFraction).toBeCloseTo(pooled.filter((v) => v > p90).length / pooled.length, 12);
    // The pooled p90 clips about 10% of all updates, but each run differently.
    expect(r.clippedFraction).toBeGreaterThan(0.09);
    expect(r.clippedFraction).toBeLessThan(0.11);
    for (const t of r.perTrial) {
      const d = direct.get(t.trial!)!;
      expect(t.clippedFraction).toBeCloseTo(d.norms.filter((v) => v > p90).length / d.norms.length, 12);
    }
  });

  it("a given threshold: clipped fraction per run matches; clipping.too_frequent above 50%", () => {
    const r = gradientClipping(study, { threshold: 3 });
    const pooled = [...direct.values()].flatMap((d) => d.norms);
    expect(r.clippedFraction).toBeCloseTo(pooled.filter((v) => v > 3).length / pooled.length, 12);
    expect(r.clippedFraction).toBeGreaterThan(0.5);
    expect(r.findings.map((f) => f.code)).toContain("clipping.too_frequent");
    // The plain-array input gives the same numbers as the Study input.
    const one = direct.get("study_0/imagenet_resnet_jax/trial_1")!;
    const a = gradientClipping({ trial: "x", ...one });
    expect(a.recommendedThreshold!).toBeCloseTo(type7(one.norms, 0.9), 9);
  });

  it("the lr sweep finds the 0.00496 trials unstable (train/loss rises early, seen on the plot)", () => {
    const r = learningRateSweep(study);
    expect(r.lrParam).toBe("learning_rate");
    expect(r.lrStar).toBeCloseTo(0.0017486387539278373, 15);
    expect(r.unstableAbove.map((t) => t.trial).sort()).toEqual(["study_0/imagenet_resnet_jax/trial_4", "study_1/imagenet_resnet_jax/trial_4"]);
    for (const t of r.unstableAbove) {
      expect(t.kind).toBe("loss_rise");
      expect(t.phase).toBe("early");
    }
  });
});

describe("NAdamW baseline eval curves (396 trials, 18 workloads)", () => {
  let parts: Map<string, Study>;
  beforeAll(async () => {
    const all = await loadStudy(join(DATA, "algoperf_v05/curves_baseline_nadamw"));
    expect(all.size).toBe(396);
    parts = all.splitBy(
      (t) => (typeof t.attrs.workload === "string" ? t.attrs.workload : null),
      (_k, rows) => ({ metric: rows[0]!.attrs.objectiveMetric as string, direction: rows[0]!.attrs.objectiveDirection as "minimize" | "maximize" }),
    );
  }, 60_000);

  it("best-step fractions equal a direct computation from eval_measurements.csv (imagenet_resnet_jax)", () => {
    const s = parts.get("imagenet_resnet_jax")!;
    const r = checkpointSelection(s);
    expect(r.metric).toBe("validation/accuracy");
    expect(r.trials.length).toBe(25);
    for (const t of r.trials) {
      const { header, rows } = readCsv(join(CURVES, t.trial, "eval_measurements.csv"));
      const gs = header.indexOf("global_step");
      const va = header.indexOf("validation/accuracy");
      let best = -Infinity;
      let bestStep = -1;
      let last = 0;
      for (const row of rows) {
        const step = Number(row[gs]);
        const v = Number(row[va]);
        last = Math.max(last, step);
        if (Number.isFinite(v) && v > best) {
          best = v;
          bestStep = step;
        }
      }
      expect(t.bestStep).toBe(bestStep);
      expect(t.bestValue).toBeCloseTo(best, 12);
      expect(t.lastStep).toBe(last);
      expect(t.bestStepFraction).toBeCloseTo(bestStep / last, 12);
    }
    // Seen on the plots: accuracy still rises until the end of every ImageNet ResNet run.
    expect(r.findings.map((f) => f.code)).toEqual(["checkpoints.best_late"]);
    expect(r.distribution!.median).toBeGreaterThan(0.95);
  });

  it("ogbg: trial_2 overfits in every study (validation mAP peaks near 15–26k steps, then falls while train loss keeps falling)", () => {
    for (const w of ["ogbg_jax", "ogbg_model_size_jax"]) {
      const r = curveDiagnostics(parts.get(w)!);
      const of = r.findings.find((f) => f.code === "curves.overfitting")!;
      expect(of.evidence.trials).toEqual([0, 1, 2, 3, 4].map((k) => `study_${k}/${w}/trial_2`));
      for (const e of of.evidence.examples as Array<Record<string, number | boolean>>) {
        expect(e.bestStep).toBeGreaterThan(14_000);
        expect(e.bestStep).toBeLessThan(27_000);
        expect(e.bestValue).toBeGreaterThan(0.25);
        expect(e.finalValue).toBeLessThan(0.23);
        expect(e.trainImproving).toBe(true);
      }
    }
    // ogbg_model_size trial_4 never learned (mAP ≈ 0.035, flat train loss): on the workload's
    // scale its wiggles are not "noisy late".
    expect(curveDiagnostics(parts.get("ogbg_model_size_jax")!).counts["curves.noisy_late"]).toBe(0);
    // ogbg_jax trial_1 plateaus from ~25k of 57k steps (saturated), and does not overfit.
    const t1 = curveDiagnostics(parts.get("ogbg_jax")!, { trials: ["study_0/ogbg_jax/trial_1"] }).trials[0]!;
    expect(t1.findings.map((f) => f.code)).toEqual(["curves.saturated"]);
  });

  it("criteo1tb_embed_init study_2 trial_4: an early loss spike at step 207 that recovers", () => {
    const r = curveDiagnostics(parts.get("criteo1tb_embed_init_jax")!, { trials: ["study_2/criteo1tb_embed_init_jax/trial_4"] });
    const f = r.trials[0]!.findings.find((x) => x.code === "curves.loss_spike")!;
    expect(f.evidence).toMatchObject({ metric: "train/loss", step: 207, phase: "early" });
    expect(f.evidence.value as number).toBeCloseTo(5.12, 2);
    expect(r.trials[0]!.divergedStep).toBeNull();
  });

  it("still improving (imagenet_vit) vs saturated (fastmri SSIM flat after a few thousand of 36k steps)", () => {
    const vit = curveDiagnostics(parts.get("imagenet_vit_jax")!);
    expect(vit.counts["curves.still_improving"]).toBe(25);
    const fm = curveDiagnostics(parts.get("fastmri_jax")!);
    expect(fm.counts["curves.saturated"]).toBe(25);
    for (const t of fm.trials) expect(t.validation!.saturationFraction).toBeLessThan(0.5);
  });

  it("wmt_glu_tanh study_1 trial_2: BLEU collapses to 0 near 35k and 40k (late noise)", () => {
    const r = curveDiagnostics(parts.get("wmt_glu_tanh_jax")!, { trials: ["study_1/wmt_glu_tanh_jax/trial_2"] });
    const f = r.trials[0]!.findings.filter((x) => x.code === "curves.noisy_late").map((x) => x.evidence.metric);
    // Judged on the validation curve (the one trials are compared on); the train loss is not reported separately.
    expect(f).toEqual(["validation/bleu"]);
  });
});
