import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadStudy } from "../../src/study/load.js";
import { loadStudyConfig } from "../../src/runner/config.js";
import { runStudy } from "../../src/runner/run.js";
import { sampleStudyPoints } from "../../src/runner/points.js";
import { fillArgs, readMeasurementLine, splitCommand } from "../../src/runner/command.js";
import { ROOT, runCli } from "../helpers/cli.js";

const TOY = join(ROOT, "examples/trainers/toy-trainer.mjs");

/** Write a study config of toy-trainer command trials into a fresh folder. */
function writeConfig(over: Record<string, unknown> = {}, env: Record<string, string> = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "tunebook-run-"));
  const cfg = {
    name: "toy",
    objective: { metric: "validation/loss", direction: "minimize" },
    sampler: "halton",
    seed: 3,
    trials: 12,
    workers: 2,
    space: {
      parameters: {
        learning_rate: { type: "float", low: 1e-3, high: 1, scale: "log", role: "nuisance" },
        activation: { type: "categorical", values: ["relu", "tanh", "fail", "oom", "hang"], role: "scientific" },
      },
    },
    trainer: {
      type: "command",
      command: [process.execPath, TOY, "--lr", "{learning_rate}", "--activation", "{activation}"],
      timeout: 3,
      env,
    },
    ...over,
  };
  const file = join(dir, "study.yaml");
  writeFileSync(file, stringify(cfg));
  return { dir, file };
}

/** The status the toy trainer must end with, from its documented behaviour. */
function expectedStatus(h: Record<string, unknown>): string {
  if (h.activation === "fail" || h.activation === "hang") return "failed";
  if (h.activation === "oom") return "oom";
  return (h.learning_rate as number) > 0.5 ? "diverged" : "complete";
}

describe("command helpers", () => {
  it("splits commands without a shell and fills placeholders", () => {
    expect(splitCommand(`python train.py --name "a b" --x 'c d'`)).toEqual(["python", "train.py", "--name", "a b", "--x", "c d"]);
    expect(fillArgs(["--lr", "{lr}", "--beta1", "{beta1}", "--tag=run-{lr}"], { lr: 0.5, beta1: null })).toEqual(["--lr", "0.5", "--tag=run-0.5"]);
  });
  it("reads JSON lines, including Python's bare NaN", () => {
    const rows = readMeasurementLine('{"step": 3, "train/loss": NaN, "acc": 0.5, "note": "x"}')!.rows;
    expect(rows.map((r) => r.metric)).toEqual(["train/loss", "acc"]);
    expect(Number.isNaN(rows[0]!.value)).toBe(true);
    expect(readMeasurementLine("epoch 3 done")).toBeUndefined();
  });
});

describe("runStudy with command trials", () => {
  it("ends with the right statuses and measurements, and tunebook load reads it", async () => {
    const { dir, file } = writeConfig();
    const cfg = loadStudyConfig(file);
    const points = await sampleStudyPoints(cfg);
    const events: string[] = [];
    const summary = await runStudy(cfg, { dir: join(dir, "out"), onProgress: (p) => p.event && events.push(p.event.status) });
    expect(summary.ran).toBe(12);
    const study = await loadStudy(join(dir, "out"));
    expect(study.size).toBe(12);
    const expected: Record<string, number> = { complete: 0, pruned: 0, diverged: 0, failed: 0, oom: 0, running: 0 };
    for (const h of points) expected[expectedStatus(h)]!++;
    // The sample must exercise every outcome for this test to mean something.
    expect(expected.complete).toBeGreaterThan(0);
    expect(expected.failed).toBeGreaterThan(0);
    expect(study.statusCounts()).toEqual(expected);
    for (const t of study.trialRows()) {
      const idx = Number(t.id.slice(-6));
      expect(t.hparams).toEqual({ ...points[idx] });
      expect(t.status).toBe(expectedStatus(t.hparams));
      if (t.status === "complete") {
        // 0, 10, …, 50: six evaluations of each metric
        expect(study.curve(t.id, "validation/loss").steps).toEqual([0, 10, 20, 30, 40, 50]);
        expect(t.best).not.toBeNull();
      }
      if (t.hparams.activation === "hang") expect(String(t.attrs.error)).toMatch(/timed out/);
    }
    // Logs keep stderr of failed trials.
    const failed = study.trialRows().find((t) => t.hparams.activation === "fail")!;
    expect(readFileSync(join(dir, "out/logs", `${failed.id.slice(-6)}.log`), "utf8")).toMatch(/ValueError/);
    expect(events.filter((e) => e === "started")).toHaveLength(12);
  }, 60_000);

  it("passes values as arguments: a categorical value cannot run shell code", async () => {
    const marker = join(tmpdir(), `tunebook-injected-${process.pid}`);
    const { dir, file } = writeConfig({
      trials: 2,
      space: { parameters: { activation: { type: "categorical", values: [`x; touch ${marker}`, `$(touch ${marker})`] } } },
      trainer: { type: "command", command: [process.execPath, TOY, "--activation", "{activation}"], timeout: 3 },
    });
    const cfg = loadStudyConfig(file);
    await runStudy(cfg, { dir: join(dir, "out"), workers: 1 });
    expect(existsSync(marker)).toBe(false);
    const logs = readdirSync(join(dir, "out/logs")).map((f) => readFileSync(join(dir, "out/logs", f), "utf8")).join("");
    expect(logs).toContain(`x; touch ${marker}`);
  }, 30_000);

  it("refuses to overwrite a study without --resume, and a different study in the same folder", async () => {
    const { dir, file } = writeConfig({ trials: 2, space: { parameters: { activation: { type: "categorical", values: ["relu"] }, learning_rate: { type: "fixed", value: 0.01 } } } });
    const out = join(dir, "out");
    expect(runCli(["run", file, "--out", out]).code).toBe(0);
    const again = runCli(["run", file, "--out", out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/--resume/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
    const other = writeConfig({ trials: 3 });
    const r = runCli(["run", other.file, "--out", out, "--resume"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/different study/);
  }, 90_000);

  it("reports config errors with the file and field", () => {
    const { file } = writeConfig({ trials: -1 });
    const r = runCli(["run", file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/field "trials"/);
  });
});

/** Start `tunebook run` as a child process; resolves when it exits. */
function startRun(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/run.ts"), "run", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b) => (stderr += b));
  const done = new Promise<number>((r) => child.on("exit", (code, sig) => r(code ?? (sig ? 128 : -1))));
  return { child, done, stderr: () => stderr };
}

describe("resume and sharding", () => {
  it("a run killed with SIGKILL and resumed ends with every trial exactly once, finished ones not rerun", async () => {
    const { dir, file } = writeConfig(
      { trials: 8, workers: 2, space: { parameters: { learning_rate: { type: "float", low: 1e-3, high: 0.1, scale: "log" }, activation: { type: "categorical", values: ["relu", "tanh"] } } } },
      { TOY_DELAY_MS: "120" },
    );
    const out = join(dir, "out");
    const run = startRun([file, "--out", out]);
    // Wait until at least two trials are finished, then kill the runner without warning.
    const finished = () =>
      existsSync(join(out, "trials"))
        ? readdirSync(join(out, "trials")).filter((f) => f.endsWith(".json") && JSON.parse(readFileSync(join(out, "trials", f), "utf8")).status !== "running")
        : [];
    const t0 = Date.now();
    while (finished().length < 2 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    run.child.kill("SIGKILL");
    await run.done;
    const before = new Map(finished().map((f) => [f, JSON.parse(readFileSync(join(out, "trials", f), "utf8")).startedAt]));
    expect(before.size).toBeGreaterThanOrEqual(2);
    expect(before.size).toBeLessThan(8);
    const r = runCli(["run", file, "--out", out, "--resume"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${8 - before.size} trial\\(s\\) run, ${before.size} already done`));
    const study = await loadStudy(out);
    expect(study.size).toBe(8);
    expect(new Set(study.trialIds()).size).toBe(8);
    expect(study.statusCounts().complete).toBe(8);
    for (const [f, startedAt] of before) expect(JSON.parse(readFileSync(join(out, "trials", f), "utf8")).startedAt).toBe(startedAt);
    // No duplicated measurements from the rerun trials.
    for (const id of study.trialIds()) expect(study.curve(id, "validation/loss").steps).toEqual([0, 10, 20, 30, 40, 50]);
  }, 90_000);

  it("two --shard processes at once give the same study as one unsharded run", async () => {
    const { dir, file } = writeConfig({ trials: 10, workers: 1 });
    const a = startRun([file, "--out", join(dir, "sharded"), "--shard", "0/2"]);
    const b = startRun([file, "--out", join(dir, "sharded"), "--shard", "1/2"]);
    expect(await a.done).toBe(0);
    expect(await b.done).toBe(0);
    expect(runCli(["run", file, "--out", join(dir, "single")]).code).toBe(0);
    const s1 = await loadStudy(join(dir, "sharded"));
    const s2 = await loadStudy(join(dir, "single"));
    const strip = (s: typeof s1) => s.trialRows().map((t) => ({ id: t.id, status: t.status, hparams: { ...t.hparams }, best: t.best, steps: t.steps }));
    expect(strip(s1)).toEqual(strip(s2));
    expect(s1.measurementCount).toBe(s2.measurementCount);
  }, 90_000);
});
