/**
 * MLflow tracking folders. Debian has no mlflow package, so there is no MLflow to ask; instead:
 * - datasets/mlflow_breast_cancer_grid: a real public `mlruns` folder (MIT, provenance in its
 *   README) that MLflow wrote for a GridSearchCV, read independently by
 *   tests/fixtures/mlflow/read_mlruns.py (FileStore's own parsing rules) and compared value for value;
 * - a folder written by tests/fixtures/mlflow/make_mlruns.py in FileStore's layout for what the
 *   public one lacks (NaN values, running and killed runs, metric sub-folders, many steps), with a
 *   record of everything it logged (logged.json).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { TunebookError } from "../../src/study/types.js";
import { DATA, ROOT } from "../helpers/cli.js";

const PY = "/usr/bin/python3";
const TMP = mkdtempSync(join(tmpdir(), "tunebook-mlflow-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const noYaml = spawnSync(PY, ["-c", "import yaml"]).status === 0 ? undefined : `${PY} cannot import yaml (apt-get install python3-yaml)`;

interface LoggedRun {
  run_id: string;
  run_name: string;
  status: number;
  deleted: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, Array<[number, number | string]>>;
}
interface Logged {
  experiments: Array<{ id: string; name: string; runs: LoggedRun[] }>;
}

/** The value a param's text stands for: a decimal number, True/False, else the text itself. */
function paramRule(text: string): unknown {
  if (text === "True") return true;
  if (text === "False") return false;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
}
const STATUS: Record<number, string> = { 1: "running", 2: "running", 3: "complete", 4: "failed", 5: "failed" };
const STATE: Record<number, string> = { 1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED" };

describe.skipIf(noYaml)("MLflow tracking folder (FileStore layout)", () => {
  let mlruns = "";
  let logged: Logged;
  beforeAll(() => {
    const r = spawnSync(PY, [join(ROOT, "tests/fixtures/mlflow/make_mlruns.py"), TMP], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    mlruns = join(TMP, "mlruns");
    logged = JSON.parse(readFileSync(join(TMP, "logged.json"), "utf8")) as Logged;
  });

  it("is detected, and asks for --study when several experiments have runs", async () => {
    expect(await detectFormat(mlruns)).toBe("mlflow");
    expect(await detectFormat(join(mlruns, "712345678901234567"))).toBe("mlflow");
    await expect(loadStudy(mlruns)).rejects.toThrow(/holds 2 experiments with runs; pick one with --study NAME: mnist-lr-sweep \(9 runs\), other \(1 runs\)/);
  });

  it("runs, params, metrics and statuses match what was logged", async () => {
    const exp = logged.experiments.find((e) => e.name === "mnist-lr-sweep")!;
    const study = await loadStudy(mlruns, { study: "mnist-lr-sweep", objective: "val_loss" });
    const live = exp.runs.filter((r) => !r.deleted);
    expect(study.size).toBe(live.length);
    expect(study.objective).toEqual({ metric: "val_loss", direction: "minimize" });
    expect(study.warnings.map((w) => w.message)).toContain("1 deleted run left out (lifecycle_stage: deleted)");
    for (const r of live) {
      const t = study.trial(r.run_name)!;
      expect(t, r.run_name).toBeDefined();
      expect(t.attrs.runId).toBe(r.run_id);
      expect(t.attrs.state).toBe(STATE[r.status]);
      // A finished run whose val_loss went NaN is diverged (tunebook's rule for non-finite losses).
      const nonFinite = Object.values(r.metrics).some((p) => p.some(([, v]) => typeof v === "string"));
      expect(t.status, r.run_name).toBe(nonFinite && r.status === 3 ? "diverged" : STATUS[r.status]);
      for (const [k, v] of Object.entries(r.params)) expect(t.hparams[k], `${r.run_name} ${k}`).toBe(paramRule(v));
      expect(t.attrs.tags).toEqual(r.tags);
      for (const [m, pts] of Object.entries(r.metrics)) {
        const c = study.curve(r.run_name, m);
        expect(c.steps).toEqual(pts.map((p) => p[0]));
        expect(c.values).toEqual(pts.map((p) => (typeof p[1] === "string" ? Number(p[1].replace("nan", "NaN").replace("inf", "Infinity")) : p[1])));
      }
    }
    expect(study.metrics()).toEqual(["eval/accuracy", "train_loss", "val_loss"]); // eval/accuracy is a sub-folder
    expect(study.bestTrial()!.id).toBe(
      live.filter((r) => r.status === 3 && r.metrics.val_loss?.every(([, v]) => typeof v === "number")).sort((a, b) => Math.min(...a.metrics.val_loss!.map((p) => p[1] as number)) - Math.min(...b.metrics.val_loss!.map((p) => p[1] as number)))[0]!.run_name,
    );
  });

  it("a param that is a number in one run and text in another stays text, with a warning", async () => {
    const exp = join(TMP, "mixed");
    spawnSync("cp", ["-r", join(mlruns, "712345678901234567"), exp]);
    writeFileSync(join(exp, "6c3d4e5f60718293a4b5c6d7e8f90a1b/params/batch_size"), "auto");
    const s = await loadStudy(exp);
    expect(s.trial("eager-ant-4")!.hparams.batch_size).toBe("auto");
    expect(s.trial("brave-owl-1")!.hparams.batch_size).toBe("64");
    const w = s.warnings.find((x) => x.field === "batch_size")!;
    expect(w.file).toContain("6c3d4e5f60718293a4b5c6d7e8f90a1b");
    expect(w.message).toMatch(/number in some runs and text in others/);
  });

  it("a bad metric line is a warning naming file and line; a broken meta.yaml an error naming the file", async () => {
    const exp = join(TMP, "bad");
    spawnSync("cp", ["-r", join(mlruns, "712345678901234567"), exp]);
    const f = join(exp, "3f2a0c1b9d8e4f7a8b6c5d4e3f2a1b0c/metrics/val_loss");
    appendFileSync(f, "1700000009000 0x10 600\n");
    const s = await loadStudy(exp);
    const w = s.warnings.find((x) => x.file === f)!;
    expect(w.line).toBe(7);
    expect(w.message).toMatch(/expected "<timestamp> <value> <step>"/);
    const meta = join(exp, "4a1b2c3d4e5f60718293a4b5c6d7e8f9/meta.yaml");
    writeFileSync(meta, "run_id: [unclosed\n");
    const e = (await loadStudy(exp).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(TunebookError);
    expect(e.message).toContain(`${meta}: not valid YAML`);
  });
});

describe.skipIf(noYaml)("a real public mlruns folder (datasets/mlflow_breast_cancer_grid, MLflow 2.x, MIT)", () => {
  const mlruns = join(DATA, "mlflow_breast_cancer_grid", "mlruns");
  let exp: Logged["experiments"][number];
  beforeAll(() => {
    const r = spawnSync(PY, [join(ROOT, "tests/fixtures/mlflow/read_mlruns.py"), mlruns], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    exp = (JSON.parse(r.stdout) as Logged).experiments[0]!;
  });

  it("every live run that is not a parent of nested runs is a trial, with its params, status and metrics", async () => {
    expect(await detectFormat(mlruns)).toBe("mlflow");
    const study = await loadStudy(mlruns);
    expect(study.name).toBe(exp.name);
    const live = exp.runs.filter((r) => !r.deleted);
    // Rule: a run named by another live run's mlflow.parentRunId tag holds the search, not a trial.
    const parents = new Set(live.map((r) => r.tags["mlflow.parentRunId"]).filter(Boolean));
    const trials = live.filter((r) => !parents.has(r.run_id));
    expect(live.length - trials.length).toBe(1); // the fixture has what it claims: one parent with children
    expect(study.size).toBe(trials.length);
    // Objective: the only metric, accuracy, maximized (from its name).
    const metrics = [...new Set(trials.flatMap((r) => Object.keys(r.metrics)))];
    expect(metrics).toEqual(["accuracy"]);
    expect(study.objective).toEqual({ metric: "accuracy", direction: "maximize" });
    // A param written as a number in some runs and as text in others (max_depth: "None") stays text.
    const names = [...new Set(trials.flatMap((r) => Object.keys(r.params)))];
    const mixed = names.filter((n) => new Set(trials.filter((r) => n in r.params).map((r) => typeof paramRule(r.params[n]!))).size > 1);
    expect(mixed).toEqual(["max_depth"]);
    for (const r of trials) {
      const t = study.trial(r.run_name)!;
      expect(t, r.run_name).toBeDefined();
      expect(t.attrs.runId).toBe(r.run_id);
      expect(t.attrs.state).toBe(STATE[r.status]);
      expect(t.status, r.run_name).toBe(STATUS[r.status]);
      for (const n of names) expect(t.hparams[n], `${r.run_name} ${n}`).toBe(n in r.params ? (mixed.includes(n) ? r.params[n] : paramRule(r.params[n]!)) : null);
      expect(t.attrs.tags).toEqual(r.tags);
      for (const [m, pts] of Object.entries(r.metrics)) {
        const c = study.curve(r.run_name, m);
        expect(c.steps).toEqual(pts.map((p) => p[0]));
        expect(c.values).toEqual(pts.map((p) => p[1]));
      }
      if (!r.metrics.accuracy) expect(t.final).toBeNull();
    }
    const best = Math.max(...trials.flatMap((r) => (r.metrics.accuracy ?? []).map((p) => p[1] as number)));
    expect(study.bestTrial()!.best).toBe(best);
    expect(trials.filter((r) => r.metrics.accuracy?.some((p) => p[1] === best)).map((r) => r.run_name)).toContain(study.bestTrial()!.id);
    const messages = study.warnings.map((w) => w.message);
    expect(messages).toContain(`${exp.runs.filter((r) => r.deleted).length} deleted runs left out (lifecycle_stage: deleted)`);
    const parent = live.find((r) => parents.has(r.run_id))!;
    expect(messages).toContain(`1 parent run left out, its nested runs are the trials (${parent.run_name}: ${live.filter((r) => r.tags["mlflow.parentRunId"] === parent.run_id).length} nested runs)`);
  });
});
