/**
 * Runner scaling: the same study of CPU-bound command trials with 1 and 2 workers
 * (goal: 2 workers ≥ 1.8× faster on a 2-core machine).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseStudyConfig } from "../src/runner/config.js";
import { runStudy } from "../src/runner/run.js";
import { report } from "./common.js";

const dir = mkdtempSync(join(tmpdir(), "tunebook-bench-runner-"));
// A trial that burns CPU for a fixed amount of work and prints its "loss".
const script = join(dir, "burn.mjs");
writeFileSync(
  script,
  `let x = 0; const n = Number(process.argv[2]);
   for (let i = 0; i < n; i++) x += Math.sqrt(i % 1000);
   console.log(JSON.stringify({ step: 1, loss: x % 1 }));`,
);
const config = (trials: number) =>
  parseStudyConfig(
    {
      name: "burn",
      objective: { metric: "loss", direction: "minimize" },
      trials,
      space: { parameters: { work: { type: "discrete", values: [300_000_000] } } },
      trainer: { type: "command", command: [process.execPath, script, "{work}"] },
    },
    "bench",
    dir,
  );
const trials = 8;
const t1 = (await runStudy(config(trials), { dir: join(dir, "w1"), workers: 1 })).wallSeconds;
const t2 = (await runStudy(config(trials), { dir: join(dir, "w2"), workers: 2 })).wallSeconds;
// Here the "peer" is tunebook itself with one worker: the ratio is the parallel speed-up.
report(`runner scaling (${trials} CPU-bound trials)`, t2, "1 worker", t1, "1.8×");
rmSync(dir, { recursive: true, force: true });
