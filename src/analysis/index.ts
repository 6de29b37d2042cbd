/** The study analyses (issue 4) and training-dynamics analyses (issue 5): pure functions, results + findings. */
export * from "./finding.js";
export type { ObjectiveBy, Scale, BoxQuantiles } from "./common.js";
export { hparamScale, hparamRange, scaleOfValues, toScale, fromScale, trialValue, objectiveOf, isFeasibleRow } from "./common.js";
export * from "./axis.js";
export * from "./isolation.js";
export * from "./boundaries.js";
export * from "./infeasible.js";
export * from "./bootstrap.js";
export * from "./trialVariance.js";
export * from "./studyVariance.js";
export * from "./importance.js";
export * from "./fanova.js";
export * from "./adamBudget.js";
export * from "./review.js";
// Training-dynamics analyses (issue 5).
export * from "./metricRoles.js";
export * from "./curves.js";
export * from "./checkpoints.js";
export * from "./clipping.js";
export * from "./warmup.js";
export * from "./batchSize.js";
export * from "./trainingSteps.js";
export { type AnalysisDefinition, type AnalysisResult, type AnyAnalysis, type Applies, type OptionDef, type OptionKind, type OptionsOf, commonOptions, defineAnalysis, option, parseOptions } from "./registry.js";
export * from "./analyses.js";
export * from "./applicability.js";
export * from "./tuningBudget.js";
