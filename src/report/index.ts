export * from "./tracking.js";
export * from "./report.js";
