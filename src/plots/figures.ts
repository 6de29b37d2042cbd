/**
 * The figure registry: for each kind, run the right analysis on a study and draw its result.
 * This is the one place in plots/ that calls analyses — a convenience for the CLI (`tunebook
 * plot`), the notebook kernel and the report. Builders themselves only draw results.
 */
import { axisPlotData } from "../analysis/axis.js";
import { batchSizeScan, type BatchSizePoint } from "../analysis/batchSize.js";
import { bestOfNBootstrap } from "../analysis/bootstrap.js";
import { boundaries } from "../analysis/boundaries.js";
import { checkpointSelection } from "../analysis/checkpoints.js";
import { gradientClipping } from "../analysis/clipping.js";
import { curveDiagnostics } from "../analysis/curves.js";
import { importance } from "../analysis/importance.js";
import { fanova } from "../analysis/fanova.js";
import { infeasible } from "../analysis/infeasible.js";
import { isolation } from "../analysis/isolation.js";
import { resolveMetricRoles } from "../analysis/metricRoles.js";
import { trialVariance } from "../analysis/trialVariance.js";
import { learningRateSweep, warmupPlanFromSweep } from "../analysis/warmup.js";
import type { Study } from "../study/study.js";
import { type TrialRow, TunebookError, isInfeasible } from "../study/types.js";
import { axisFigure } from "./axis.js";
import { batchSizeFigure } from "./batchSize.js";
import { bootstrapFigure } from "./bootstrap.js";
import { boundaryFigure } from "./boundaries.js";
import { checkpointsFigure } from "./checkpoints.js";
import { clippingFigure } from "./clipping.js";
import { curvesFigure } from "./curves.js";
import { importanceFigure } from "./importance.js";
import { fanovaFigure, partialDependenceFigure } from "./fanova.js";
import { infeasibleFigure } from "./infeasible.js";
import { isolationFigure } from "./isolation.js";
import { lrSweepFigure } from "./lrSweep.js";
import { contourFigure } from "./contour.js";
import { parallelFigure } from "./parallel.js";
import { sliceFigure } from "./slice.js";
import { type Figure, applyOptions } from "./theme.js";
import { trialVarianceFigure } from "./trialVariance.js";
import { type WarmupOutcome, warmupFigure } from "./warmup.js";

/** Options every registry kind accepts (each uses the ones that apply to it). */
export interface BuildOptions {
  /** One hyperparameter (axis, boundaries, infeasible, slice). */
  hparam?: string;
  /** The scientific hyperparameter (isolation; default: the first categorical one, else the first). */
  scientific?: string;
  /** Contour axes. */
  x?: string;
  y?: string;
  /** Curves: the trials to draw (default: up to 12, best first). */
  trials?: string[];
  /** Seed for resampling analyses (default 0). */
  seed?: number;
  title?: string;
  width?: number;
  height?: number;
}

export type FigureKind =
  | "axis"
  | "isolation"
  | "boundaries"
  | "infeasible"
  | "bootstrap"
  | "trial-variance"
  | "importance"
  | "fanova"
  | "partial-dependence"
  | "curves"
  | "clipping"
  | "checkpoints"
  | "lr-sweep"
  | "warmup"
  | "batch-size"
  | "parallel"
  | "slice"
  | "contour";

export interface FigureEntry {
  /** One line: what the figure shows and what it needs. */
  describe: string;
  build(study: Study, options?: BuildOptions): Figure;
}

function sizeOpts(o: BuildOptions) {
  return { title: o.title, width: o.width, height: o.height };
}

function requireHparam(study: Study, name: string | undefined, what: string): void {
  if (name !== undefined && !study.hyperparameters().includes(name))
    throw new TunebookError(`${what} "${name}" is not a hyperparameter of this study (known: ${study.hyperparameters().join(", ") || "none"})`);
}

/** Default scientific hyperparameter: the first categorical one that varies, else the first that varies. */
function defaultScientific(study: Study): string {
  const rows = study.trialRows();
  const varying = study.hyperparameters().filter((h) => new Set(rows.map((r) => r.hparams[h] ?? null).filter((v) => v !== null).map(String)).size > 1);
  const cat = varying.find((h) => rows.some((r) => typeof r.hparams[h] === "string" || typeof r.hparams[h] === "boolean"));
  const pick = cat ?? varying[0];
  if (!pick) throw new TunebookError("isolation needs a hyperparameter with at least two values; pass --scientific NAME");
  return pick;
}

/** Trials to draw curves for: the given ones, else the best `n` feasible plus every infeasible one (up to n). */
function curveTrials(study: Study, metric: string | null, wanted: string[] | undefined, n = 12): string[] {
  if (wanted) return wanted;
  const ids = new Set(metric ? study.trialIds().filter((id) => study.curve(id, metric).steps.length > 0) : study.trialIds());
  const best = study.topK(study.size).map((r) => r.id).filter((id) => ids.has(id));
  const bad = study.trialRows().filter((r) => isInfeasible(r.status) && ids.has(r.id)).map((r) => r.id);
  const pickBad = bad.slice(0, Math.max(2, Math.floor(n / 4)));
  const out = [...best.slice(0, n - pickBad.length), ...pickBad];
  for (const id of ids) if (out.length < n && !out.includes(id)) out.push(id);
  return out;
}

/** Batch-size points from a study: trials with a batch size and a throughput (metric or attribute), OOM by status. */
function batchPoints(study: Study): BatchSizePoint[] {
  const bsName = study.hyperparameters().find((h) => /^(batch_size|batchsize|batch)$/i.test(h));
  if (!bsName) throw new TunebookError("batch-size needs a batch_size hyperparameter and a throughput (examples_per_sec metric or attribute)");
  const tpMetric = study.metrics().find((m) => /examples_per_sec|throughput|examples\/s/i.test(m));
  const pts: BatchSizePoint[] = [];
  for (const r of study.trialRows()) {
    const b = r.hparams[bsName];
    if (typeof b !== "number") continue;
    let tp: number | null = null;
    const a = r.attrs.examples_per_sec ?? r.attrs.examplesPerSec ?? r.attrs.throughput;
    if (typeof a === "number") tp = a;
    else if (tpMetric) {
      const c = study.curve(r.id, tpMetric);
      const f = c.values.filter((v) => Number.isFinite(v));
      if (f.length) tp = f.reduce((x, y) => x + y, 0) / f.length;
    }
    pts.push({ batchSize: b, examplesPerSec: r.status === "oom" ? null : tp, oom: r.status === "oom" });
  }
  if (!pts.some((p) => p.oom || (p.examplesPerSec !== null && p.examplesPerSec !== undefined)))
    throw new TunebookError(`batch-size needs a throughput per trial (an examples_per_sec metric or attribute) or oom statuses; no trial with a numeric ${bsName} has one`);
  return pts;
}

/** Warmup outcomes from a study that swept a warmup hyperparameter (warmup_steps, or warmup_factor × steps). */
function warmupOutcomes(study: Study): WarmupOutcome[] {
  const h = study.hyperparameters().find((x) => /warmup_steps|warmup$/i.test(x)) ?? study.hyperparameters().find((x) => /warmup/i.test(x));
  if (!h) return [];
  const out: WarmupOutcome[] = [];
  for (const r of study.trialRows()) {
    let w = r.hparams[h];
    if (typeof w !== "number") continue;
    if (w > 0 && w < 1 && r.steps) w = Math.round(w * r.steps); // a fraction of training
    out.push({ warmupSteps: w, best: r.best, stable: !isInfeasible(r.status), trial: r.id });
  }
  return out;
}

/**
 * Every figure kind: `FIGURES[kind].build(study, options)` runs the analysis and returns the figure.
 *
 * @example
 * const fig = FIGURES.isolation.build(study, { scientific: "activation" });
 * Object.keys(FIGURES); // ["axis", "isolation", …]
 */
export const FIGURES: Record<FigureKind, FigureEntry> = {
  axis: {
    describe: "objective vs each hyperparameter, every trial; infeasible trials as red X (--hparam for one)",
    build(study, o = {}) {
      requireHparam(study, o.hparam, "--hparam");
      return axisFigure(axisPlotData(study, o.hparam ? { hparams: [o.hparam] } : {}), { hparam: o.hparam, ...sizeOpts(o) });
    },
  },
  isolation: {
    describe: "best trial per value of a scientific hyperparameter over the nuisance ones, with bootstrap intervals (--scientific)",
    build(study, o = {}) {
      requireHparam(study, o.scientific, "--scientific");
      const scientific = o.scientific ?? defaultScientific(study);
      return isolationFigure(isolation(study, { scientific, bootstrap: { resamples: 300, seed: o.seed ?? 0 } }), sizeOpts(o));
    },
  },
  boundaries: {
    describe: "edge bands of each hyperparameter's range with the top trials: is the search space too narrow?",
    build(study, o = {}) {
      requireHparam(study, o.hparam, "--hparam");
      return boundaryFigure(boundaries(study), axisPlotData(study), { hparam: o.hparam, ...sizeOpts(o) });
    },
  },
  infeasible: {
    describe: "fraction of diverged/failed/oom trials per region of each hyperparameter",
    build(study, o = {}) {
      requireHparam(study, o.hparam, "--hparam");
      return infeasibleFigure(infeasible(study), { hparam: o.hparam, ...sizeOpts(o) });
    },
  },
  bootstrap: {
    describe: "study variance: box plots of the best-of-N objective by trial budget N",
    build(study, o = {}) {
      return bootstrapFigure(bestOfNBootstrap(study, { seed: o.seed ?? 0, resamples: 500 }), { metric: study.objective.metric, ...sizeOpts(o) });
    },
  },
  "trial-variance": {
    describe: "seed noise: results of each configuration retrained with different seeds",
    build(study, o = {}) {
      // Repeated studies (AlgoPerf study_0…study_4) rerun the same points: the study index is not part of a configuration.
      const configKey = (t: TrialRow) => {
        const hp = Object.keys(t.hparams).filter((k) => !/seed/i.test(k)).sort().map((k) => [k, t.hparams[k]]);
        return JSON.stringify([(t.group ?? "").replace(/(^|\/)study_\d+(\/|$)/, "$1"), t.attrs.submission ?? null, hp]);
      };
      return trialVarianceFigure(trialVariance(study, { configKey }), { metric: study.objective.metric, direction: study.objective.direction, ...sizeOpts(o) });
    },
  },
  importance: {
    describe: "which hyperparameters explain the objective's variance (binned ANOVA)",
    build(study, o = {}) {
      return importanceFigure(importance(study), { metric: study.objective.metric, ...sizeOpts(o) });
    },
  },
  fanova: {
    describe: "fANOVA importance on a random-forest surrogate: main effects and pairwise interactions with their spread over trees",
    build(study, o = {}) {
      return fanovaFigure(fanova(study, { seed: o.seed ?? 0 }), sizeOpts(o));
    },
  },
  "partial-dependence": {
    describe: "the random-forest surrogate's partial dependence on each hyperparameter (fANOVA marginals, band over trees)",
    build(study, o = {}) {
      return partialDependenceFigure(fanova(study, { seed: o.seed ?? 0, interactions: false }), sizeOpts(o));
    },
  },
  curves: {
    describe: "training and validation curves of up to 12 trials with curve diagnostics at their steps",
    build(study, o = {}) {
      const probe = curveDiagnostics(study, { trials: [] });
      const ids = curveTrials(study, probe.roles.validation ?? probe.roles.train, o.trials);
      const diag = curveDiagnostics(study, { trials: ids });
      const curves = ids.map((id) => ({
        trial: id,
        train: diag.roles.train ? study.curve(id, diag.roles.train) : undefined,
        validation: diag.roles.validation ? study.curve(id, diag.roles.validation) : undefined,
      }));
      return curvesFigure(curves, diag, sizeOpts(o));
    },
  },
  clipping: {
    describe: "gradient norm vs step and its histogram with the p90 clipping threshold and clipped fraction",
    build(study, o = {}) {
      const roles = resolveMetricRoles(study.metrics(), study.objective);
      if (!roles.gradNorm) throw new TunebookError(`clipping needs a per-step gradient-norm metric (grad_norm…); this study has: ${study.metrics().join(", ") || "no metrics"}`);
      const ids = o.trials ?? study.trialIds();
      const series = ids.map((id) => {
        const c = study.curve(id, roles.gradNorm!);
        return { trial: id, steps: c.steps, norms: c.values };
      }).filter((s) => s.steps.length > 0);
      return clippingFigure(gradientClipping(series, { metric: roles.gradNorm }), series, sizeOpts(o));
    },
  },
  checkpoints: {
    describe: "histogram of best-step fractions with the first-10% and last-25% zones",
    build(study, o = {}) {
      return checkpointsFigure(checkpointSelection(study), sizeOpts(o));
    },
  },
  "lr-sweep": {
    describe: "learning-rate sweep: objective vs learning rate with unstable runs and lr*, loss curves by learning rate",
    build(study, o = {}) {
      const sweep = learningRateSweep(study);
      if (!sweep.lrParam) throw new TunebookError(`lr-sweep needs a learning-rate hyperparameter (learning_rate, lr…); this study has: ${study.hyperparameters().join(", ")}`);
      const curves = sweep.metric ? sweep.trials.map((t) => study.curve(t.trial, sweep.metric!)) : [];
      return lrSweepFigure(sweep, curves, { objective: study.objective, ...sizeOpts(o) });
    },
  },
  warmup: {
    describe: "warmup sweep planned from the learning-rate sweep (schedules), with results when the study swept warmup",
    build(study, o = {}) {
      const sweep = learningRateSweep(study);
      const maxSteps = Math.max(0, ...study.trialRows().map((r) => r.steps ?? 0));
      const plan = sweep.lrParam && maxSteps > 0 ? warmupPlanFromSweep(sweep, maxSteps) : null;
      if (!plan) throw new TunebookError("warmup needs a learning-rate sweep with at least one stable rate and trials with steps");
      return warmupFigure(plan, warmupOutcomes(study), { objective: study.objective, ...sizeOpts(o) });
    },
  },
  "batch-size": {
    describe: "throughput per batch size with OOM marked and where it stops growing",
    build(study, o = {}) {
      return batchSizeFigure(batchSizeScan(batchPoints(study)), undefined, sizeOpts(o));
    },
  },
  parallel: {
    describe: "parallel coordinates: every feasible trial across all hyperparameters and the objective",
    build(study, o = {}) {
      return parallelFigure(axisPlotData(study), sizeOpts(o));
    },
  },
  slice: {
    describe: "objective vs each hyperparameter coloured by trial order (Optuna-style slice plot)",
    build(study, o = {}) {
      requireHparam(study, o.hparam, "--hparam");
      return sliceFigure(axisPlotData(study, o.hparam ? { hparams: [o.hparam] } : {}), { hparam: o.hparam, ...sizeOpts(o) });
    },
  },
  contour: {
    describe: "best objective over a grid of two hyperparameters (--x, --y) with every trial",
    build(study, o = {}) {
      requireHparam(study, o.x, "--x");
      requireHparam(study, o.y, "--y");
      const names = o.x && o.y ? [o.x, o.y] : undefined;
      return contourFigure(axisPlotData(study, names ? { hparams: names } : {}), { x: o.x, y: o.y, ...sizeOpts(o) });
    },
  },
};

/** Names of every figure kind. */
export function figureKinds(): FigureKind[] {
  return Object.keys(FIGURES) as FigureKind[];
}

/**
 * Build a figure by kind name with a clear error for an unknown kind.
 *
 * @example
 * const fig = buildFigure("axis", study, { hparam: "learning_rate" });
 */
export function buildFigure(kind: string, study: Study, options: BuildOptions = {}): Figure {
  const entry = (FIGURES as Record<string, FigureEntry | undefined>)[kind];
  if (!entry || !Object.prototype.hasOwnProperty.call(FIGURES, kind)) throw new TunebookError(`unknown figure kind "${kind}" (known: ${figureKinds().join(", ")})`);
  return applyOptions(entry.build(study, options), { title: options.title, width: options.width, height: options.height });
}
