export * from "./tracking.js";
export * from "./report.js";
export * from "./algoperf.js";
