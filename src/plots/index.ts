/** Plotly figure builders (analysis result → figure JSON) and static/HTML export. */
export * from "./theme.js";
export * from "./grid.js";
export * from "./export.js";
export * from "./axis.js";
