/**
 * Retrospective checkpoint selection (playbook "Saving checkpoints and retrospectively selecting
 * the best checkpoint" and "Deciding how long to train when training is not compute-bound"):
 * the best step of each trial and where it falls in training. If best steps are always in the
 * first 10% of training, max_train_steps is too high; if they are consistently in the last
 * 25%, training longer (and re-tuning the decay schedule) may help.
 */
import { mean } from "../stats/mean.js";
import { quantileSorted } from "../stats/quantileSorted.js";
import { type Study, summarizeCurve } from "../study/study.js";
import { type Direction, isInfeasible } from "../study/types.js";
import { finding, type Finding } from "./finding.js";
import { r6 } from "./curveMath.js";
import { fmt } from "./common.js";
import { curveLevel } from "./curves.js";
import { defineAnalysis, option, optionDefaults } from "./registry.js";

export interface CheckpointOptions {
  /** Metric to select checkpoints on. Default: the study objective. */
  metric?: string;
  /** Its direction. Default: the objective's when `metric` is the objective, else the objective's direction too. */
  direction?: Direction;
  /** "Early" = best step fraction ≤ this. Default 0.1 (playbook: first 10% of training). */
  earlyFraction?: number;
  /** "Late" = best step fraction ≥ 1 − this. Default 0.25 (playbook: last 25%). */
  lateFraction?: number;
  /** Share of trials that must be early (late) for the finding: the playbook's "always" / "consistently". Default 0.75. */
  minShare?: number;
  /** Trials with fewer finite evaluations are not placed (3 evaluations do not locate a best step). Default 6, as the curve checks. */
  minPoints?: number;
  /**
   * A best in the last 25% counts as late only when it beats the best before that by at least this
   * fraction of the curve's level (see curves.ts), so a saturated run whose best is a hair better at
   * the end does not ask for more steps. Default 0.02 (the curve checks' saturation tolerance).
   */
  lateGain?: number;
}

export interface TrialCheckpoint {
  trial: string;
  bestStep: number;
  bestValue: number;
  firstStep: number;
  lastStep: number;
  /** bestStep / lastStep (0 when lastStep is 0). */
  bestStepFraction: number;
  /** Improvement of the best over the best before the late window, as a fraction of the curve's level. */
  lateGain: number;
}

export interface CheckpointResult {
  metric: string;
  direction: Direction;
  /** Feasible trials with a finite best, in study order. */
  trials: TrialCheckpoint[];
  /** Trials skipped (infeasible, no curve, no finite value, or too few evaluations). */
  skipped: string[];
  /** Checks that could not run, with the reason. */
  notChecked: Array<{ check: string; reason: string }>;
  /** Distribution of bestStepFraction (quantiles: simple-statistics type-7 linear interpolation). */
  distribution: { n: number; min: number; q25: number; median: number; q75: number; max: number; mean: number } | null;
  /** Ten equal bins over [0, 1] of bestStepFraction (bin 9 includes 1). */
  histogram: { edges: number[]; counts: number[] };
  earlyShare: number;
  lateShare: number;
  thresholds: { earlyFraction: number; lateFraction: number; minShare: number };
  findings: Finding[];
}

/** The options of `checkpointSelection` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const checkpointsOptions = {
  metric: option.string("metric to select on (default: the objective)"),
  earlyFraction: option.number("the early zone, as a fraction of training", { default: 0.1, min: 0, max: 1 }),
  lateFraction: option.number("the late zone, as a fraction of training", { default: 0.25, min: 0, max: 1 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(checkpointsOptions);

/**
 * Best step per trial and the distribution of best-step fractions over the study.
 *
 * @example
 * const r = checkpointSelection(study);
 * r.distribution?.median;                 // e.g. 0.97: best checkpoints are at the end
 * r.findings.map((f) => f.code);          // ["checkpoints.best_late"]
 */
export function checkpointSelection(study: Study, options: CheckpointOptions = {}): CheckpointResult {
  const metric = options.metric ?? study.objective.metric;
  const direction = options.direction ?? study.objective.direction;
  const earlyFraction = options.earlyFraction ?? D.earlyFraction;
  const lateFraction = options.lateFraction ?? D.lateFraction;
  const minShare = options.minShare ?? 0.75;
  const minPoints = options.minPoints ?? 6;
  const lateGainMin = options.lateGain ?? 0.02;
  const trials: TrialCheckpoint[] = [];
  const skipped: string[] = [];
  const short: string[] = [];
  for (const row of study.trialRows()) {
    // The study's shared copy (read only): the other analyses of a review read the same curves.
    const c = study.curveView(row.id, metric);
    if (isInfeasible(row.status) || c.steps.length === 0) {
      skipped.push(row.id);
      continue;
    }
    const s = summarizeCurve(c.steps, c.values, direction);
    if (s.best === null || s.bestStep === null) {
      skipped.push(row.id);
      continue;
    }
    let finite = 0;
    for (const v of c.values) if (Number.isFinite(v)) finite++;
    if (finite < minPoints) {
      skipped.push(row.id);
      short.push(row.id);
      continue;
    }
    const lastStep = Math.max(s.lastStep, row.steps ?? 0);
    // Gain of the best over the best before the late window, in units of the curve's level.
    const cut = (1 - lateFraction) * lastStep;
    let before: number | null = null;
    const vals: number[] = [];
    for (let i = 0; i < c.steps.length; i++) {
      const v = c.values[i]!;
      if (!Number.isFinite(v)) continue;
      vals.push(v);
      if (c.steps[i]! < cut && (before === null || (direction === "minimize" ? v < before : v > before))) before = v;
    }
    const level = curveLevel(vals, direction, s.best, Math.abs(s.best) || 1);
    const lateGain = before === null ? Infinity : Math.abs(s.best - before) / level;
    trials.push({
      trial: row.id,
      bestStep: s.bestStep,
      bestValue: s.best,
      firstStep: c.steps[0]!,
      lastStep,
      bestStepFraction: lastStep > 0 ? s.bestStep / lastStep : 0,
      lateGain,
    });
  }
  const fr = trials.map((t) => t.bestStepFraction).sort((a, b) => a - b);
  const distribution = fr.length
    ? {
        n: fr.length,
        min: fr[0]!,
        q25: quantileSorted(fr, 0.25),
        median: quantileSorted(fr, 0.5),
        q75: quantileSorted(fr, 0.75),
        max: fr[fr.length - 1]!,
        mean: mean(fr),
      }
    : null;
  const edges = Array.from({ length: 11 }, (_, i) => i / 10);
  const counts = new Array<number>(10).fill(0);
  for (const f of fr) counts[Math.min(9, Math.max(0, Math.floor(f * 10)))]!++;
  const early = trials.filter((t) => t.bestStepFraction <= earlyFraction);
  const late = trials.filter((t) => t.bestStepFraction >= 1 - lateFraction && t.lateGain >= lateGainMin);
  const earlyShare = trials.length ? early.length / trials.length : 0;
  const lateShare = trials.length ? late.length / trials.length : 0;
  const findings: Finding[] = [];
  const ev = (ts: TrialCheckpoint[]) => ts.slice(0, 20).map((t) => ({ trial: t.trial, bestStep: t.bestStep, lastStep: t.lastStep, fraction: r6(t.bestStepFraction) }));
  if (trials.length && earlyShare >= minShare) {
    findings.push(
      finding("warn", "checkpoints.best_early", `In ${early.length} of ${trials.length} trials the best ${metric} checkpoint is in the first ${earlyFraction * 100}% of training (median best-step fraction ${fmt(distribution!.median)}): max_train_steps is too high and can be cut.`, {
        metric, count: early.length, total: trials.length, share: r6(earlyShare), earlyFraction, minShare, medianFraction: r6(distribution!.median), trials: ev(early),
      }),
    );
  }
  if (trials.length && lateShare >= minShare) {
    findings.push(
      finding("info", "checkpoints.best_late", `In ${late.length} of ${trials.length} trials the best ${metric} checkpoint is in the last ${lateFraction * 100}% of training and beats the best before it by at least ${lateGainMin * 100}% of the curve's level (median best-step fraction ${fmt(distribution!.median)}): training longer (and re-tuning the decay schedule) may help.`, {
        lateGain: lateGainMin,
        metric, count: late.length, total: trials.length, share: r6(lateShare), lateFraction, minShare, medianFraction: r6(distribution!.median), trials: ev(late),
      }),
    );
  }
  const notChecked = short.length ? [{ check: `best-step position of ${short.length} trial${short.length === 1 ? "" : "s"}`, reason: `fewer than ${minPoints} finite evaluations of ${metric} (e.g. ${short.slice(0, 3).join(", ")})` }] : [];
  return { metric, direction, trials, skipped, notChecked, distribution, histogram: { edges, counts }, earlyShare, lateShare, thresholds: { earlyFraction, lateFraction, minShare }, findings };
}

/** Retrospective checkpoint selection as the tools run it (see ./registry.ts). */
export const checkpointsAnalysis = defineAnalysis({
  name: "checkpoints",
  summary: "retrospective checkpoint selection: where each trial reached its best step",
  options: checkpointsOptions,
  applies: (s, o) => (s.metrics().includes(o.metric ?? s.objective.metric) ? true : `no curve of the objective ${o.metric ?? s.objective.metric}`),
  run: (s, o) => checkpointSelection(s, o),
});
