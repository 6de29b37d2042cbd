/**
 * `npm run bench -- fuzz`: the loaders' property test (tests/helpers/fuzz.ts) with a fresh seed
 * and many inputs per format (FUZZ_RUNS, default 2000; FUZZ_SEED to replay a failure). Prints the
 * seed first, so a failure can be replayed, and the outcome counts per format.
 */
import { fuzzAll } from "../tests/helpers/fuzz.js";

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const runs = Number(process.env.FUZZ_RUNS ?? 2000);
process.stdout.write(`fuzz: seed ${seed}, ${runs} inputs per format\n`);
const t0 = Date.now();
try {
  await fuzzAll({ seed, runs, timeoutMs: 30_000, log: (s) => process.stdout.write(`fuzz ${s}\n`) });
} catch (e) {
  process.stdout.write(`fuzz: FAILED (replay with FUZZ_SEED=${seed})\n${(e as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(`fuzz: every loader held (no crash, no hang, nothing invented) in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
