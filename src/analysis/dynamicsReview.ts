/**
 * The training-dynamics analyses as review entries (see `review.ts`): each applies only when the
 * study has the data it needs (curves, `grad_norm`, a learning-rate sweep…). Options travel in
 * `review(study, { analysis: { curves: {…}, checkpoints: {…}, … } })`.
 */
import type { Study } from "../study/study.js";
import type { ReviewAnalysis, ReviewOptions } from "./review.js";
import { curveDiagnostics, type CurveOptions } from "./curves.js";
import { checkpointSelection, type CheckpointOptions } from "./checkpoints.js";
import { gradientClipping, type ClippingOptions } from "./clipping.js";
import { findLrParam, learningRateSweep, warmupPlanFromSweep, type LrSweepOptions } from "./warmup.js";
import { trainingSteps, type TrainingStepsOptions } from "./trainingSteps.js";
import { batchSizeStudy, type BatchSizeStudyOptions } from "./batchSize.js";
import { resolveMetricRoles } from "./metricRoles.js";

/** Hyperparameters that mean the learning rate is not constant (weight_decay is not one). */
const SCHEDULE_HP = /warmup|lr_decay|decay_steps|decay_rate|decay_factor|schedule|cosine|end_factor|power_decay/i;
const opt = <T>(o: ReviewOptions, name: string): T => (o.analysis?.[name] ?? {}) as T;
const roles = (s: Study) => resolveMetricRoles(s.metrics(), s.objective);
/** Distinct numeric learning rates of the study (0 when it has no learning-rate hyperparameter). */
const lrCount = (s: Study): number => {
  const p = findLrParam(s.hyperparameters());
  if (!p) return 0;
  return new Set(s.trialRows().map((r) => r.hparams[p]).filter((v) => typeof v === "number")).size;
};

/**
 * Review entries: `curves`, `checkpoints`, `clipping`, `instability` (learning-rate sweep, plus a
 * warmup plan when curves above lr* are unstable) and `trainingSteps` (only for studies that look
 * like constant-learning-rate sweeps, or when `analysis.trainingSteps` options are given), and
 * `batchSize` (trials that vary the batch size and log throughput or objective curves).
 *
 * @example
 * REVIEW_ANALYSES.push(...DYNAMICS_ANALYSES);
 */
export const DYNAMICS_ANALYSES: ReviewAnalysis[] = [
  {
    name: "curves",
    applies: (s) => {
      const r = roles(s);
      return s.measurementCount > 0 && (r.train !== null || r.validation !== null);
    },
    run: (s, o) => curveDiagnostics(s, opt<CurveOptions>(o, "curves")),
  },
  {
    name: "checkpoints",
    applies: (s) => s.metrics().includes(s.objective.metric),
    run: (s, o) => checkpointSelection(s, opt<CheckpointOptions>(o, "checkpoints")),
  },
  {
    name: "clipping",
    applies: (s, o) => {
      const m = opt<ClippingOptions>(o, "clipping").metric ?? roles(s).gradNorm;
      return m !== null && s.metrics().includes(m);
    },
    run: (s, o) => gradientClipping(s, opt<ClippingOptions>(o, "clipping")),
  },
  {
    name: "instability",
    applies: (s) => lrCount(s) >= 2 && s.measurementCount > 0,
    run: (s, o) => {
      const sweep = learningRateSweep(s, opt<LrSweepOptions>(o, "instability"));
      if (!sweep.unstableAbove.length) return sweep;
      const maxSteps = Math.max(0, ...s.trialRows().map((r) => r.steps ?? 0));
      const plan = maxSteps > 0 ? warmupPlanFromSweep(sweep, maxSteps) : null;
      return plan ? { ...sweep, warmupPlan: plan, findings: [...sweep.findings, ...plan.findings] } : sweep;
    },
  },
  {
    // The max_train_steps rule is for a constant-learning-rate sweep: skipped when the study varies a
    // schedule hyperparameter (warmup, decay steps, schedule…) unless its options are given.
    name: "trainingSteps",
    applies: (s, o) =>
      lrCount(s) >= 2 &&
      (roles(s).train !== null || s.metrics().includes(s.objective.metric)) &&
      (o.analysis?.trainingSteps !== undefined || !s.hyperparameters().some((h) => SCHEDULE_HP.test(h))),
    run: (s, o) => trainingSteps(s, opt<TrainingStepsOptions>(o, "trainingSteps")),
  },
  {
    name: "batchSize",
    applies: (s, o) => {
      const r = batchSizeStudy(s, opt<BatchSizeStudyOptions>(o, "batchSize"));
      return r.scan !== null || r.scaling !== null;
    },
    run: (s, o) => batchSizeStudy(s, opt<BatchSizeStudyOptions>(o, "batchSize")),
  },
];
