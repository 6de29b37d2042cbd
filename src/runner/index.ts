export * from "./config.js";
export * from "../study/store.js";
export * from "./command.js";
export * from "./run.js";
export * from "./progress.js";
export { sampleStudyPoints, trialSampler, studyObservations, warmStartObservations, recordObservation } from "./points.js";
export type { TrialSampler, SamplerState } from "./points.js";
