/**
 * Choosing the number of training steps (playbook "Determining the number of steps for each
 * training run").
 *
 * Not compute-bound: run a constant-learning-rate sweep for N steps; the number of steps the
 * fastest trial needs to reach (near-)perfect training performance is the initial guess for
 * `max_train_steps`. Bad search spaces deceive: if all learning rates are too small, N looks too
 * large, so the best learning rate must not sit at the edge of the sweep.
 *
 * Compute-bound: tune in rounds of increasing per-trial step limits (usually 1–3 rounds; the
 * playbook recommends two to start):
 * - Round 1: shorter runs to find good model and optimizer hyperparameters. "There are probably
 *   many questions we can answer while only training for ~10% of the production length", with
 *   the risk that conclusions at 10% do not hold at 20%, let alone 100%. Very likely to transfer:
 *   warmup length, initialization; likely: architecture wins; might: optimizer
 *   hyperparameters, data augmentation, regularization; unlikely: the learning-rate schedule.
 * - Round 2: very few long runs (production length) on the best Round 1 configuration; use the
 *   extra steps to extend training at a high learning rate (linear decay: keep the decay length
 *   from Round 1 and extend the constant part; cosine: keep the base lr and extend
 *   max_train_steps). Pitfall: spending the extra steps at too small a learning rate.
 */
import { type Study, summarizeCurve } from "../study/study.js";
import { type Direction, isInfeasible } from "../study/types.js";
import { finding, type Finding } from "./finding.js";
import { resolveMetricRoles } from "./metricRoles.js";
import { findLrParam } from "./warmup.js";
import { lowerIsBetter, r6 } from "./curveMath.js";
import { isLrSweep, learningRateCount } from "./warmup.js";
import { defineAnalysis, option } from "./registry.js";
import { fmt } from "./common.js";

export interface TrainingStepsOptions {
  /** Metric defining "training performance". Default: the resolved training loss, else the objective. */
  metric?: string;
  direction?: Direction;
  /** "Reached its best" = first step within `tolerance` × (first − best) of the best. Default 0.01. */
  tolerance?: number;
  /** A target value ("perfect training performance", e.g. train error 0): then max_train_steps is the fastest trial's first step reaching it. */
  target?: number;
  /** `training_steps.near_end` when the reach step is at least this fraction of the trial's steps. Default 0.9. */
  nearEnd?: number;
  /** Production length for the Round 1 / Round 2 plan. Default: the steps the sweep trained (N). */
  productionSteps?: number;
  /** Round 1 length as a fraction of production. Default 0.1 (the playbook's ~10%). */
  round1Fraction?: number;
  /** Learning-rate hyperparameter, to check the best rate is not at the sweep's edge. */
  lrParam?: string;
}

export interface TrialReach {
  trial: string;
  best: number;
  bestStep: number;
  /** First step within tolerance of its best (or reaching the target). */
  reachStep: number | null;
  lastStep: number;
}

export interface RoundsPlan {
  productionSteps: number;
  rounds: Array<{
    round: 1 | 2;
    maxTrainSteps: number;
    fractionOfProduction: number;
    trials: "many" | "very few";
    goal: string;
  }>;
  /** How likely Round 1 conclusions transfer to Round 2 (playbook, decreasing probability). */
  transfer: { veryLikely: string[]; likely: string[]; might: string[]; unlikely: string[] };
  scheduleAdvice: string[];
}

export interface TrainingStepsResult {
  metric: string;
  direction: Direction;
  method: "best_trial" | "target";
  /** The trial that sets max_train_steps. */
  trial: string | null;
  maxTrainSteps: number | null;
  /** Steps that trial trained (the sweep's N). */
  trainedSteps: number | null;
  /** maxTrainSteps / trainedSteps. */
  fraction: number | null;
  nearEnd: boolean;
  lrParam: string | null;
  /** Which edge of the swept learning rates the best trial sits on, if any. */
  lrAtBoundary: "lower" | "upper" | null;
  perTrial: TrialReach[];
  plan: RoundsPlan | null;
  findings: Finding[];
}

/**
 * The playbook's Round 1 / Round 2 plan for compute-bound training.
 *
 * @example
 * roundsPlan(100_000).rounds.map((r) => r.maxTrainSteps); // [10000, 100000]
 */
export function roundsPlan(productionSteps: number, round1Fraction = 0.1): RoundsPlan {
  return {
    productionSteps,
    rounds: [
      { round: 1, maxTrainSteps: Math.max(1, Math.round(round1Fraction * productionSteps)), fractionOfProduction: round1Fraction, trials: "many", goal: "Shorter runs to find good model and optimizer hyperparameters (quick turnaround, many trials)." },
      { round: 2, maxTrainSteps: productionSteps, fractionOfProduction: 1, trials: "very few", goal: "Very few long runs on the best Round 1 configuration to get the final model." },
    ],
    transfer: {
      veryLikely: ["warmup length", "initialization"],
      likely: ["model architecture (dramatic wins)"],
      might: ["optimizer and its hyperparameters", "data augmentation", "regularization"],
      unlikely: ["learning-rate schedule"],
    },
    scheduleAdvice: [
      "Use the extra Round 2 steps to extend training at a high learning rate.",
      "Linear decay: keep the decay length from Round 1 and extend the constant-learning-rate part at the start.",
      "Cosine decay: keep the base learning rate from Round 1 and extend max_train_steps.",
      "Pitfall: spending all the extra steps at too small a learning rate.",
    ],
  };
}

/**
 * `max_train_steps` from a constant-learning-rate sweep: the step at which the best trial (for
 * `metric`, by default the training loss) first came within `tolerance` of its best value — or,
 * with `target`, the first step at which the fastest trial reached it. Also the Round 1 / Round 2
 * plan for compute-bound runs.
 *
 * @example
 * const r = trainingSteps(sweep);
 * r.maxTrainSteps;                       // e.g. 6000 of N = 10000
 * r.plan?.rounds[0].maxTrainSteps;       // Round 1 at ~10% of production
 */
export function trainingSteps(study: Study, options: TrainingStepsOptions = {}): TrainingStepsResult {
  const roles = resolveMetricRoles(study.metrics(), study.objective);
  const metric = options.metric ?? roles.train ?? study.objective.metric;
  const direction = options.direction ?? (metric === roles.train ? "minimize" : metric === study.objective.metric ? study.objective.direction : roles.validationDirection);
  const tol = options.tolerance ?? 0.01;
  const nearEndAt = options.nearEnd ?? 0.9;
  const perTrial: TrialReach[] = [];
  for (const row of study.trialRows()) {
    if (isInfeasible(row.status)) continue;
    // A copy as number[] (the helpers below take plain arrays).
    const c = study.curve(row.id, metric);
    if (!c.steps.length) continue;
    const s = summarizeCurve(c.steps, c.values, direction);
    if (s.best === null || s.bestStep === null) continue;
    const lib = lowerIsBetter(c.values, direction);
    const bestL = direction === "minimize" ? s.best : -s.best;
    let reach: number | null = null;
    if (options.target !== undefined) {
      const tgt = direction === "minimize" ? options.target : -options.target;
      const k = lib.findIndex((v) => Number.isFinite(v) && v <= tgt);
      reach = k >= 0 ? c.steps[k]! : null;
    } else {
      const firstFinite = lib.find(Number.isFinite)!;
      const band = tol * Math.abs(firstFinite - bestL);
      const k = lib.findIndex((v) => Number.isFinite(v) && v <= bestL + band);
      reach = k >= 0 ? c.steps[k]! : s.bestStep;
    }
    perTrial.push({ trial: row.id, best: s.best, bestStep: s.bestStep, reachStep: reach, lastStep: Math.max(s.lastStep, row.steps ?? 0) });
  }
  let chosen: TrialReach | undefined;
  const method = options.target !== undefined ? "target" : "best_trial";
  if (method === "target") {
    chosen = perTrial.filter((t) => t.reachStep !== null).sort((a, b) => a.reachStep! - b.reachStep!)[0];
  } else {
    const sign = direction === "minimize" ? 1 : -1;
    chosen = [...perTrial].sort((a, b) => sign * (a.best - b.best))[0];
  }
  const maxTrainSteps = chosen?.reachStep ?? null;
  const trainedSteps = chosen?.lastStep ?? null;
  const fraction = maxTrainSteps !== null && trainedSteps ? maxTrainSteps / trainedSteps : null;
  const nearEnd = fraction !== null && fraction >= nearEndAt;
  const lrParam = findLrParam(study.hyperparameters(), options.lrParam);
  let lrAtBoundary: "lower" | "upper" | null = null;
  if (lrParam && chosen) {
    const lrs = study.trialRows().map((r) => r.hparams[lrParam]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const mine = study.trial(chosen.trial)?.hparams[lrParam];
    if (typeof mine === "number" && new Set(lrs).size >= 3) {
      if (mine === Math.min(...lrs)) lrAtBoundary = "lower";
      else if (mine === Math.max(...lrs)) lrAtBoundary = "upper";
    }
  }
  const productionSteps = options.productionSteps ?? trainedSteps ?? maxTrainSteps;
  const plan = productionSteps ? roundsPlan(productionSteps, options.round1Fraction ?? 0.1) : null;
  const findings: Finding[] = [];
  if (chosen && maxTrainSteps !== null) {
    findings.push(
      finding("info", "training_steps.max_train_steps", method === "target"
        ? `The fastest trial (${chosen.trial}) reaches ${metric} ${options.target} at step ${maxTrainSteps} of ${trainedSteps}: initial guess max_train_steps = ${maxTrainSteps}.`
        : `The best trial by ${metric} (${chosen.trial}) comes within ${tol * 100}% of its best (${fmt(chosen.best)}) at step ${maxTrainSteps} of ${trainedSteps}: initial guess max_train_steps = ${maxTrainSteps} (for a constant-learning-rate sweep).`,
        { metric, direction, method, trial: chosen.trial, maxTrainSteps, trainedSteps, fraction: fraction === null ? null : r6(fraction), best: r6(chosen.best), bestStep: chosen.bestStep, tolerance: tol, target: options.target ?? null }),
    );
  }
  if (nearEnd && chosen) {
    findings.push(
      finding("warn", "training_steps.near_end", `The trial that sets max_train_steps only gets there at ${fmt(fraction! * 100)}% of its ${trainedSteps} steps: the sweep may have been too short; rerun it with more steps (or the run is compute-bound: tune in rounds).`,
        { metric, trial: chosen.trial, maxTrainSteps, trainedSteps, fraction: r6(fraction!), nearEnd: nearEndAt }),
    );
  }
  if (lrAtBoundary && chosen) {
    findings.push(
      finding("warn", "training_steps.lr_at_boundary", `The trial that sets max_train_steps uses the ${lrAtBoundary === "lower" ? "smallest" : "largest"} ${lrParam} of the sweep: the search space may be bad, and max_train_steps ${lrAtBoundary === "lower" ? "overestimated" : "misjudged"}. Extend the learning-rate range first.`,
        { lrParam, trial: chosen.trial, learningRate: study.trial(chosen.trial)?.hparams[lrParam!] ?? null, edge: lrAtBoundary }),
    );
  }
  return { metric, direction, method, trial: chosen?.trial ?? null, maxTrainSteps, trainedSteps, fraction, nearEnd, lrParam, lrAtBoundary, perTrial, plan, findings };
}

/** Hyperparameters that mean the learning rate is not constant (weight_decay is not one). */
const SCHEDULE_HP = /warmup|lr_decay|decay_steps|decay_rate|decay_factor|schedule|cosine|end_factor|power_decay/i;

/** max_train_steps from a constant-learning-rate sweep as the tools run it (see ./registry.ts). */
export const trainingStepsAnalysis = defineAnalysis({
  name: "trainingSteps",
  summary: "training steps: max_train_steps from a constant-learning-rate sweep, and the Round 1 / Round 2 rules",
  options: {
    metric: option.string("metric (default: the objective)"),
    tolerance: option.number("how close to the best counts as reaching it (relative)", { min: 0 }),
    target: option.number("a target value of the metric instead of the best"),
    productionSteps: option.int("steps of the production run (for the Round 1 / Round 2 split)", { min: 1 }),
  },
  // The rule is for a constant-learning-rate sweep: skipped when the study varies a schedule
  // hyperparameter (warmup, decay steps, schedule…), unless options are given.
  applies: (s, o) =>
    learningRateCount(s) < 2 ? "fewer than 2 learning rates"
    : resolveMetricRoles(s.metrics(), s.objective).train === null && !s.metrics().includes(s.objective.metric) ? "no training-loss or objective curve"
    : Object.values(o).some((v) => v !== undefined) ? true
    : s.hyperparameters().some((h) => SCHEDULE_HP.test(h)) ? "a schedule hyperparameter varies: not a constant-learning-rate sweep"
    : !isLrSweep(s) ? "not a learning-rate sweep (the other hyperparameters change from trial to trial, as in a random search)"
    : true,
  run: (s, o) => trainingSteps(s, o),
});
