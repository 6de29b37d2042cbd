/**
 * The property test of every loader (tests/helpers/fuzz.ts): random bytes and random edits of
 * valid inputs never crash, never hang, and never invent a value. A fixed seed here (so CI is
 * reproducible); `npm run bench -- fuzz` runs a fresh seed with many more inputs.
 */
import { describe, expect, it } from "vitest";
import { fuzzAll } from "../helpers/fuzz.js";

describe("loaders under random input (fast-check)", () => {
  it("no crash, no hang, nothing invented: 60 inputs per format, seed 17", async () => {
    const counts = await fuzzAll({ seed: 17, runs: 60, timeoutMs: 20_000 });
    // Every format saw both outcomes' worth of inputs: the edits keep some files loadable.
    for (const [format, c] of Object.entries(counts)) {
      expect(c.study + c.error, format).toBe(60);
      expect(c.study, format).toBeGreaterThan(0);
    }
  }, 600_000);
});
