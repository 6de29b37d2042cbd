/**
 * Training-curve diagnostics (playbook "Examining the training curves"): problematic
 * overfitting, high step-to-step variance late in training, still improving at the end,
 * saturated long before the end, training loss increasing, and divergence.
 *
 * Every check works on "lower is better" values (the validation metric is negated when the
 * objective is maximized; the training loss is always minimized) and measures sizes relative
 * to the curve's **level**: how far its best smoothed value is from the metric's natural bound —
 * |best| for losses, error rates and WER (bound 0), the nearer of 0 and 1 for a maximized metric
 * whose values lie in [0, 1] (accuracy, mAP, SSIM), |best| for other maximized metrics (BLEU).
 * A high starting value cannot inflate it (|first − best| did: a WER falling from 3.4 to 0.12 made
 * every late change look tiny). Curves with negative values fall back to |first − best|.
 * Thresholds are fractions of that level, the same for accuracies and losses.
 */
import { Study } from "../study/study.js";
import type { Direction } from "../study/types.js";
import { finding, type Finding } from "./finding.js";
import { resolveMetricRoles, type MetricRoles } from "./metricRoles.js";
import { type CurveData, argminFinite, endGain, firstIndexAtOrAfter, lowerIsBetter, movingAverage, r6, smooth } from "./curveMath.js";
import { differencesStandardDeviation } from "../stats/differencesStandardDeviation.js";
import { median } from "../stats/median.js";
import { resolveMetricRoles as rolesOf } from "./metricRoles.js";
import { TunebookError } from "../core/errors.js";
import { defineAnalysis, option } from "./registry.js";
import { fmt } from "./common.js";

export type { CurveData } from "./curveMath.js";

/** Finding codes emitted by {@link curveDiagnostics}. */
export type CurveCode =
  | "curves.overfitting"
  | "curves.noisy_late"
  | "curves.still_improving"
  | "curves.saturated"
  | "curves.train_loss_increasing"
  | "curves.diverged"
  | "curves.loss_spike";

export const CURVE_CODES: readonly CurveCode[] = [
  "curves.diverged",
  "curves.loss_spike",
  "curves.train_loss_increasing",
  "curves.overfitting",
  "curves.noisy_late",
  "curves.still_improving",
  "curves.saturated",
];

/**
 * Thresholds of the curve checks. All "relative" numbers are fractions of the curve's scale
 * (how much it improved over training, see the module comment).
 */
export interface CurveThresholds {
  /** Points in the centered moving average applied before comparing best, final and minimum values. Default 5. */
  smoothWindow: number;
  /** Curves with fewer finite points get no shape finding, and no blow-up divergence (a non-finite value still counts). Default 6. */
  minPoints: number;
  /** `curves.overfitting`: smoothed validation final is worse than its smoothed best by at least this (relative). Default 0.1. */
  overfitWorsening: number;
  /** `curves.noisy_late` and the noise estimates: "late" is the last `lateFraction` of the steps (needs ≥ `minPoints` points there). Default 0.25. */
  lateFraction: number;
  /** `curves.noisy_late`: late noise (stdev of step-to-step differences / √2) at least this (relative). Default 0.05. */
  noisyLate: number;
  /** `curves.still_improving`: the end window is the last `endFraction` of the steps. Default 0.2. */
  endFraction: number;
  /** `curves.still_improving`: the mean of the last `endFraction` of steps beats the mean of as many points before by at least this (relative). Default 0.015. */
  stillImproving: number;
  /** `curves.still_improving`: and that gain is significant at this one-sided level against the curve's own noise. Default 0.05. */
  stillImprovingAlpha: number;
  /** `curves.saturated`: "at its best" means within this (relative) of the smoothed best. Default 0.02. */
  saturationTolerance: number;
  /** `curves.saturated`: reached its best (within tolerance) by this fraction of training and stayed there. Default 0.5. */
  saturatedBefore: number;
  /** `curves.train_loss_increasing`: smoothed train loss ends at least this (relative) above its smoothed minimum. Default 0.1. */
  trainIncrease: number;
  /** `curves.diverged`: a loss above `blowupFactor` × its first finite value counts as a blow-up. Default 3. */
  blowupFactor: number;
  /**
   * Study input with ≥ 3 trials: a trial's scale is at least this fraction of the median scale of
   * the same metric over the study, so a run that barely learned is not judged against its own tiny
   * improvement (its noise would look huge). 0 turns this off. Default 0.25.
   */
  studyScaleFloor: number;
}

export const DEFAULT_CURVE_THRESHOLDS: Readonly<CurveThresholds> = Object.freeze({
  smoothWindow: 5,
  minPoints: 6,
  overfitWorsening: 0.05,
  lateFraction: 0.25,
  noisyLate: 0.035,
  endFraction: 0.2,
  stillImproving: 0.015,
  stillImprovingAlpha: 0.05,
  saturationTolerance: 0.02,
  saturatedBefore: 0.5,
  trainIncrease: 0.1,
  blowupFactor: 3,
  studyScaleFloor: 0,
});

/** The curves of one trial, as plain arrays (use this when there is no Study). */
export interface TrialCurves {
  trial: string;
  /** Training loss (minimized). */
  train?: CurveData;
  /** Validation metric, in `validationDirection`. */
  validation?: CurveData;
}

export interface CurveOptions {
  thresholds?: Partial<CurveThresholds>;
  /** Metric names (Study input); default from {@link resolveMetricRoles}. */
  trainMetric?: string;
  validationMetric?: string;
  /** Direction of the validation metric; default: the study objective's, else guessed from the name. */
  validationDirection?: Direction;
  /** Only these trials (Study input). Default: all trials with a curve. */
  trials?: string[];
}

/** Numbers measured on one curve (after smoothing, in the metric's own units and direction). */
export interface CurveStats {
  metric: string;
  points: number;
  firstStep: number;
  lastStep: number;
  first: number;
  final: number;
  best: number;
  bestStep: number;
  /** Smoothed final and best values. */
  smoothedFinal: number;
  smoothedBest: number;
  smoothedBestStep: number;
  /** The unit of every relative threshold: `ownScale`, raised to the study floor when given. */
  scale: number;
  /** How much this curve improved: |first − best smoothed| (evidence only; not a yardstick). */
  ownScale: number;
  /** Distance of the smoothed best from the metric's natural bound (see the module comment). */
  level: number;
  /** Late step-to-step noise / scale. */
  lateNoise: number;
  /** Mean of the last `endFraction` of steps better than the mean of as many points before, / scale; negative when getting worse. */
  endImprovement: number;
  /** One-sided p-value of that improvement against the curve's own noise (NaN when the curve has fewer than 4 points). */
  endImprovementP: number;
  /** First step at which the smoothed curve is within tolerance of its best; fraction of training. */
  saturationStep: number;
  saturationFraction: number;
}

export interface TrialCurveDiagnosis {
  trial: string;
  train: CurveStats | null;
  validation: CurveStats | null;
  /** First step where the run diverged (non-finite or blow-up), or null. */
  divergedStep: number | null;
  /** Per-trial findings (codes from {@link CURVE_CODES}). */
  findings: Finding[];
}

export interface CurveDiagnosticsResult {
  roles: MetricRoles;
  thresholds: CurveThresholds;
  trials: TrialCurveDiagnosis[];
  /** Trials flagged per code. */
  counts: Record<CurveCode, number>;
  /** Checks that could not run (e.g. curves too short for shape findings), with the reason. */
  notChecked: Array<{ check: string; reason: string }>;
  /** Study-level summary: one finding per code that occurred, listing the trials. */
  findings: Finding[];
}

const SEVERITY: Record<CurveCode, Finding["severity"]> = {
  "curves.diverged": "warn",
  "curves.loss_spike": "warn",
  "curves.train_loss_increasing": "warn",
  "curves.overfitting": "warn",
  "curves.noisy_late": "warn",
  "curves.still_improving": "info",
  "curves.saturated": "info",
};

const ADVICE: Record<CurveCode, string> = {
  "curves.diverged": "diverged (NaN/Inf or a loss blow-up); they are infeasible. If they are the high-learning-rate trials, consider warmup or clipping (playbook FAQ on instability).",
  "curves.loss_spike": "have a loss that blew up (above the blow-up factor × its first value) and then recovered: early or mid-training instability. Learning-rate warmup (early) or gradient clipping can fix it.",
  "curves.train_loss_increasing": "have a training loss that goes up during training, which usually indicates a bug in the pipeline or an instability.",
  "curves.overfitting": "show problematic overfitting: the validation metric gets worse while the training loss keeps improving. Add or better tune regularization (dropout, label smoothing, weight decay) before comparing scientific values.",
  "curves.noisy_late": "have high step-to-step variance late in training, so each trial ends on a lucky or unlucky step. Consider a larger batch size, more validation data, learning-rate decay or Polyak averaging.",
  "curves.still_improving": "are still improving at the end of training: the run may be compute-bound; consider more training steps or a different learning-rate schedule.",
  "curves.saturated": "reached their best long before the final step: training is likely not compute-bound and max_train_steps can be decreased.",
};

/**
 * Diagnose training curves per trial and summarise over the study.
 *
 * Checks (thresholds in {@link CurveThresholds}; "relative" = fraction of the curve's scale):
 * - `curves.diverged`: first non-finite train/validation value, or a loss above
 *   `blowupFactor` × its first value that does not recover, or a trial the loader marked
 *   diverged. Other checks are skipped for diverged trials.
 * - `curves.loss_spike`: a blow-up that recovers (the last value regains at least half of what
 *   was learned before it): the playbook's early/mid-training instability.
 * - `curves.train_loss_increasing`: smoothed train loss ends `trainIncrease` above its minimum.
 * - `curves.overfitting`: smoothed validation final is `overfitWorsening` worse than its smoothed
 *   best (and by more than 2× the late noise) while the smoothed train loss at the end is no
 *   worse than at the validation best (or there is no train curve: evidence says so).
 * - `curves.noisy_late`: over the last `lateFraction` of steps, stdev(Δvalue)/√2 ≥ `noisyLate`;
 *   checked on the validation and the train curve.
 * - `curves.still_improving`: the mean of the last `endFraction` of steps (at least 2 points)
 *   beats the mean of as many points just before them by ≥ `stillImproving`, significant at one-sided
 *   `stillImprovingAlpha` against the curve's own noise ({@link endGain}; validation curve, or
 *   train when there is no validation curve).
 * - `curves.saturated`: the smoothed curve is within `saturationTolerance` of its best by
 *   `saturatedBefore` of training and still is at the end.
 *
 * @example
 * const r = curveDiagnostics(study);                         // roles from metric names
 * r.findings.map((f) => f.code);                             // ["curves.overfitting", ...]
 * curveDiagnostics([{ trial: "a", train, validation }], { validationDirection: "minimize" });
 */
export function curveDiagnostics(input: Study | TrialCurves[], options: CurveOptions = {}): CurveDiagnosticsResult {
  // The study-scale pass and the per-trial pass measure the same curves: smooth each once.
  // A Map, not a WeakMap: it lives for this call only, and ephemeron tables slow every GC down.
  const cache: PreparedCache = new Map();
  const th: CurveThresholds = { ...DEFAULT_CURVE_THRESHOLDS, ...options.thresholds };
  let roles: MetricRoles;
  let items: TrialCurves[];
  const markedDiverged = new Map<string, number | null>();
  let bestTrial: string | undefined;
  if (input instanceof Study) {
    roles = resolveMetricRoles(input.metrics(), input.objective, {
      train: options.trainMetric,
      validation: options.validationMetric,
      validationDirection: options.validationDirection,
    });
    const ids = options.trials ?? input.trialIds();
    // Copies as number[] (the curve checks work on plain arrays; Study.curveView gives typed views).
    items = ids.map((id) => {
      const t: TrialCurves = { trial: id };
      if (roles.train) {
        const c = input.curve(id, roles.train);
        if (c.steps.length) t.train = c;
      }
      if (roles.validation) {
        const c = input.curve(id, roles.validation);
        if (c.steps.length) t.validation = c;
      }
      return t;
    });
    for (const r of input.trialRows()) {
      if (r.status === "diverged") {
        const s = r.attrs.divergedStep;
        markedDiverged.set(r.id, typeof s === "number" ? s : null);
      }
    }
    bestTrial = input.bestTrial()?.id;
  } else {
    roles = {
      train: options.trainMetric ?? "train_loss",
      validation: options.validationMetric ?? "validation",
      validationDirection: options.validationDirection ?? "minimize",
      gradNorm: null,
    };
    items = input;
  }
  // Study scale per metric: the median of the trials' own scales (finite curves only).
  const floors: { train?: number; validation?: number } = {};
  if (input instanceof Study && th.studyScaleFloor > 0 && items.length >= 3) {
    const own = (c: CurveData | undefined, dir: Direction) => (c && c.values.every(Number.isFinite) ? prepared(c, dir, th, cache)?.ownScale : undefined);
    const ts = items.map((t) => own(t.train, "minimize")).filter((x): x is number => x !== undefined);
    const vs = items.map((t) => own(t.validation, roles.validationDirection)).filter((x): x is number => x !== undefined);
    if (ts.length >= 3) floors.train = th.studyScaleFloor * median(ts);
    if (vs.length >= 3) floors.validation = th.studyScaleFloor * median(vs);
  }
  const trials: TrialCurveDiagnosis[] = [];
  for (const t of items) {
    if (!t.train && !t.validation && !markedDiverged.has(t.trial)) continue;
    const d = diagnoseTrial(t, roles.validationDirection, th, {
      trainMetric: roles.train ?? "train_loss",
      validationMetric: roles.validation ?? "validation",
    }, floors, cache);
    if (d.divergedStep === null && markedDiverged.has(t.trial) && !d.findings.some((f) => f.code === "curves.diverged")) {
      // The loader's step is the first non-finite value; without one, the values vanished: the
      // divergence is right after the last step that still logged a finite value.
      let step = markedDiverged.get(t.trial) ?? null;
      let lastFinite: number | null = null;
      for (const c of [t.train, t.validation]) {
        if (!c) continue;
        for (let i = c.values.length - 1; i >= 0; i--) {
          if (Number.isFinite(c.values[i]!)) {
            if (lastFinite === null || c.steps[i]! > lastFinite) lastFinite = c.steps[i]!;
            break;
          }
        }
      }
      const vanished = step === null;
      if (vanished) step = lastFinite;
      d.divergedStep = step;
      d.findings = [finding("warn", "curves.diverged", vanished ? `Trial ${t.trial} diverged${step !== null ? `: its values stop after step ${step}` : " before logging any value"} (marked diverged by its log).` : `Trial ${t.trial} diverged at step ${step} (marked by the loader).`, { trial: t.trial, step, reason: vanished ? "vanished" : "status", ...(vanished ? { lastFiniteStep: lastFinite } : {}) })];
    }
    trials.push(d);
  }
  const counts = Object.fromEntries(CURVE_CODES.map((c) => [c, 0])) as Record<CurveCode, number>;
  const byCode = new Map<CurveCode, TrialCurveDiagnosis[]>();
  for (const d of trials) {
    const seen = new Set<CurveCode>();
    for (const f of d.findings) seen.add(f.code as CurveCode);
    for (const c of seen) {
      counts[c]++;
      let a = byCode.get(c);
      if (!a) byCode.set(c, (a = []));
      a.push(d);
    }
  }
  const findings: Finding[] = [];
  for (const code of CURVE_CODES) {
    const ds = byCode.get(code);
    if (!ds) continue;
    const ids = ds.map((d) => d.trial);
    const bestAffected = bestTrial !== undefined && ids.includes(bestTrial);
    const eg = ds.slice(0, 3).map((d) => briefly(code, d.findings.find((f) => f.code === code)!.evidence));
    const msg = `${ids.length} of ${trials.length} trial${trials.length === 1 ? "" : "s"} ${ADVICE[code]}${bestAffected ? ` This includes the best trial (${bestTrial}).` : ""} E.g. ${eg.join("; ")}${ids.length > 3 ? "; …" : ""}.`;
    findings.push(
      finding(SEVERITY[code], code, msg, {
        count: ids.length,
        total: trials.length,
        fraction: r6(ids.length / Math.max(1, trials.length)),
        trials: ids,
        bestTrial: bestTrial ?? null,
        bestTrialAffected: bestAffected,
        examples: ds.slice(0, 5).map((d) => d.findings.find((f) => f.code === code)!.evidence),
      }),
    );
  }
  // Trials whose curves are too short for a shape finding are listed, not silently passed over.
  const short = trials.filter((d) => !d.train && !d.validation && d.divergedStep === null && d.findings.length === 0).map((d) => d.trial);
  const notChecked = short.length
    ? [{ check: `curve shapes of ${short.length} of ${trials.length} trial${trials.length === 1 ? "" : "s"}`, reason: `fewer than ${th.minPoints} finite evaluations per curve: too short to call saturated, still improving, overfitting or noisy (e.g. ${short.slice(0, 3).join(", ")})` }]
    : [];
  return { roles, thresholds: th, trials, counts, notChecked, findings };
}

/** One trial's evidence in a few words, for the study-level message (the CLI prints messages in full). */
function briefly(code: CurveCode, e: Record<string, unknown>): string {
  const t = String(e.trial);
  const num = (x: unknown) => (typeof x === "number" ? fmt(x) : String(x));
  const pct = (x: unknown) => `${fmt(Number(x) * 100)}%`;
  switch (code) {
    case "curves.diverged":
      if (e.reason === "status") return `${t}${e.step !== null && e.step !== undefined ? ` at step ${num(e.step)}` : ""} (marked diverged by the log)`;
      return `${t} at step ${num(e.step)} (${e.metric} ${e.reason === "non_finite" ? String(e.value) : `= ${num(e.value)}`})`;
    case "curves.loss_spike":
      return `${t}: ${e.metric} ${num(e.value)} at step ${num(e.step)}`;
    case "curves.train_loss_increasing":
      return `${t}: ${num(e.minValue)} at step ${num(e.minStep)} → ${num(e.finalValue)} at step ${num(e.finalStep)}`;
    case "curves.overfitting":
      return `${t}: ${e.metric} best ${num(e.bestValue)} at step ${num(e.bestStep)}, ${num(e.finalValue)} at step ${num(e.finalStep)}`;
    case "curves.noisy_late":
      return `${t}: ${e.metric} noise ${pct(e.relativeNoise)} of its improvement after step ${num(e.fromStep)}`;
    case "curves.still_improving":
      return `${t}: ${e.metric} improved ${pct(e.relativeImprovement)} after step ${num(e.fromStep)} (final ${num(e.finalValue)} at step ${num(e.lastStep)})`;
    case "curves.saturated":
      return `${t}: ${e.metric} at its best by step ${e.saturationStep} of ${num(e.lastStep)}`;
  }
}

/**
 * Measure one curve (see {@link CurveStats}); null when it has too few finite points.
 *
 * @example
 * curveStats("val_loss", { steps, values }, "minimize")?.saturationFraction;
 */
export function curveStats(metric: string, curve: CurveData, direction: Direction, th: CurveThresholds = DEFAULT_CURVE_THRESHOLDS, scaleFloor = 0): CurveStats | null {
  return measureCurve(metric, curve, direction, th, scaleFloor, undefined);
}

function measureCurve(metric: string, curve: CurveData, direction: Direction, th: CurveThresholds, scaleFloor: number, cache: PreparedCache | undefined): CurveStats | null {
  const p = prepared(curve, direction, th, cache);
  if (!p) return null;
  const { steps, raw, lib, sm, kSm, bestSm, ownScale, level } = p;
  const m = steps.length;
  const firstStep = steps[0]!;
  const lastStep = steps[m - 1]!;
  const span = Math.max(lastStep - firstStep, 1e-12);
  const kRaw = argminFinite(lib);
  const scale = Math.max(level, scaleFloor);
  // Late noise: step-to-step differences remove a (locally linear) trend; stdev/√2 is the per-point noise.
  const lateFrom = firstIndexAtOrAfter(steps, lastStep - th.lateFraction * span);
  const lateLen = m - lateFrom;
  let noise = 0;
  // Too few late points give no reliable noise estimate (then 0: no noisy_late finding).
  if (lateLen >= Math.max(3, th.minPoints)) noise = differencesStandardDeviation(lib, lateFrom, m) / Math.SQRT2;
  // Still improving = the last endFraction of steps (≥ 2 points) beats as many points just before it, beyond the curve's noise.
  const siFrom = Math.max(0, Math.min(firstIndexAtOrAfter(steps, lastStep - th.endFraction * span), m - 2));
  const siLen = m - siFrom;
  const g = siFrom - siLen >= 0 ? endGain(lib, siFrom - siLen, siFrom, m) : null;
  const endImp = g ? g.gain / scale : 0;
  const tol = th.saturationTolerance * scale;
  let kSat = -1;
  for (let i = 0; i < sm.length; i++) {
    if (sm[i]! <= bestSm + tol) {
      kSat = i;
      break;
    }
  }
  if (kSat < 0) kSat = kSm;
  const sign = direction === "minimize" ? 1 : -1;
  return {
    metric,
    points: m,
    firstStep,
    lastStep,
    first: raw[0]!,
    final: raw[m - 1]!,
    best: raw[kRaw]!,
    bestStep: steps[kRaw]!,
    smoothedFinal: sign * sm[sm.length - 1]!,
    smoothedBest: sign * bestSm,
    smoothedBestStep: steps[kSm]!,
    scale,
    ownScale,
    level,
    lateNoise: noise / scale,
    endImprovement: endImp,
    endImprovementP: g ? g.pValue : NaN,
    saturationStep: steps[kSat]!,
    saturationFraction: (steps[kSat]! - firstStep) / span,
  };
}

/** The scale-independent part of {@link curveStats}: finite points, lower-is-better values, smoothing, own scale. */
interface PreparedCurve {
  steps: number[];
  raw: number[];
  lib: number[];
  sm: number[];
  kSm: number;
  bestSm: number;
  ownScale: number;
  level: number;
}

/** Prepared curves of one {@link curveDiagnostics} call (created by the call, dropped after it). */
type PreparedCache = Map<CurveData, { direction: Direction; value: PreparedCurve | null }>;

function prepared(curve: CurveData, direction: Direction, th: CurveThresholds, cache: PreparedCache | undefined): PreparedCurve | null {
  const hit = cache?.get(curve);
  if (hit && hit.direction === direction) return hit.value;
  const value = prepare(curve, direction, th);
  cache?.set(curve, { direction, value });
  return value;
}

function prepare(curve: CurveData, direction: Direction, th: CurveThresholds): PreparedCurve | null {
  const n = curve.values.length;
  let finite = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(curve.values[i]!)) finite++;
  if (finite < Math.max(2, th.minPoints)) return null;
  let steps: number[];
  let raw: number[];
  if (finite === n && curve.steps.length === n) {
    // All finite (the common case): read the curve's arrays without copying (nothing below writes to them).
    steps = curve.steps;
    raw = curve.values;
  } else {
    steps = [];
    raw = [];
    for (let i = 0; i < n; i++) {
      const v = curve.values[i]!;
      if (Number.isFinite(v)) {
        steps.push(curve.steps[i]!);
        raw.push(v);
      }
    }
  }
  const lib = lowerIsBetter(raw, direction);
  // lib is all finite here, so smooth() would only copy the steps: the moving average alone.
  // The window never spans more than about a quarter of the points: 5 of 8 evaluations would average
  // away a late drop (a best at 75% of training followed by a fall read as "saturated").
  const sm = movingAverage(lib, effectiveWindow(th.smoothWindow, lib.length));
  const kSm = argminFinite(sm);
  const bestSm = sm[kSm]!;
  let scale = Math.abs(lib[0]! - bestSm);
  if (!(scale > 1e-12)) scale = Math.max(...lib) - Math.min(...lib);
  if (!(scale > 1e-12)) scale = Math.max(Math.abs(bestSm), 1);
  return { steps, raw, lib, sm, kSm, bestSm, ownScale: scale, level: curveLevel(raw, direction, direction === "minimize" ? bestSm : -bestSm, scale) };
}

/**
 * The smoothing window used on a curve of `n` points: `window`, but at most 2·⌊n/8⌋ + 1 points.
 *
 * @example
 * effectiveWindow(5, 8); // 3
 */
export function effectiveWindow(window: number, n: number): number {
  return Math.max(1, Math.min(window, 2 * Math.floor(n / 8) + 1));
}

/**
 * The yardstick of a curve: how far its best value is from the metric's natural bound. Minimized
 * metrics with no negative value: |best| (bound 0). Maximized metrics in [0, 1]: min(best, 1 − best).
 * Other maximized metrics: |best|. Anything else (negative values): `fallback`.
 *
 * @example
 * curveLevel([3.4, 0.5, 0.12], "minimize", 0.12, 3.28); // 0.12
 * curveLevel([0.5, 0.9, 0.93], "maximize", 0.93, 0.43); // 0.07 (the error rate)
 */
export function curveLevel(values: readonly number[], direction: Direction, best: number, fallback: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let L: number;
  if (direction === "minimize") L = lo >= 0 ? Math.abs(best) : fallback;
  else if (lo >= 0 && hi <= 1) L = Math.min(best, 1 - best);
  else L = lo >= 0 ? Math.abs(best) : fallback;
  return L > 1e-12 ? L : Math.max(fallback, 1e-12);
}

/**
 * First step where a curve is non-finite, or (for losses) above `factor` × its first finite value.
 *
 * @example
 * divergenceStep({ steps: [0, 1, 2], values: [2, 1, NaN] }, true, 3); // { step: 2, value: NaN, reason: "non_finite" }
 */
export function divergenceStep(curve: CurveData, isLoss: boolean, factor: number, minPoints = 0): { step: number; value: number; reason: "non_finite" | "blowup"; reference?: number } | null {
  let first: number | undefined;
  // A blow-up needs a curve long enough to have a shape: a 3-point test loss that rises is not a divergence.
  let finite = 0;
  for (const v of curve.values) if (Number.isFinite(v)) finite++;
  if (finite < minPoints) isLoss = false;
  for (let i = 0; i < curve.values.length; i++) {
    const v = curve.values[i]!;
    if (!Number.isFinite(v)) return { step: curve.steps[i]!, value: v, reason: "non_finite" };
    if (first === undefined) {
      first = v;
      continue;
    }
    if (isLoss && first > 0 && v > factor * first) return { step: curve.steps[i]!, value: v, reason: "blowup", reference: first };
  }
  return null;
}

/**
 * Did a loss curve recover after a blow-up at `step`? Yes when its last value is finite and has
 * regained at least half of what was learned before the blow-up (last ≤ min-before + ½·(first − min-before)).
 */
function recovered(curve: CurveData, step: number): boolean {
  const k = curve.steps.indexOf(step);
  const last = curve.values[curve.values.length - 1]!;
  if (k <= 0 || k === curve.values.length - 1 || !Number.isFinite(last)) return false;
  const before = curve.values.slice(0, k).filter(Number.isFinite);
  if (!before.length) return false;
  const first = before[0]!;
  const minBefore = Math.min(...before);
  return last <= minBefore + 0.5 * (first - minBefore);
}

/**
 * Diagnose one trial's curves (the per-trial part of {@link curveDiagnostics}).
 *
 * @example
 * diagnoseTrialCurves({ trial: "a", train, validation }, "minimize").findings;
 */
export function diagnoseTrialCurves(
  t: TrialCurves,
  validationDirection: Direction,
  th: CurveThresholds = DEFAULT_CURVE_THRESHOLDS,
  names: { trainMetric: string; validationMetric: string } = { trainMetric: "train_loss", validationMetric: "validation" },
  scaleFloors: { train?: number; validation?: number } = {},
): TrialCurveDiagnosis {
  return diagnoseTrial(t, validationDirection, th, names, scaleFloors, undefined);
}

function diagnoseTrial(
  t: TrialCurves,
  validationDirection: Direction,
  th: CurveThresholds,
  names: { trainMetric: string; validationMetric: string },
  scaleFloors: { train?: number; validation?: number },
  cache: PreparedCache | undefined,
): TrialCurveDiagnosis {
  const findings: Finding[] = [];
  const trial = t.trial;
  // Divergence first: nothing else is meaningful after it. A blow-up that recovers is a spike.
  const divs = [
    t.train ? { metric: names.trainMetric, curve: t.train, d: divergenceStep(t.train, true, th.blowupFactor, th.minPoints) } : null,
    t.validation ? { metric: names.validationMetric, curve: t.validation, d: divergenceStep(t.validation, validationDirection === "minimize", th.blowupFactor, th.minPoints) } : null,
  ].filter((x): x is { metric: string; curve: CurveData; d: NonNullable<ReturnType<typeof divergenceStep>> } => !!x && !!x.d);
  divs.sort((a, b) => a.d.step - b.d.step);
  const spikes: typeof divs = [];
  for (const x of divs) {
    if (x.d.reason === "blowup" && recovered(x.curve, x.d.step)) {
      spikes.push(x);
      continue;
    }
    const { metric, d } = x;
    const what = d.reason === "non_finite" ? `${metric} became ${d.value}` : `${metric} blew up to ${fmt(d.value)} (> ${th.blowupFactor}× its first value ${fmt(d.reference!)}) and did not recover`;
    findings.push(
      finding("warn", "curves.diverged", `Trial ${trial} diverged at step ${d.step}: ${what}.`, {
        trial,
        metric,
        step: d.step,
        value: d.value,
        reason: d.reason,
        ...(d.reference !== undefined ? { reference: r6(d.reference), blowupFactor: th.blowupFactor } : {}),
      }),
    );
    return { trial, train: null, validation: null, divergedStep: d.step, findings };
  }
  for (const { metric, curve, d } of spikes.slice(0, 1)) {
    const first = curve.steps[0]!;
    const last = curve.steps[curve.steps.length - 1]!;
    const frac = last > first ? (d.step - first) / (last - first) : 0;
    findings.push(
      finding("warn", "curves.loss_spike", `Trial ${trial}: ${metric} spiked to ${fmt(d.value)} at step ${d.step} (> ${th.blowupFactor}× its first value ${fmt(d.reference!)}) and then recovered: ${frac <= 0.2 ? "early" : "mid"}-training instability. Learning-rate warmup (early) or gradient clipping can fix it.`, {
        trial,
        metric,
        step: d.step,
        value: r6(d.value),
        reference: r6(d.reference!),
        blowupFactor: th.blowupFactor,
        fractionOfTraining: r6(frac),
        phase: frac <= 0.2 ? "early" : "mid",
        finalValue: r6(curve.values[curve.values.length - 1]!),
      }),
    );
  }
  const tr = t.train ? measureCurve(names.trainMetric, t.train, "minimize", th, scaleFloors.train ?? 0, cache) : null;
  const va = t.validation ? measureCurve(names.validationMetric, t.validation, validationDirection, th, scaleFloors.validation ?? 0, cache) : null;

  if (tr) {
    const rise = (tr.smoothedFinal - tr.smoothedBest) / tr.scale;
    // Above mini-batch noise too: a logged per-batch loss near its floor wanders by more than 10% of its level.
    if (rise >= th.trainIncrease && rise > 3 * tr.lateNoise) {
      findings.push(
        finding("warn", "curves.train_loss_increasing", `Trial ${trial}: the training loss rises from ${fmt(tr.smoothedBest)} at step ${tr.smoothedBestStep} to ${fmt(tr.smoothedFinal)} at step ${tr.lastStep} (smoothed); this usually indicates a bug or an instability.`, {
          trial,
          metric: tr.metric,
          minStep: tr.smoothedBestStep,
          minValue: r6(tr.smoothedBest),
          finalStep: tr.lastStep,
          finalValue: r6(tr.smoothedFinal),
          relativeRise: r6(rise),
          threshold: th.trainIncrease,
        }),
      );
    }
  }

  if (va) {
    const sign = validationDirection === "minimize" ? 1 : -1;
    const worsening = (sign * (va.smoothedFinal - va.smoothedBest)) / va.scale;
    if (worsening >= th.overfitWorsening && worsening > 2 * va.lateNoise) {
      let trainImproving: boolean | null = null;
      let trainAtBest: number | null = null;
      if (tr && t.train) {
        const sm = smooth(t.train, effectiveWindow(th.smoothWindow, t.train.values.length));
        const k = Math.min(firstIndexAtOrAfter(sm.steps, va.smoothedBestStep), sm.steps.length - 1);
        trainAtBest = sm.values[k]!;
        trainImproving = tr.smoothedFinal <= trainAtBest;
      }
      if (trainImproving !== false) {
        findings.push(
          finding("warn", "curves.overfitting", `Trial ${trial}: ${va.metric} is best at step ${va.smoothedBestStep} (${fmt(va.smoothedBest)}, smoothed) and worse at the end (${fmt(va.smoothedFinal)} at step ${va.lastStep})${trainImproving ? ` while ${tr!.metric} keeps improving (${fmt(trainAtBest!)} → ${fmt(tr!.smoothedFinal)})` : " (no training curve to compare)"}: problematic overfitting.`, {
            trial,
            metric: va.metric,
            bestStep: va.smoothedBestStep,
            bestValue: r6(va.smoothedBest),
            finalStep: va.lastStep,
            finalValue: r6(va.smoothedFinal),
            relativeWorsening: r6(worsening),
            threshold: th.overfitWorsening,
            trainMetric: tr?.metric ?? null,
            trainAtBestStep: trainAtBest === null ? null : r6(trainAtBest),
            trainFinal: tr ? r6(tr.smoothedFinal) : null,
            trainImproving,
          }),
        );
      }
    }
  }

  // Late noise matters for comparing trials on the validation metric; the training curve is judged only when there is no validation curve.
  for (const s of [va ?? tr]) {
    if (s && s.lateNoise >= th.noisyLate) {
      findings.push(
        finding("warn", "curves.noisy_late", `Trial ${trial}: ${s.metric} varies a lot from step to step late in training (noise ${fmt(s.lateNoise * 100)}% of its total improvement, over steps ≥ ${fmt(s.lastStep - th.lateFraction * (s.lastStep - s.firstStep))}).`, {
          trial,
          metric: s.metric,
          fromStep: r6(s.lastStep - th.lateFraction * (s.lastStep - s.firstStep)),
          lastStep: s.lastStep,
          relativeNoise: r6(s.lateNoise),
          scale: r6(s.scale),
          threshold: th.noisyLate,
        }),
      );
    }
  }

  const main = va ?? tr;
  if (main && !findings.some((f) => f.code === "curves.overfitting")) {
    if (main.endImprovement >= th.stillImproving && main.endImprovementP <= th.stillImprovingAlpha) {
      findings.push(
        finding("info", "curves.still_improving", `Trial ${trial}: ${main.metric} is still improving at the end (its last ${th.endFraction * 100}% of steps is better than the stretch before by ${fmt(main.endImprovement * 100)}% of its level, p = ${fmt(main.endImprovementP)} against its own noise); it may benefit from more steps.`, {
          trial,
          metric: main.metric,
          fromStep: r6(main.lastStep - th.endFraction * (main.lastStep - main.firstStep)),
          lastStep: main.lastStep,
          finalValue: r6(main.final),
          relativeImprovement: r6(main.endImprovement),
          pValue: r6(main.endImprovementP),
          threshold: th.stillImproving,
          alpha: th.stillImprovingAlpha,
        }),
      );
    } else {
      const sign = main === va && validationDirection === "maximize" ? -1 : 1;
      const endGap = (sign * (main.smoothedFinal - main.smoothedBest)) / main.scale;
      if (main.saturationFraction <= th.saturatedBefore && endGap <= th.saturationTolerance) {
        findings.push(
          finding("info", "curves.saturated", `Trial ${trial}: ${main.metric} was within ${th.saturationTolerance * 100}% of its best by step ${main.saturationStep} (${fmt(main.saturationFraction * 100)}% of training) and stayed there; max_train_steps can likely be decreased.`, {
            trial,
            metric: main.metric,
            saturationStep: main.saturationStep,
            saturationFraction: r6(main.saturationFraction),
            lastStep: main.lastStep,
            bestValue: r6(main.smoothedBest),
            finalValue: r6(main.smoothedFinal),
            threshold: th.saturatedBefore,
            tolerance: th.saturationTolerance,
          }),
        );
      }
    }
  }
  return { trial, train: tr, validation: va, divergedStep: null, findings };
}

/** Training-curve diagnostics as the tools run them (see ./registry.ts). */
export const curvesAnalysis = defineAnalysis({
  name: "curves",
  summary: "training-curve diagnostics: overfitting, late noise, still improving, saturated, diverged",
  positional: "trials",
  options: {
    train: option.string("training metric (default: guessed from the metric names)"),
    validation: option.string("validation metric (default: the objective)"),
    trials: option.list("trials to diagnose (default: every one)"),
  },
  applies: (s) => {
    const r = rolesOf(s.metrics(), s.objective);
    return s.measurementCount === 0 ? "the log has no curves (one row per trial)" : r.train === null && r.validation === null ? "no training-loss or validation metric among the logged metrics" : true;
  },
  run: (s, o) => {
    if (o.trials) {
      const ids = new Set(s.trialIds());
      const missing = o.trials.filter((t) => !ids.has(t));
      if (missing.length) throw new TunebookError(`curves: no trial ${missing.map((m) => JSON.stringify(m)).join(", ")} in the study`);
    }
    return curveDiagnostics(s, { trials: o.trials, trainMetric: o.train, validationMetric: o.validation });
  },
});
