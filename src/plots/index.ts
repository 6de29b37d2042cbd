/**
 * Plotly figure builders (analysis result → figure JSON), the FIGURES registry (study → figure
 * by kind), and static PNG/SVG/HTML export.
 */
export * from "./theme.js";
export * from "./export.js";
export { BUNDLED_TRACE_TYPES, type PlotlyBundle, plotlyBundleFor, traceTypes } from "./plotlyBundle.js";
export * from "./axis.js";
export * from "./isolation.js";
export * from "./boundaries.js";
export * from "./infeasible.js";
export * from "./bootstrap.js";
export * from "./trialVariance.js";
export * from "./importance.js";
export * from "./fanova.js";
export * from "./curves.js";
export * from "./clipping.js";
export * from "./checkpoints.js";
export * from "./lrSweep.js";
export * from "./warmup.js";
export * from "./batchSize.js";
export * from "./parallel.js";
export * from "./slice.js";
export * from "./contour.js";
export * from "./figures.js";
export * from "./catalog.js";
export * from "./algoperf.js";
