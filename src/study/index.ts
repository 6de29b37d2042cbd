export * from "./types.js";
export * from "./study.js";
export * from "./measurements.js";
export * from "./builder.js";
export * from "./load.js";
export { guessDirection } from "./formats/format.js";
export * from "./summary.js";
export * from "./status.js";
