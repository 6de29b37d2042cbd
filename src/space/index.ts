/** Search spaces: specs, validation, samplers (scrambled Halton, random, grid) and study design. */
export * from "./spec.js";
export * from "./parse.js";
export * from "./halton.js";
export { SplitMix64, counterUniform } from "./prng.js";
export * from "./sample.js";
export * from "./bo.js";
export * from "./design.js";
export * from "./describe.js";
export * from "./discrepancy.js";
