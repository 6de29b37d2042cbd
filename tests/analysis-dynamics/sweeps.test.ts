import { describe, expect, it } from "vitest";
import { batchSizeScaling, batchSizeScan, checkpointSelection, gradientClipping, gradSpikes, learningRateSweep, lossInstability, roundsPlan, trainingSteps, warmupPlan } from "../../src/analysis/index.js";
import { STEPS, expLoss, studyOf } from "./synthetic.js";
import { hparamsToTrainConfig } from "../../src/train/hparams.js";
import { defaultTrainConfig } from "../../src/train/config.js";

describe("checkpoint selection", () => {
  it("best steps in the first 10% → best_early; fractions are bestStep / lastStep", () => {
    // Validation best at step 50 (of 1000), then worse.
    const s = studyOf(["a", "b", "c", "d"].map((id, k) => ({ id, val: STEPS.map((t) => Math.abs(t - 50 - 10 * k) / 1000 + 1) })));
    const r = checkpointSelection(s);
    expect(r.trials.map((t) => t.bestStep)).toEqual([50, 60, 70, 80]);
    expect(r.trials.map((t) => t.bestStepFraction)).toEqual([0.05, 0.06, 0.07, 0.08]);
    expect(r.findings.map((f) => f.code)).toEqual(["checkpoints.best_early"]);
    expect(r.distribution!.median).toBeCloseTo(0.065, 10);
    expect(r.histogram.counts[0]).toBe(4);
  });
  it("best steps in the last 25% → best_late; mixed → no finding; maximize and per-trial last step", () => {
    const late = studyOf(["a", "b", "c"].map((id) => ({ id, val: expLoss(300) })));
    expect(checkpointSelection(late).findings.map((f) => f.code)).toEqual(["checkpoints.best_late"]);
    const mixed = studyOf([
      { id: "a", val: expLoss(300) },
      { id: "b", val: STEPS.map((t) => Math.abs(t - 500) + 1) },
      { id: "c", val: STEPS.map((t) => Math.abs(t - 50) + 1) },
    ]);
    const m = checkpointSelection(mixed);
    expect(m.findings).toEqual([]);
    expect(m.trials.map((t) => t.bestStepFraction)).toEqual([1, 0.5, 0.05]);
    const acc = studyOf([{ id: "a", val: STEPS.slice(0, 51).map((t) => Math.min(t, 200) / 1000), steps: STEPS.slice(0, 51) }], "maximize");
    const r = checkpointSelection(acc);
    expect(r.trials[0]).toMatchObject({ bestStep: 200, lastStep: 500, bestStepFraction: 0.4 });
    expect(checkpointSelection(mixed, { minShare: 0.3 }).findings.map((f) => f.code).sort()).toEqual(["checkpoints.best_early", "checkpoints.best_late"]);
  });
});

describe("gradient clipping", () => {
  it("p90 threshold (type-7 quantile) and clipped fraction", () => {
    const norms = Array.from({ length: 101 }, (_, i) => i / 10); // 0.0 … 10.0
    const r = gradientClipping(norms);
    expect(r.recommendedThreshold).toBeCloseTo(9.0, 12); // index (n−1)·0.9 = 90
    expect(r.clippedFraction).toBeCloseTo(10 / 101, 12);
    expect(r.findings.map((f) => f.code)).toEqual(["clipping.threshold"]);
    const q = gradientClipping([1, 2, 3, 4], { quantile: 0.5 });
    expect(q.recommendedThreshold).toBe(2.5);
  });
  it("clipping.too_frequent when a given threshold clips more than half the updates", () => {
    const norms = Array.from({ length: 100 }, (_, i) => 1 + i / 100);
    const r = gradientClipping(norms, { threshold: 1.4 });
    expect(r.clippedFraction).toBeCloseTo(0.59, 12);
    expect(r.findings.map((f) => f.code)).toContain("clipping.too_frequent");
    expect(gradientClipping(norms, { threshold: 1.5 }).findings.map((f) => f.code)).not.toContain("clipping.too_frequent");
  });
  it("spikes: norms above k × rolling median, with their steps and phase", () => {
    const norms = Array.from({ length: 200 }, () => 1);
    norms[10] = 8;
    norms[150] = 12;
    const sp = gradSpikes({ steps: norms.map((_, i) => i), norms }, { factor: 5, window: 20 });
    expect(sp.map((s) => [s.step, s.phase])).toEqual([[10, "early"], [150, "mid"]]);
    const r = gradientClipping({ trial: "t", steps: norms.map((_, i) => i), norms });
    expect(r.findings.find((f) => f.code === "clipping.spikes")!.evidence).toMatchObject({ count: 2, early: 1, mid: 1 });
  });
  it("keeps NaN norms out of the quantiles and reports them", () => {
    const r = gradientClipping([1, 2, NaN, 3, Infinity]);
    expect(r.quantiles!.n).toBe(3);
    expect(r.nonFinite).toBe(2);
    expect(r.findings.map((f) => f.code)).toContain("clipping.non_finite");
  });
});

/** A learning-rate sweep: stable up to 0.03; 0.1 rises at step 200; 0.3 NaN at step 50. */
function lrSweep() {
  const lrs = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
  return studyOf(
    lrs.map((lr, k) => {
      const tau = 400 / (k + 1);
      let train = expLoss(tau, 0.5, 2);
      if (lr === 0.1) train = train.map((v, i) => (STEPS[i]! >= 200 ? v + 1.5 : v));
      if (lr === 0.3) train = train.map((v, i) => (STEPS[i]! >= 50 ? NaN : v));
      return { id: `lr${lr}`, hparams: { learning_rate: lr }, train, val: train.map((v) => v + 0.2) };
    }),
  );
}

describe("instability and warmup", () => {
  it("lossInstability finds the rise", () => {
    expect(lossInstability({ steps: [0, 1, 2, 3, 4, 5, 6, 7], values: [4, 3, 2, 1, 1, 3, 3, 3] }, { smoothWindow: 1 })).toEqual({ kind: "loss_rise", step: 5, value: 3, reference: 1 });
    expect(lossInstability({ steps: STEPS, values: expLoss(100) })).toBeNull();
  });
  it("lr* is the largest stable learning rate; the curves above it are unstable, with their steps", () => {
    const r = learningRateSweep(lrSweep());
    expect(r.lrParam).toBe("learning_rate");
    expect(r.metric).toBe("train_loss");
    expect(r.lrStar).toBe(0.03);
    expect(r.unstableLr).toBe(0.1);
    expect(r.unstableAbove.map((t) => [t.learningRate, t.kind, t.step])).toEqual([
      [0.1, "loss_rise", 200],
      [0.3, "diverged", 50],
    ]);
    expect(r.bestLr).toBe(0.03);
    const f = r.findings.find((x) => x.code === "instability.unstable_above")!;
    expect(f.evidence).toMatchObject({ lrStar: 0.03, bestAtEdge: true });
  });
  it("a sweep with no instability gives lr* = the largest rate and no finding; lr param aliases", () => {
    const s = studyOf([0.01, 0.1].map((lr) => ({ id: `t${lr}`, hparams: { lr }, train: expLoss(200) })));
    const r = learningRateSweep(s);
    expect(r.lrParam).toBe("lr");
    expect(r.lrStar).toBe(0.1);
    expect(r.findings).toEqual([]);
  });
  it("warmup plan: 10× the unstable rate, warmups up to 10% of max steps, post-warmup 2× warmup, frequent evals", () => {
    const p = warmupPlan({ lrStar: 0.03, unstableLr: 0.1, maxTrainSteps: 100_000 });
    expect(p.baseLearningRate).toBeCloseTo(1.0, 12);
    expect(p.lengths).toEqual([10, 100, 1000, 10_000]);
    expect(p.trials[2]).toEqual({
      learning_rate: p.baseLearningRate, warmup_steps: 1000, post_warmup_steps: 2000, max_train_steps: 3000, schedule: "linear_warmup_then_constant", eval_every: 100,
      hparams: { learning_rate: p.baseLearningRate, warmup_steps: 1000, schedule: "constant", max_train_steps: 3000, eval_every: 100 },
    });
    expect(p.probe).toEqual({ learning_rate: 0.06, max_train_steps: 500, eval_every: 1, schedule: "constant" });
    expect(warmupPlan({ lrStar: 0.01, maxTrainSteps: 50_000 }).lengths).toEqual([10, 100, 1000, 5000]);
    const cos = warmupPlan({ lrStar: 0.01, maxTrainSteps: 20_000, lengths: [200, 1000, 5000], schedule: "linear_warmup_then_cosine" });
    expect(cos.lengths).toEqual([200, 1000]); // 5000 > 10% of 20,000 is dropped
    expect(cos.trials.map((t) => t.max_train_steps)).toEqual([20_200, 21_000]);
    expect(cos.trials[0]!.hparams.schedule).toBe("cosine");
    // The trainer accepts each trial's hparams as is.
    const cfg = hparamsToTrainConfig(defaultTrainConfig(), p.trials[2]!.hparams);
    expect(cfg.optimizer.learning_rate).toBeCloseTo(1.0, 12);
    expect(cfg.schedule).toMatchObject({ name: "constant", warmup_steps: 1000 });
    expect([cfg.steps, cfg.eval_every]).toEqual([3000, 100]);
    expect(() => warmupPlan({ lrStar: 0, maxTrainSteps: 10 })).toThrow();
  });
});

describe("batch size", () => {
  it("scan: throughput plateau, OOM, largest feasible", () => {
    const r = batchSizeScan([
      { batchSize: 32, examplesPerSec: 1000 },
      { batchSize: 64, examplesPerSec: 1950 },
      { batchSize: 128, examplesPerSec: 3000 },
      { batchSize: 256, examplesPerSec: 3200 },
      { batchSize: 512, oom: true },
    ]);
    expect(r.plateauBatchSize).toBe(128);
    expect(r.largestFeasible).toBe(256);
    expect(r.smallestOom).toBe(512);
    expect(r.recommended).toBe(128);
    expect(r.points[1]!.gain).toBeCloseTo(0.95, 12);
    expect(r.points[2]!.timePerStep).toBeCloseTo(128 / 3000, 12);
    expect(r.findings.map((f) => f.code).sort()).toEqual(["batch_size.oom", "batch_size.throughput_plateau"]);
    // The trainer's snake_case rows are accepted too.
    const s = batchSizeScan([{ batch_size: 8, examples_per_sec: 100, status: "ok" }, { batch_size: 16, examples_per_sec: null, status: "oom" }]);
    expect([s.largestFeasible, s.smallestOom, s.plateauBatchSize]).toEqual([8, 16, null]);
  });
  it("scaling: perfect, diminishing, flat per doubling", () => {
    const r = batchSizeScaling([
      { batchSize: 64, stepsToResult: 8000 },
      { batchSize: 128, stepsToResult: 4000 },
      { batchSize: 256, stepsToResult: 3000 },
      { batchSize: 512, stepsToResult: 2900 },
    ]);
    expect(r.steps.map((s) => s.regime)).toEqual(["perfect", "diminishing", "flat"]);
    expect(r.steps[0]!.efficiency).toBeCloseTo(1, 12);
    expect(r.steps[1]!.efficiency).toBeCloseTo(Math.log2(4 / 3), 12);
    expect([r.perfectUpTo, r.flatFrom, r.fastest]).toEqual([128, 256, 256]);
    expect(r.findings.map((f) => f.code)).toEqual(["batch_size.scaling_perfect", "batch_size.scaling_diminishing", "batch_size.scaling_flat"]);
  });
});

describe("training steps", () => {
  it("max_train_steps = where the best trial of a constant-lr sweep reaches its best (within 1%)", () => {
    // lr 0.01 is fastest (τ=100) and best: within 1% of its 2.0 improvement → 2e^{-t/100} ≤ 0.02 + 2e^{-10} → t ≈ 461 → first step 470.
    const s = studyOf([
      { id: "slow", hparams: { learning_rate: 0.001 }, train: expLoss(400, 0.6) },
      { id: "best", hparams: { learning_rate: 0.01 }, train: expLoss(100, 0.5) },
      { id: "mid", hparams: { learning_rate: 0.1 }, train: expLoss(150, 0.55) },
    ]);
    const r = trainingSteps(s);
    expect(r.metric).toBe("train_loss");
    expect(r.trial).toBe("best");
    expect(r.maxTrainSteps).toBe(470);
    expect(r.trainedSteps).toBe(1000);
    expect(r.nearEnd).toBe(false);
    expect(r.lrAtBoundary).toBeNull();
    expect(r.plan!.rounds.map((x) => x.maxTrainSteps)).toEqual([100, 1000]);
    expect(r.findings.map((f) => f.code)).toEqual(["training_steps.max_train_steps"]);
    // With a target: the fastest trial to reach train loss ≤ 0.7.
    const t = trainingSteps(s, { target: 0.7 });
    expect(t.trial).toBe("best");
    expect(t.maxTrainSteps).toBe(240); // 0.5 + 2e^{-t/100} ≤ 0.7 → t ≥ 100·ln 10 ≈ 230.3 → first step 240
  });
  it("near the end and learning rate at the sweep's edge are flagged", () => {
    const s = studyOf([
      { id: "a", hparams: { learning_rate: 0.001 }, train: expLoss(2000, 0.2) },
      { id: "b", hparams: { learning_rate: 0.01 }, train: expLoss(3000, 0.3) },
      { id: "c", hparams: { learning_rate: 0.1 }, train: expLoss(4000, 0.4) },
    ]);
    const r = trainingSteps(s);
    expect(r.trial).toBe("a");
    expect(r.nearEnd).toBe(true);
    expect(r.lrAtBoundary).toBe("lower");
    expect(r.findings.map((f) => f.code).sort()).toEqual(["training_steps.lr_at_boundary", "training_steps.max_train_steps", "training_steps.near_end"]);
  });
  it("rounds plan: Round 1 at ~10% of production", () => {
    const p = roundsPlan(100_000);
    expect(p.rounds.map((r) => [r.round, r.maxTrainSteps, r.trials])).toEqual([[1, 10_000, "many"], [2, 100_000, "very few"]]);
    expect(p.transfer.veryLikely).toContain("warmup length");
    expect(roundsPlan(50_000, 0.2).rounds[0]!.maxTrainSteps).toBe(10_000);
  });
});

describe("batch size from a study", () => {
  it("throughput per batch size (median examples_per_sec), OOM trials, and steps to a common result", async () => {
    const { StudyBuilder } = await import("../../src/study/builder.js");
    const { batchSizeStudy } = await import("../../src/analysis/index.js");
    const b = new StudyBuilder("bs", { metric: "validation/loss", direction: "minimize" });
    // Steps to reach loss 1.2: batch 32 → 800, 64 → 400 (perfect), 128 → 300, 256 → 290 (flat); 512 OOM.
    const reach: Record<number, number> = { 32: 800, 64: 400, 128: 300, 256: 290 };
    const eps: Record<number, number> = { 32: 1000, 64: 1900, 128: 3000, 256: 3100 };
    for (const bs of [32, 64, 128, 256]) {
      const id = `b${bs}`;
      b.trial({ id, hparams: { batch_size: bs, learning_rate: 0.1 } });
      for (let step = 0; step <= 1000; step += 10) {
        // Linear decrease from 2.2 to exactly 1.2 at step reach[bs], then flat at 1.2.
        b.measure(id, step, "validation/loss", step >= reach[bs]! ? 1.2 : 2.2 - step / reach[bs]!);
        // ±5 on 50 + 50 steps (0…990): the median is exactly eps.
        if (step < 1000) b.measure(id, step, "examples_per_sec", eps[bs]! + (step % 20 === 0 ? 5 : -5));
      }
    }
    b.trial({ id: "b512", status: "oom", hparams: { batch_size: 512, learning_rate: 0.1 } });
    const r = batchSizeStudy(b.build());
    expect(r.batchParam).toBe("batch_size");
    expect(r.throughputMetric).toBe("examples_per_sec");
    expect(r.scan!.points.map((p) => p.examplesPerSec)).toEqual([1000, 1900, 3000, 3100, null]);
    expect(r.scan!.smallestOom).toBe(512);
    expect(r.scan!.plateauBatchSize).toBe(128);
    expect(r.target).toBe(1.2);
    expect(r.stepsToResult).toEqual([
      { batchSize: 32, stepsToResult: 800 },
      { batchSize: 64, stepsToResult: 400 },
      { batchSize: 128, stepsToResult: 300 },
      { batchSize: 256, stepsToResult: 290 },
      { batchSize: 512, stepsToResult: null },
    ]);
    expect(r.scaling!.steps.map((s) => s.regime)).toEqual(["perfect", "diminishing", "flat"]);
  });
});
