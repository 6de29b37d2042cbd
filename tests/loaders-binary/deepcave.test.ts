import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { TunebookError } from "../../src/study/types.js";
import { configSpaceToSearchSpace } from "../../src/study/formats/deepcave.js";
import { DATA, runCli } from "../helpers/cli.js";

/** Every temporary file of this test file lives under TMP, removed at the end. */
const TMP = mkdtempSync(join(tmpdir(), "tunebook-deepcave-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const ROOT = join(DATA, "deepcave_mnist");

/** Independent reading of a history file: per config, the status of its highest budget. */
function finalStatuses(run: string): Map<number, number> {
  const last = new Map<number, [number, number]>();
  for (const line of readFileSync(join(ROOT, run, "history.jsonl"), "utf8").trim().split("\n")) {
    const [cid, budget, , , , , status] = JSON.parse(line) as [number, number, number, unknown, number, number, number];
    const prev = last.get(cid);
    if (!prev || budget >= prev[0]) last.set(cid, [budget, status]);
  }
  return new Map([...last].map(([k, v]) => [k, v[1]]));
}

describe("DeepCAVE run folders (real MNIST study)", () => {
  it("run_1: 1,000 trials, failed count from the history file, objective from meta.json", async () => {
    expect(await detectFormat(join(ROOT, "run_1"))).toBe("deepcave");
    const study = await loadStudy(join(ROOT, "run_1"));
    const statuses = finalStatuses("run_1");
    expect(study.size).toBe(1000);
    expect(statuses.size).toBe(1000);
    const counts = study.statusCounts();
    expect(counts.failed).toBe([...statuses.values()].filter((s) => s === 4).length);
    expect(counts.complete).toBe([...statuses.values()].filter((s) => s === 1).length);
    expect(study.objective).toEqual({ metric: "accuracy", direction: "maximize" });
    expect(study.metrics().sort()).toEqual(["accuracy", "loss", "time"]);
    // A trial's curve: budgets as steps, values from the history line.
    const c = study.curve("0", "accuracy");
    expect(c.steps).toEqual([8 / 3, 16 / 3, 8]);
    expect(c.values).toEqual([0.9197999835014343, 0.9355999827384949, 0.9416000247001648]);
    const cfg = JSON.parse(readFileSync(join(ROOT, "run_1/configs.json"), "utf8")) as Record<string, Record<string, unknown>>;
    expect(study.trial("0")!.hparams.learning_rate).toBe(cfg["0"]!.learning_rate);
    // Crashed evaluations have no accuracy, but their elapsed time is kept.
    const crashed = study.trialRows().find((t) => t.status === "failed")!;
    expect(study.curve(crashed.id, "time").values.length).toBe(3);
  });

  it("declares the space: 7 parameters, log learning rate, conditional layer widths", async () => {
    const study = await loadStudy(join(ROOT, "run_1"));
    const ps = study.space!.params;
    expect(ps).toHaveLength(7);
    const lr = ps.find((p) => p.name === "learning_rate")!;
    expect(lr).toMatchObject({ type: "float", low: 1e-4, high: 0.1, scale: "log" });
    expect(ps.find((p) => p.name === "num_neurons_layer1")!.condition).toEqual({ parent: "model", in: ["mlp"] });
    expect(ps.find((p) => p.name === "model")).toMatchObject({ type: "categorical", values: ["mlp", "cnn"] });
    expect(ps.find((p) => p.name === "batch_size")).toMatchObject({ type: "int", low: 16, high: 256, scale: "linear" });
    // Inactive where model = cnn: null, active (a number) where model = mlp.
    for (const t of study.trialRows()) {
      if (t.hparams.model === "cnn") expect(t.hparams.num_neurons_layer1).toBeNull();
      else expect(typeof t.hparams.num_neurons_layer1).toBe("number");
    }
  });

  it("a folder of runs loads both, grouped by run", async () => {
    expect(await detectFormat(ROOT)).toBe("deepcave");
    const study = await loadStudy(ROOT);
    expect(study.size).toBe(2000);
    const byGroup = new Map<string, number>();
    for (const t of study.trialRows()) byGroup.set(t.group!, (byGroup.get(t.group!) ?? 0) + 1);
    expect(Object.fromEntries(byGroup)).toEqual({ run_1: 1000, run_2: 1000 });
    const failed = [...finalStatuses("run_1").values(), ...finalStatuses("run_2").values()].filter((s) => s === 4).length;
    expect(study.statusCounts().failed).toBe(failed);
    expect(study.trial("run_2/0")).toBeDefined();
  });

  it("CLI --json prints the summary object", () => {
    const r = runCli(["load", join(ROOT, "run_2"), "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { trials: number; byStatus: Record<string, number>; hyperparameters: Record<string, { min: number }> };
    expect(j.trials).toBe(1000);
    expect(j.byStatus.failed).toBe([...finalStatuses("run_2").values()].filter((s) => s === 4).length);
    expect(j.hyperparameters.batch_size!.min).toBeGreaterThanOrEqual(16);
  }, 30000);
});

describe("ConfigSpace JSON conversion", () => {
  it("handles IN conditions, ordinal, constant, quantised floats and reports what it cannot", () => {
    const issues: Array<{ message: string }> = [];
    const space = configSpaceToSearchSpace(
      {
        hyperparameters: [
          { type: "categorical", name: "opt", choices: ["adam", "sgd", "rmsprop"] },
          { type: "uniform_float", name: "beta1", lower: 0.8, upper: 0.99, log: false },
          { type: "ordinal", name: "width", sequence: [32, 64, 128] },
          { type: "constant", name: "epochs", value: 10 },
          { type: "uniform_float", name: "wd", lower: 0, upper: 0.5, q: 0.1 },
          { type: "mystery", name: "m" },
        ],
        conditions: [
          { type: "IN", child: "beta1", parent: "opt", values: ["adam", "rmsprop"] },
          { type: "AND", conditions: [] },
        ],
      },
      "cs.json",
      issues as never,
    );
    expect(space.params.map((p) => p.type)).toEqual(["categorical", "float", "discrete", "fixed", "discrete"]);
    expect(space.params[1]!.condition).toEqual({ parent: "opt", in: ["adam", "rmsprop"] });
    expect(space.params[4]).toMatchObject({ values: [0, 0.1, 0.2, 0.3, 0.4, 0.5] });
    expect(issues.map((i) => i.message).join("\n")).toMatch(/type "mystery"[\s\S]*AND/);
  });
});

describe("malformed DeepCAVE folders", () => {
  function copyRun(): string {
    const d = mkdtempSync(join(TMP, "deepcave-test-"));
    cpSync(join(ROOT, "run_1"), d, { recursive: true });
    return d;
  }

  it("bad history lines are warnings with their line numbers; the rest loads", async () => {
    const d = copyRun();
    const lines = readFileSync(join(d, "history.jsonl"), "utf8").trim().split("\n");
    lines[4] = "[0, 2.6";
    lines[9] = '[99999, 8.0, -1, [0.9, 0.1, 1.0], 0, 1, 1, {}]';
    lines[14] = '{"not": "a list"}';
    lines[19] = '[7, "abc", -1, [0.9, 0.1, 1.0], 0, 1, 1, {}]';
    lines[24] = '["constructor", 8.0, -1, [0.9, 0.1, 1.0], 0, 1, 1, {}]';
    writeFileSync(join(d, "history.jsonl"), lines.join("\n") + "\n" + '[3, 8.0, -1, [0.9, NaN, 1.0], 0, 1, 1, {}]\n[5, 8.0, -1, [0.');
    const s = await loadStudy(d);
    expect(s.size).toBe(1000);
    const at = (n: number) => s.warnings.find((w) => w.line === n);
    expect(at(5)?.message).toMatch(/not valid JSON/);
    expect(at(10)).toMatchObject({ field: "config_id" });
    expect(at(15)?.message).toMatch(/expected \[config_id, budget/);
    expect(at(20)).toMatchObject({ field: "budget" });
    expect(at(25)).toMatchObject({ field: "config_id" }); // inherited names are not config ids
    expect(at(lines.length + 2)?.message).toMatch(/not valid JSON/);
    expect(s.trial("3")!.status).toBe("diverged"); // a NaN loss at the last budget
  });

  it("a missing configs.json or a broken configspace.json is reported, not crashed on", async () => {
    const d = copyRun();
    writeFileSync(join(d, "configspace.json"), "{ broken");
    const s = await loadStudy(d);
    expect(s.space).toBeUndefined();
    expect(s.warnings.some((w) => w.file.endsWith("configspace.json") && /not valid JSON/.test(w.message))).toBe(true);
    writeFileSync(join(d, "configs.json"), "[1, 2]");
    await expect(loadStudy(d)).rejects.toThrow(/configs\.json: expected an object/);
    const empty = mkdtempSync(join(TMP, "deepcave-empty-"));
    await expect(loadStudy(empty, { format: "deepcave" })).rejects.toThrow(TunebookError);
    writeFileSync(join(empty, "history.jsonl"), "");
    writeFileSync(join(empty, "configs.json"), "{}");
    await expect(loadStudy(empty)).rejects.toThrow(/history\.jsonl: empty file/);
  });
});
