/**
 * 1,000,000 scrambled Halton points in 10 dimensions: tunebook's `haltonPoints` vs scipy's
 * `qmc.Halton(d=10, scramble=True).random(1_000_000)` (goal: at least as fast), plus the mean
 * centered L2 discrepancy of 512 points in 10 dims over 10 seeds (quality: comparable).
 * Run alone: `node --import tsx bench/halton.ts`.
 */
import { centeredDiscrepancy, counterUniform, haltonPoints } from "../src/space/index.js";
import { peer, report, time } from "./common.js";

const N = 1_000_000;
const D = 10;

// Cold: the first call also builds the permutation tables for seed 0.
const t0 = performance.now();
haltonPoints(N, D, { seed: 0 });
const cold = (performance.now() - t0) / 1000;
let seed = 1;
// Median of 3, a fresh seed each run so the table build is always included.
const ours = await time(() => haltonPoints(N, D, { seed: seed++ }), 3, false);
const scipy = peer("halton", [String(N), String(D)]);
report("halton", ours, "scipy", scipy?.halton, "≥1×");
process.stdout.write(`halton: first call (cold JIT) ${cold.toFixed(3)} s${scipy ? `; scipy ${scipy.scipy}` : ""}\n`);

const cdN = 512;
const seeds = 10;
let cd = 0;
let cdRandom = 0;
for (let s = 0; s < seeds; s++) {
  cd += centeredDiscrepancy(haltonPoints(cdN, D, { seed: s }), D) / seeds;
  cdRandom += centeredDiscrepancy(Float64Array.from({ length: cdN * D }, (_, k) => counterUniform(s, Math.floor(k / D), k % D)), D) / seeds;
}
process.stdout.write(
  `halton discrepancy (CD², n=${cdN}, d=${D}, mean of ${seeds} seeds): tunebook ${cd.toExponential(4)}, scipy ${scipy ? scipy.cd!.toExponential(4) : "n/a"}` +
    `; uniform random: tunebook ${cdRandom.toExponential(4)}, numpy ${scipy ? scipy.cd_random!.toExponential(4) : "n/a"}\n`,
);
