/**
 * THE registry: every analysis, in the order the review runs them. Review, report, magics, CLI
 * and the figure list iterate this list; adding an analysis is one line here (see ./registry.ts).
 */
import { adamBudgetAnalysis } from "./adamBudget.js";
import { axisAnalysis } from "./axis.js";
import { batchSizeAnalysis } from "./batchSize.js";
import { bootstrapAnalysis } from "./bootstrap.js";
import { boundariesAnalysis } from "./boundaries.js";
import { checkpointsAnalysis } from "./checkpoints.js";
import { clippingAnalysis } from "./clipping.js";
import { curvesAnalysis } from "./curves.js";
import { fanovaAnalysis } from "./fanova.js";
import { importanceAnalysis } from "./importance.js";
import { infeasibleAnalysis } from "./infeasible.js";
import { isolationAnalysis } from "./isolation.js";
import type { AnyAnalysis } from "./registry.js";
import { studyVarianceAnalysis } from "./studyVariance.js";
import { trainingStepsAnalysis } from "./trainingSteps.js";
import { tuningBudgetAnalysis } from "./tuningBudget.js";
import { adoptionAnalysis, trialVarianceAnalysis } from "./trialVariance.js";
import { instabilityAnalysis } from "./warmup.js";
import { TunebookError } from "../core/errors.js";
import { didYouMean } from "../util/suggest.js";

export const ANALYSES = [
  infeasibleAnalysis,
  axisAnalysis,
  boundariesAnalysis,
  isolationAnalysis,
  bootstrapAnalysis,
  trialVarianceAnalysis,
  studyVarianceAnalysis,
  adoptionAnalysis,
  importanceAnalysis,
  fanovaAnalysis,
  adamBudgetAnalysis,
  curvesAnalysis,
  checkpointsAnalysis,
  clippingAnalysis,
  instabilityAnalysis,
  trainingStepsAnalysis,
  batchSizeAnalysis,
  tuningBudgetAnalysis,
] as const;

/** The name of a registered analysis. */
export type AnalysisName = (typeof ANALYSES)[number]["name"];

/** The definition registered under `N`. */
export type AnalysisNamed<N extends AnalysisName> = Extract<(typeof ANALYSES)[number], { name: N }>;

/** The result type of the analysis registered under `N`. */
export type ResultOf<N extends AnalysisName> = ReturnType<AnalysisNamed<N>["run"]>;

/** Results by analysis name (the ones that ran). */
export type AnalysisResults = { [N in AnalysisName]?: ResultOf<N> };

/**
 * The names of every registered analysis, in review order.
 *
 * @example
 * analysisNames().includes("isolation"); // true
 */
export function analysisNames(): AnalysisName[] {
  return ANALYSES.map((a) => a.name);
}

/**
 * The definition of an analysis by name; an unknown name is a clear error with a did-you-mean.
 *
 * @example
 * analysisNamed("isolation").summary;
 * analysisNamed("isolaton"); // TunebookError: unknown analysis "isolaton" (did you mean isolation?) …
 */
export function analysisNamed(name: string): AnyAnalysis {
  const a = (ANALYSES as readonly AnyAnalysis[]).find((x) => x.name === name);
  if (!a) throw new TunebookError(`unknown analysis "${name}"${didYouMean(name, analysisNames(), { form: "aside" })} (known: ${analysisNames().join(", ")})`);
  return a;
}
