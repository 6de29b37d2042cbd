/**
 * The figures of each registered analysis, drawn from its result (never by re-running it): the
 * report draws the figure beside the findings of the same result, the kernel magics and
 * `tunebook analyze --out` draw the result they just computed, `tunebook plot <kind>` runs the
 * analysis once with the options given and draws it. To give an analysis a figure, add its
 * builder in ./<name>.ts and one entry below (see src/analysis/registry.ts).
 */
import type { AxisPlotData } from "../analysis/axis.js";
import { axisAnalysis, axisPlotData } from "../analysis/axis.js";
import { batchSizeAnalysis } from "../analysis/batchSize.js";
import { bootstrapAnalysis } from "../analysis/bootstrap.js";
import { boundariesAnalysis } from "../analysis/boundaries.js";
import { checkpointsAnalysis } from "../analysis/checkpoints.js";
import { clippingAnalysis } from "../analysis/clipping.js";
import { curvesAnalysis } from "../analysis/curves.js";
import { fanovaAnalysis } from "../analysis/fanova.js";
import { importanceAnalysis } from "../analysis/importance.js";
import { infeasibleAnalysis } from "../analysis/infeasible.js";
import { isolationAnalysis } from "../analysis/isolation.js";
import { type AnalysisDefinition, type AnalysisResult, type AnyAnalysis, type OptionDef, type OptionsOf, option, parseOptions } from "../analysis/registry.js";
import { trialVarianceAnalysis } from "../analysis/trialVariance.js";
import { instabilityAnalysis } from "../analysis/warmup.js";
import { TunebookError } from "../core/errors.js";
import type { Study } from "../study/study.js";
import { isInfeasible } from "../study/types.js";
import { axisFigure } from "./axis.js";
import { batchSizeFigure } from "./batchSize.js";
import { bootstrapFigure } from "./bootstrap.js";
import { boundaryFigure } from "./boundaries.js";
import { checkpointsFigure } from "./checkpoints.js";
import { clippingFigure } from "./clipping.js";
import { contourFigure } from "./contour.js";
import { curvesFigure } from "./curves.js";
import { fanovaFigure, partialDependenceFigure } from "./fanova.js";
import { importanceFigure } from "./importance.js";
import { infeasibleFigure } from "./infeasible.js";
import { isolationFigure } from "./isolation.js";
import { lrSweepFigure } from "./lrSweep.js";
import { parallelFigure } from "./parallel.js";
import { sliceFigure } from "./slice.js";
import type { Figure } from "./theme.js";
import { trialVarianceFigure } from "./trialVariance.js";
import { type WarmupOutcome, warmupFigure } from "./warmup.js";
import { didYouMean } from "../util/suggest.js";

type FigureOptionShape = Record<string, OptionDef<string | undefined>>;

/** Figure options are names (of hyperparameters to draw): text or absent. */
export type FigureOptionValues = Record<string, string | undefined>;

/** What a figure is drawn from: the analysis result, the study it came from and the options it ran with. */
export interface DrawContext<O, F> {
  study: Study;
  options: O;
  /** The figure's own options (e.g. the one hyperparameter to draw), validated. */
  figure: F;
}

/** One figure of an analysis. */
export interface FigureDefinition<R extends AnalysisResult, O, F extends FigureOptionShape = FigureOptionShape> {
  /** The kind users name (`tunebook plot <kind>`), kebab-case. */
  kind: string;
  summary: string;
  /** Options of the figure alone (not of the analysis), e.g. which hyperparameter's panel to draw. */
  options?: F;
  /** Drawn in the report beside the analysis's findings (default true). */
  report?: boolean;
  /** Draw it; several figures when the result holds several (e.g. one isolation per scientific hyperparameter). Empty: nothing to draw. */
  draw(result: R, ctx: DrawContext<O, FigureOptionValues>): Figure | Figure[];
}

/** The figures of one analysis. */
export interface AnalysisFigures {
  analysis: AnyAnalysis;
  // biome-ignore lint: a list of figure definitions of every result type.
  figures: Array<FigureDefinition<any, any, any>>;
}

/**
 * Declare the figures of an analysis; their `draw` is typed by its result and options.
 *
 * @example
 * figuresOf(checkpointsAnalysis, [{ kind: "checkpoints", summary: "…", draw: (r) => checkpointsFigure(r) }]);
 */
export function figuresOf<S extends Record<string, OptionDef<unknown>>, R extends AnalysisResult>(
  analysis: AnalysisDefinition<S, R>,
  // biome-ignore lint: each figure has its own option shape.
  figures: Array<FigureDefinition<R, OptionsOf<S>, any>>,
): AnalysisFigures {
  return { analysis: analysis as AnyAnalysis, figures };
}

const hparamOption = { hparam: option.string("draw only this hyperparameter's panel") };

/** Trials to draw curves for: the given ones, else the best `n` feasible plus some infeasible ones (up to n). */
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

function checkPanel(axis: AxisPlotData, name: string | undefined, flag: string): void {
  const known = axis.series.map((s) => s.hparam);
  if (name !== undefined && !known.includes(name)) throw new TunebookError(`${flag} "${name}" is not a hyperparameter of this study${didYouMean(name, known, { form: "aside" })} (known: ${known.join(", ") || "none"})`);
}

/** Every analysis that has figures, with them (in the registry's order). */
export const ANALYSIS_FIGURES: AnalysisFigures[] = [
  figuresOf(infeasibleAnalysis, [
    { kind: "infeasible", summary: "fraction of diverged/failed/oom trials per region of each hyperparameter", options: hparamOption, draw: (r, { figure }) => infeasibleFigure(r, { hparam: figure.hparam }) },
  ]),
  figuresOf(axisAnalysis, [
    {
      kind: "axis",
      summary: "objective vs each hyperparameter, every trial; infeasible trials as red X",
      options: hparamOption,
      draw: (r, { figure }) => (checkPanel(r, figure.hparam, "--hparam"), axisFigure(r, { hparam: figure.hparam })),
    },
    { kind: "parallel", summary: "parallel coordinates: every feasible trial across all hyperparameters and the objective", report: false, draw: (r) => parallelFigure(r) },
    {
      kind: "slice",
      summary: "objective vs each hyperparameter coloured by trial order (Optuna-style slice plot)",
      report: false,
      options: hparamOption,
      draw: (r, { figure }) => (checkPanel(r, figure.hparam, "--hparam"), sliceFigure(r, { hparam: figure.hparam })),
    },
    {
      kind: "contour",
      summary: "best objective over a grid of two hyperparameters (--x, --y) with every trial",
      report: false,
      options: { x: option.string("x hyperparameter"), y: option.string("y hyperparameter") },
      draw: (r, { figure }) => (checkPanel(r, figure.x, "--x"), checkPanel(r, figure.y, "--y"), contourFigure(r, { x: figure.x, y: figure.y })),
    },
  ]),
  figuresOf(boundariesAnalysis, [
    {
      kind: "boundaries",
      summary: "edge bands of each hyperparameter's range with the top trials: is the search space too narrow?",
      options: hparamOption,
      draw: (r, { study, options, figure }) => boundaryFigure(r, axisPlotData(study, { by: options.by }), { hparam: figure.hparam }),
    },
  ]),
  figuresOf(isolationAnalysis, [
    { kind: "isolation", summary: "best trial per value of a scientific hyperparameter over the nuisance ones, with bootstrap intervals", draw: (r) => r.byScientific.map((x) => isolationFigure(x)) },
  ]),
  figuresOf(bootstrapAnalysis, [
    { kind: "bootstrap", summary: "study variance: box plots of the best-of-N objective by trial budget N", draw: (r, { study }) => bootstrapFigure(r, { metric: study.objective.metric }) },
  ]),
  figuresOf(trialVarianceAnalysis, [
    {
      kind: "trial-variance",
      summary: "seed noise: results of each configuration retrained with different seeds",
      draw: (r, { study }) => trialVarianceFigure(r, { metric: study.objective.metric, direction: study.objective.direction }),
    },
  ]),
  figuresOf(importanceAnalysis, [
    { kind: "importance", summary: "which hyperparameters explain the objective's variance (binned ANOVA)", draw: (r, { study }) => importanceFigure(r, { metric: study.objective.metric }) },
  ]),
  figuresOf(fanovaAnalysis, [
    { kind: "fanova", summary: "fANOVA importance on a random-forest surrogate: main effects and pairwise interactions with their spread over trees", draw: (r) => fanovaFigure(r) },
    { kind: "partial-dependence", summary: "the random-forest surrogate's partial dependence on each hyperparameter (fANOVA marginals, band over trees)", report: false, draw: (r) => partialDependenceFigure(r) },
  ]),
  figuresOf(curvesAnalysis, [
    {
      kind: "curves",
      summary: "training and validation curves of up to 12 trials with the curve diagnostics at their steps",
      draw: (r, { study, options }) => {
        if (!r.roles.train && !r.roles.validation) return [];
        const ids = curveTrials(study, r.roles.validation ?? r.roles.train, options.trials);
        const curves = ids.map((id) => ({
          trial: id,
          train: r.roles.train ? study.curve(id, r.roles.train) : undefined,
          validation: r.roles.validation ? study.curve(id, r.roles.validation) : undefined,
        }));
        return curvesFigure(curves, r);
      },
    },
  ]),
  figuresOf(clippingAnalysis, [
    {
      kind: "clipping",
      summary: "gradient norm vs step and its histogram with the clipping threshold and clipped fraction",
      draw: (r, { study }) => {
        const series = study
          .trialIds()
          .map((id) => {
            const c = study.curve(id, r.metric);
            return { trial: id, steps: c.steps, norms: c.values };
          })
          .filter((s) => s.steps.length > 0);
        return clippingFigure(r, series);
      },
    },
  ]),
  figuresOf(checkpointsAnalysis, [{ kind: "checkpoints", summary: "histogram of best-step fractions with the first-10% and last-25% zones", draw: (r) => checkpointsFigure(r) }]),
  figuresOf(instabilityAnalysis, [
    {
      kind: "lr-sweep",
      summary: "learning-rate sweep: objective vs learning rate with unstable runs and lr*, loss curves by learning rate",
      draw: (r, { study }) => lrSweepFigure(r, r.metric ? r.trials.map((t) => study.curve(t.trial, r.metric!)) : [], { objective: study.objective }),
    },
    {
      kind: "warmup",
      summary: "warmup sweep planned from the learning-rate sweep, with results when the study swept warmup",
      draw: (r, { study }) => (r.warmupPlan ? warmupFigure(r.warmupPlan, warmupOutcomes(study), { objective: study.objective }) : []),
    },
  ]),
  figuresOf(batchSizeAnalysis, [
    { kind: "batch-size", summary: "throughput per batch size with OOM marked and where it stops growing", draw: (r) => (r.scan ? batchSizeFigure(r.scan, r.scaling ?? undefined) : []) },
  ]),
];

/** A figure kind with the analysis it draws. */
export interface FigureKindEntry {
  kind: string;
  summary: string;
  analysis: AnyAnalysis;
  // biome-ignore lint: any figure definition.
  figure: FigureDefinition<any, any, any>;
}

/**
 * Every figure kind, in registry order.
 *
 * @example
 * figureEntries().map((e) => e.kind); // ["infeasible", "axis", "parallel", …]
 */
export function figureEntries(): FigureKindEntry[] {
  return ANALYSIS_FIGURES.flatMap((a) => a.figures.map((figure) => ({ kind: figure.kind, summary: figure.summary, analysis: a.analysis, figure })));
}

/**
 * The figure kind `kind`, or a clear error with a did-you-mean.
 *
 * @example
 * figureEntry("lr-sweep").analysis.name; // "instability"
 */
export function figureEntry(kind: string): FigureKindEntry {
  const all = figureEntries();
  const e = all.find((x) => x.kind === kind);
  if (!e) throw new TunebookError(`unknown figure kind "${kind}"${didYouMean(kind, all.map((x) => x.kind))} (known: ${all.map((x) => x.kind).join(", ")})`);
  return e;
}

/** The figure definitions of an analysis (none when it has no figure). */
export function figuresOfAnalysis(name: string): FigureKindEntry[] {
  return figureEntries().filter((e) => e.analysis.name === name);
}

/** Figure options validated like analysis options (unknown names are an error). */
function parseFigureOptions(entry: FigureKindEntry, raw: Record<string, unknown>): FigureOptionValues {
  const pseudo = { name: `${entry.kind} figure`, summary: "", options: entry.figure.options ?? {}, applies: () => true as const, run: () => ({ findings: [] }) };
  return parseOptions(pseudo, raw) as FigureOptionValues;
}

/**
 * Draw the figures of an analysis result: what the report, the magics and the CLI all call. The
 * result must be the one the analysis returned for `study` with `options`.
 *
 * @example
 * const r = review(study); drawFigures("isolation", r.results.isolation!, study, r.options.isolation!);
 */
export function drawFigures(
  analysis: string,
  result: AnalysisResult,
  study: Study,
  options: Record<string, unknown>,
  figure: { kinds?: string[]; report?: boolean; options?: Record<string, unknown> } = {},
): Array<{ kind: string; figure: Figure }> {
  const out: Array<{ kind: string; figure: Figure }> = [];
  for (const e of figuresOfAnalysis(analysis)) {
    if (figure.kinds && !figure.kinds.includes(e.kind)) continue;
    if (figure.report && e.figure.report === false) continue;
    const own: Record<string, unknown> = {};
    for (const k of Object.keys(e.figure.options ?? {})) if (figure.options?.[k] !== undefined) own[k] = figure.options[k];
    const drawn = e.figure.draw(result, { study, options, figure: parseFigureOptions(e, own) });
    for (const f of Array.isArray(drawn) ? drawn : [drawn]) out.push({ kind: e.kind, figure: f });
  }
  return out;
}
