/**
 * The training-dynamics analyses as review entries (see `review.ts`): each applies only when the
 * study has the data it needs (curves, `grad_norm`, a learning-rate sweep…). Options travel in
 * `review(study, { analysis: { curves: {…}, checkpoints: {…}, … } })`.
 */
import type { Study } from "../study/study.js";
import type { Finding } from "./finding.js";
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

/** Fewer logged steps than this: no warmup plan (a plan in epochs of an 8-epoch run is no plan). */
const MIN_PLAN_STEPS = 100;
/** Names of hyperparameters that switch the optimizer's update rule. */
const REGIME_HP = /^(optimizer|opt|optimizer_name|use_nadam|nesterov|use_nesterov|use_momentum|disable_preconditioning|grafting_type|style|momentum_type)$/i;

/**
 * The categorical or boolean hyperparameter that switches the optimizer's update rule, when one
 * varies (2–5 values); null otherwise.
 *
 * @example
 * regimeHparam(study); // "optimizer" in a sweep of Adam and SGD learning rates
 */
export function regimeHparam(s: Study): string | null {
  for (const h of s.hyperparameters()) {
    if (!REGIME_HP.test(h)) continue;
    const vals = new Set(s.trialRows().map((r) => r.hparams[h] ?? null).filter((v) => v !== null));
    if (vals.size >= 2 && vals.size <= 5 && [...vals].every((v) => typeof v !== "number" || v === 0 || v === 1)) return h;
  }
  return null;
}

/**
 * Is the study a learning-rate sweep? Yes when, grouping trials by every other varying
 * hyperparameter (seeds aside), each group tries at least 2 learning rates: a 1-D sweep, or a sweep
 * repeated per optimizer/batch size. A random search, where each trial has its own configuration,
 * is not one (the max_train_steps rule reads the best trial of a constant-learning-rate sweep).
 *
 * @example
 * isLrSweep(study); // false for a 1,000-trial random search
 */
export function isLrSweep(s: Study): boolean {
  const lr = findLrParam(s.hyperparameters());
  if (!lr) return false;
  const others = s.hyperparameters().filter((h) => h !== lr && !/seed/i.test(h) && new Set(s.trialRows().map((r) => r.hparams[h] ?? null)).size > 1);
  const groups = new Map<string, Set<unknown>>();
  for (const r of s.trialRows()) {
    const k = JSON.stringify(others.map((h) => r.hparams[h] ?? null));
    let g = groups.get(k);
    if (!g) groups.set(k, (g = new Set()));
    g.add(r.hparams[lr]);
  }
  return groups.size > 0 && [...groups.values()].every((g) => g.size >= 2);
}

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
    why: (s) => (s.measurementCount === 0 ? "the log has no curves (one row per trial)" : "no training-loss or validation metric among the logged metrics"),
    run: (s, o) => curveDiagnostics(s, opt<CurveOptions>(o, "curves")),
  },
  {
    name: "checkpoints",
    applies: (s) => s.metrics().includes(s.objective.metric),
    why: (s) => `no curve of the objective ${s.objective.metric}`,
    run: (s, o) => checkpointSelection(s, opt<CheckpointOptions>(o, "checkpoints")),
  },
  {
    name: "clipping",
    applies: (s, o) => {
      const m = opt<ClippingOptions>(o, "clipping").metric ?? roles(s).gradNorm;
      return m !== null && s.metrics().includes(m);
    },
    why: () => "no gradient-norm metric is logged",
    run: (s, o) => gradientClipping(s, opt<ClippingOptions>(o, "clipping")),
  },
  {
    name: "instability",
    applies: (s) => lrCount(s) >= 2 && s.measurementCount > 0,
    why: (s) => (lrCount(s) < 2 ? "fewer than 2 learning rates" : "the log has no curves"),
    run: (s, o) => {
      // Regimes apart: a hyperparameter that changes the optimizer (SGD vs Adam, preconditioning on
      // or off) changes which learning rates are stable, so each regime gets its own lr*.
      const regime = regimeHparam(s);
      const parts: Array<[string | null, Study]> = regime
        ? [...new Set(s.trialRows().map((r) => String(r.hparams[regime] ?? "(unset)")))].sort().map((v) => [v, s.filter((r) => String(r.hparams[regime] ?? "(unset)") === v)])
        : [[null, s]];
      const findings: Finding[] = [];
      const notChecked: Array<{ check: string; reason: string }> = [];
      let first: ReturnType<typeof learningRateSweep> | undefined;
      let warmupPlan: unknown;
      for (const [value, sub] of parts) {
        const where = value === null ? "" : `${regime} = ${value}`;
        if (value !== null && lrCount(sub) < 3) {
          notChecked.push({ check: `learning-rate sweep with ${where}`, reason: `only ${lrCount(sub)} learning rate(s) in this regime (< 3)` });
          continue;
        }
        const sweep = learningRateSweep(sub, opt<LrSweepOptions>(o, "instability"));
        first ??= sweep;
        const tag = (f: Finding): Finding => (value === null ? f : { ...f, message: `(${where}) ${f.message}`, evidence: { ...f.evidence, regime: regime, regimeValue: value } });
        findings.push(...sweep.findings.map(tag));
        if (!sweep.unstableAbove.length) continue;
        const maxSteps = Math.max(0, ...sub.trialRows().map((r) => r.steps ?? 0));
        // A warmup plan needs real training steps and unstable curves, not a handful of epochs or failures alone.
        if (maxSteps < MIN_PLAN_STEPS) {
          notChecked.push({ check: `warmup plan${where ? ` (${where})` : ""}`, reason: `the runs log at most ${maxSteps} steps (< ${MIN_PLAN_STEPS}): too coarse to place a warmup` });
          continue;
        }
        const plan = warmupPlanFromSweep(sweep, maxSteps);
        if (plan) {
          warmupPlan ??= plan;
          findings.push(...plan.findings.map(tag));
        }
      }
      const base = first ?? learningRateSweep(s, opt<LrSweepOptions>(o, "instability"));
      return { ...base, ...(warmupPlan ? { warmupPlan } : {}), regime: regime ?? null, findings, notChecked };
    },
  },
  {
    // The max_train_steps rule is for a constant-learning-rate sweep: skipped when the study varies a
    // schedule hyperparameter (warmup, decay steps, schedule…) unless its options are given.
    name: "trainingSteps",
    applies: (s, o) =>
      lrCount(s) >= 2 &&
      (roles(s).train !== null || s.metrics().includes(s.objective.metric)) &&
      (o.analysis?.trainingSteps !== undefined || (!s.hyperparameters().some((h) => SCHEDULE_HP.test(h)) && isLrSweep(s))),
    why: (s) =>
      lrCount(s) < 2
        ? "fewer than 2 learning rates"
        : !(roles(s).train !== null || s.metrics().includes(s.objective.metric))
          ? "no training-loss or objective curve"
          : s.hyperparameters().some((h) => SCHEDULE_HP.test(h))
            ? "a schedule hyperparameter varies: not a constant-learning-rate sweep"
            : "not a learning-rate sweep (the other hyperparameters change from trial to trial, as in a random search)",
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
