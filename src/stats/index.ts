/**
 * Statistics primitives, one function per file, named for what it computes (simple-statistics'
 * shape): each delegates to simple-statistics or a maintained distributions package where one
 * exists; where a copy-free loop is needed for speed it lives here, tested against the library.
 * Analyses import from here, never hand-roll a median, a standard deviation or a distribution.
 */
export { chiSquareSurvival } from "./chiSquareSurvival.js";
export { differencesStandardDeviation } from "./differencesStandardDeviation.js";
export { linearRegressionSlope } from "./linearRegressionSlope.js";
export { mean } from "./mean.js";
export { median } from "./median.js";
export { quantileSorted } from "./quantileSorted.js";
export { sampleStandardDeviation } from "./sampleStandardDeviation.js";
export { studentTCdf } from "./studentTCdf.js";
export { welchTTest, type WelchTTest } from "./welchTTest.js";
