export * from "./config.js";
export * from "../study/store.js";
export * from "./command.js";
export * from "./run.js";
export * from "./progress.js";
export { sampleStudyPoints } from "./points.js";
