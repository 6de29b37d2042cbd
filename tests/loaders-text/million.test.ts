/**
 * 1,000,000 measurement rows (2,000 trials × 500 steps, like DESIGN.md's pandas benchmark) stream
 * from JSONL, with a few malformed lines mixed in that are skipped and reported.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadStudy } from "../../src/study/load.js";

const TRIALS = 2000;
const STEPS = 500;
const tmp = mkdtempSync(join(tmpdir(), "tunebook-million-"));
const path = join(tmp, "million.jsonl");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Trial t: lr = (t+1)·1e-4, loss at step s = 1/(s+1) + t/10000 — trial 0 is best, ending at 1/500.
// Trial 7 diverges: its loss becomes bare NaN (as Python writes it) at step 250.
beforeAll(async () => {
  const out = createWriteStream(path);
  let buf = "";
  for (let t = 0; t < TRIALS; t++) {
    for (let s = 0; s < STEPS; s++) {
      const v = t === 7 && s >= 250 ? "NaN" : String(1 / (s + 1) + t / 10000);
      buf += `{"trial":"t${t}","step":${s},"metric":"loss","value":${v}${s === 0 ? `,"hp.lr":${(t + 1) * 1e-4}` : ""}}\n`;
    }
    if (t === 1000) buf += `{"trial":"t1000","step":"abc","metric":"loss","value":1}\n{"trial": oops}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once("drain", r));
      buf = "";
    }
  }
  buf += `{"trial":"t1","step":999,"metric":"lo`; // truncated last line
  await new Promise<void>((r) => out.end(buf, () => r()));
}, 60_000);

it("loads 1,000,000 rows by streaming, reporting progress and the bad lines", async () => {
  const size = statSync(path).size;
  const progress: number[] = [];
  const t0 = performance.now();
  const study = await loadStudy(path, { onProgress: (done, total) => (expect(total).toBe(size), progress.push(done)) });
  const ms = performance.now() - t0;
  expect(study.size).toBe(TRIALS);
  expect(study.measurementCount).toBe(TRIALS * STEPS);
  expect(progress.length).toBeGreaterThan(10); // chunked reads, not one string
  expect(progress.at(-1)).toBe(size);
  for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
  expect(study.warnings.map((w) => [w.line, w.field])).toEqual([
    [1001 * STEPS + 1, "step"],
    [1001 * STEPS + 2, undefined],
    [TRIALS * STEPS + 3, undefined],
  ]);
  expect(study.statusCounts()).toEqual({ complete: TRIALS - 1, pruned: 0, diverged: 1, failed: 0, oom: 0, running: 0 });
  expect(study.trial("t7")!.attrs.divergedStep).toBe(250);
  expect(study.bestTrial()!.id).toBe("t0");
  expect(study.bestTrial()!.best).toBeCloseTo(1 / STEPS, 12);
  expect(study.trial("t1999")!.hparams.lr).toBeCloseTo(0.2, 12);
  console.log(`1,000,000 JSONL rows in ${ms.toFixed(0)} ms`);
  // Speed is measured against pandas in bench/load.ts, not asserted here.
}, 60_000);
