/**
 * The runner under faults: trainers that crash, lie, flood stdout or hit a full disk; configs with
 * typos. Each case ends with a clear outcome and records that load back the same.
 */
import { existsSync, readFileSync, statSync, symlinkSync, mkdirSync, unlinkSync, } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStudy } from "../../src/study/load.js";
import { loadStudyConfig, MAX_TRIALS } from "../../src/runner/config.js";
import { runStudy } from "../../src/runner/run.js";
import { studyPoints } from "../../src/runner/points.js";
import { parseSpace } from "../../src/space/parse.js";
import { sample } from "../../src/space/sample.js";
import { oomMessage, processStatus } from "../../src/study/status.js";
import { records, tinyStudy } from "./helpers.js";

const log = (out: string, index: number) => readFileSync(join(out, "logs", `${String(index).padStart(6, "0")}.log`), "utf8");

describe("one status rule: runner record, run summary and tunebook load agree", () => {
  it("NaN objective or Inf loss → diverged; OOM only from SIGKILL or an explicit message", async () => {
    const points = [
      { x: 0.3, mode: "ok" },
      { x: 0.31, mode: "nan-objective" }, // would be the best trial if its NaN were ignored
      { x: 0.5, mode: "nan-loss" },
      { x: 0.6, mode: "oom-message" },
      { x: 0.7, mode: "oom-mention" },
      { x: 0.8, mode: "sigkill" },
    ];
    // The rule, written from the trainer's documented modes (not from tunebook's output).
    const expected: Record<string, string> = { ok: "complete", "nan-objective": "diverged", "nan-loss": "diverged", "oom-message": "oom", "oom-mention": "failed", sigkill: "oom" };
    const s = tinyStudy({ points });
    const summary = await runStudy(loadStudyConfig(s.file), { dir: s.out, workers: 2 });
    const recs = records(s.out);
    expect(recs.map((r) => r.status)).toEqual(points.map((p) => expected[p.mode]));
    expect(recs[3]!.error).toMatch(/PyTorch/);
    expect(recs[4]!.error).toBe("exited with 1");
    expect(recs[5]!.error).toMatch(/SIGKILL/);
    expect(summary.byStatus).toEqual({ complete: 1, pruned: 0, diverged: 2, failed: 1, oom: 2, running: 0 });
    // The summary's best comes from the complete trial only: objective at step 4 of x = 0.3.
    expect(summary.best).toEqual({ trial: "trial-000000", value: 0 + 1 / 5 });
    const study = await loadStudy(s.out);
    expect(study.trialRows().map((t) => t.status)).toEqual(recs.map((r) => r.status));
  }, 60_000);

  it("the OOM message patterns are explicit", () => {
    expect(oomMessage("RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB")).toBe("PyTorch (CUDA)");
    expect(oomMessage("2024-01-01 W external/xla: RESOURCE_EXHAUSTED: Out of memory while trying to allocate")).toBe("TensorFlow / JAX (XLA)");
    expect(oomMessage("Traceback (most recent call last):\n  File x\nMemoryError")).toBe("Python");
    expect(oomMessage("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory")).toBe("Node.js");
    expect(oomMessage("checking for out of memory errors: none")).toBeUndefined();
    expect(oomMessage("no MemoryError seen")).toBeUndefined();
    expect(processStatus({ code: 137, signal: null }).status).toBe("oom");
    expect(processStatus({ code: 1, signal: null, stderrTail: "out of memory … none" }).status).toBe("failed");
    expect(processStatus({ code: 0, signal: null, stderrTail: "CUDA out of memory" }).status).toBe("complete");
  });
});

describe("trainer output is checked, not coerced", () => {
  it('a step of −7 or "0x10" and a value "0x10" are not recorded, and the log says why once', async () => {
    const s = tinyStudy({ points: [{ x: 0.2, mode: "bad-step" }, { x: 0.2, mode: "bad-value" }] });
    await runStudy(loadStudyConfig(s.file), { dir: s.out, workers: 1 });
    const study = await loadStudy(s.out);
    expect(study.curve("trial-000000", "objective").steps).toEqual([0, 1, 4]);
    expect(study.curve("trial-000001", "objective").steps).toEqual([0, 1, 3, 4]);
    expect(study.curve("trial-000001", "train/loss").steps).toEqual([0, 1, 2, 3, 4]);
    expect(log(s.out, 0)).toMatch(/step must be a non-negative integer, not -7/);
    expect(log(s.out, 0)).toMatch(/step must be a non-negative integer, not "0x10" \(found "0x10": a hexadecimal literal is not read as a number\)/);
    expect(log(s.out, 1)).toMatch(/"objective": found "0x10": a hexadecimal literal is not read as a number: not recorded/);
  }, 30_000);
});

describe("bounded", () => {
  it("a 200 MB stdout line is truncated into the log, not buffered, and the trial goes on", async () => {
    const s = tinyStudy({ points: [{ x: 0.3, mode: "long-line" }], env: { TINY_LONG_MB: "200" } });
    const before = process.resourceUsage().maxRSS;
    const summary = await runStudy(loadStudyConfig(s.file), { dir: s.out, workers: 1 });
    const grownMB = (process.resourceUsage().maxRSS - before) / 1024;
    expect(summary.byStatus.complete).toBe(1);
    // Held whole, the line alone would be 200 MB (twice that as a string).
    expect(grownMB).toBeLessThan(100);
    expect(statSync(join(s.out, "logs/000000.log")).size).toBeLessThan(64 * 1024);
    expect(log(s.out, 0)).toMatch(/a stdout line of 209715200 bytes exceeded the 1 MiB limit/);
    const study = await loadStudy(s.out);
    expect(study.curve("trial-000000", "objective").steps).toEqual([0, 1, 2, 3, 4]);
  }, 60_000);

  it("trials is bounded, and a million-trial study samples only the trials it runs", async () => {
    const big = tinyStudy({ trials: 1e9 });
    expect(() => loadStudyConfig(big.file)).toThrow(/study\.yaml:\d+: field "trials": at most 1,000,000 trials/);
    const s = tinyStudy({ trials: MAX_TRIALS });
    const cfg = loadStudyConfig(s.file);
    const space = parseSpace(cfg.spaceObject);
    // Lazily computed trial 999,999 is the one the sampler gives at that index.
    expect(studyPoints(cfg)(999_999)).toEqual(sample(space, { n: 1, start: 999_999, seed: 1 })[0]);
    const t0 = process.resourceUsage().maxRSS;
    const summary = await runStudy(cfg, { dir: s.out, shard: { index: 7, count: 500_000 }, workers: 1 });
    expect(summary.total).toBe(2);
    expect(summary.byStatus.complete).toBe(2);
    expect(records(s.out).map((r) => r.index)).toEqual([7, 500_007]);
    expect((process.resourceUsage().maxRSS - t0) / 1024).toBeLessThan(100);
  }, 60_000);
});

describe("failed writes", () => {
  it("ENOSPC on a trial's measurements ends that trial failed with the reason; records stay intact; --resume finishes", async () => {
    const s = tinyStudy({ points: [{ x: 0.1, mode: "ok" }, { x: 0.2, mode: "ok" }, { x: 0.3, mode: "ok" }] });
    mkdirSync(join(s.out, "trials"), { recursive: true });
    // /dev/full answers every write with ENOSPC: the disk is full for this one file.
    symlinkSync("/dev/full", join(s.out, "trials/000001.jsonl"));
    const cfg = loadStudyConfig(s.file);
    const summary = await runStudy(cfg, { dir: s.out, workers: 1 });
    expect(summary.storageError).toMatch(/ENOSPC/);
    const recs = records(s.out);
    expect(recs.map((r) => [r.index, r.status])).toEqual([
      [0, "complete"],
      [1, "failed"],
    ]);
    expect(recs[1]!.error).toMatch(/could not write the trial's files: ENOSPC/);
    unlinkSync(join(s.out, "trials/000001.jsonl")); // (reading /dev/full never ends)
    const study = await loadStudy(s.out);
    expect(study.curve("trial-000000", "objective").steps).toEqual([0, 1, 2, 3, 4]);
    expect(study.trialRows().map((t) => t.status)).toEqual(["complete", "failed"]);
    const again = await runStudy(cfg, { dir: s.out, workers: 1, resume: true });
    expect(again.ran).toBe(1);
    expect(records(s.out).map((r) => r.status)).toEqual(["complete", "failed", "complete"]);
  }, 60_000);
});

describe("strict config", () => {
  it("an unknown key is an error with the file, line and a did-you-mean", () => {
    const s = tinyStudy({ trainer: { timout: 1 } });
    const text = readFileSync(s.file, "utf8");
    const line = text.split("\n").findIndex((l) => l.includes("timout:")) + 1;
    expect(() => loadStudyConfig(s.file)).toThrow(`${s.file}:${line}: field "trainer.timout": unknown key "timout" (did you mean "timeout"?)`);
    const top = tinyStudy({ over: { worker: 2 } });
    expect(() => loadStudyConfig(top.file)).toThrow(/field "worker": unknown key "worker" \(did you mean "workers"\?\)/);
  });

  it("a placeholder typo and a hyperparameter that never reaches the command are errors", () => {
    const typo = tinyStudy({ trainer: { command: [process.execPath, "t.mjs", "--x", "{xx}"] } });
    expect(() => loadStudyConfig(typo.file)).toThrow(/field "trainer.command.3": placeholder \{xx\} names no hyperparameter of the study \(did you mean "x"\?\)/);
    const lr = tinyStudy({
      over: { space: { parameters: { learning_rate: { type: "float", low: 1e-4, high: 1, scale: "log" } } } },
      trainer: { command: ["python3", "train.py", "--lr", "{learnign_rate}"] },
    });
    expect(() => loadStudyConfig(lr.file)).toThrow(/placeholder \{learnign_rate\} names no hyperparameter of the study \(did you mean "learning_rate"\?\)/);
    const missing = tinyStudy({ trainer: { command: ["python3", "train.py"] } });
    expect(() => loadStudyConfig(missing.file)).toThrow(/hyperparameter "x" never reaches the command: add \{x\} to it, or list it under trainer.unused/);
    const declared = tinyStudy({ trainer: { command: ["python3", "train.py"], unused: ["x"] } });
    expect(loadStudyConfig(declared.file).trainer).toMatchObject({ unused: ["x"] });
    const wrongUnused = tinyStudy({ trainer: { unused: ["y"] } });
    expect(() => loadStudyConfig(wrongUnused.file)).toThrow(/field "trainer.unused.0": "y" is not a hyperparameter/);
  });

  it("the CLI prints config errors without a stack trace", async () => {
    const { runCli } = await import("../helpers/cli.js");
    const s = tinyStudy({ trainer: { timout: 1 } });
    const r = runCli(["run", s.file, "--out", s.out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did you mean "timeout"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(s.out)).toBe(false);
  }, 30_000);
});
