import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { TunebookError } from "../../src/study/types.js";
import { distributionToParam } from "../../src/study/formats/optuna.js";
import { ROOT } from "../helpers/cli.js";

/** Every temporary file of this test file lives under TMP, removed at the end. */
const TMP = mkdtempSync(join(tmpdir(), "tunebook-optuna-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

// Real fixtures written by Optuna 3.1 (Debian python3-optuna) with tests/fixtures/optuna/make.py.
const FIX = join(ROOT, "tests/fixtures/optuna");
const JOURNAL = join(FIX, "journal.log");
const CSV = join(FIX, "trials_dataframe.csv");
const csvRows = parse(readFileSync(CSV, "utf8"), { columns: true }) as Array<Record<string, string>>;
const journalLines = readFileSync(JOURNAL, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

function tmpFile(name: string, text: string): string {
  const p = join(mkdtempSync(join(TMP, "optuna-test-")), name);
  writeFileSync(p, text);
  return p;
}

describe("Optuna JournalStorage log (real, Optuna 3.1)", () => {
  it("is detected and agrees with Optuna's own trials_dataframe() of the same study", async () => {
    expect(await detectFormat(JOURNAL)).toBe("optuna-journal");
    const study = await loadStudy(JOURNAL);
    expect(study.name).toBe("tiny");
    expect(study.objective).toEqual({ metric: "value", direction: "minimize" });
    expect(study.size).toBe(csvRows.length);
    for (const row of csvRows) {
      const t = study.trial(row.number!)!;
      expect(t, `trial ${row.number}`).toBeDefined();
      expect(t.hparams.lr).toBe(Number(row.params_lr));
      expect(t.hparams.layers).toBe(Number(row.params_layers));
      expect(t.hparams.optimizer).toBe(row.params_optimizer);
      expect(t.hparams.dropout).toBe(Number(row.params_dropout));
      expect(t.final).toBe(row.value === "" ? null : Number(row.value));
      const want = { COMPLETE: "complete", PRUNED: "pruned", FAIL: "failed" }[row.state as "COMPLETE"];
      expect(t.status).toBe(want);
      expect((t.attrs.userAttrs as Record<string, unknown>).seed).toBe(Number(row.user_attrs_seed));
    }
    expect(study.bestTrial()!.id).toBe(csvRows.filter((r) => r.value !== "").sort((a, b) => Number(a.value) - Number(b.value))[0]!.number);
  });

  it("intermediate values become the curve of `value`, with their steps", async () => {
    const study = await loadStudy(JOURNAL);
    // Count op 7 (SET_TRIAL_INTERMEDIATE_VALUE) per trial id straight from the file.
    const perTrial = new Map<number, Array<[number, number]>>();
    for (const l of journalLines)
      if (l.op_code === 7) perTrial.set(l.trial_id as number, [...(perTrial.get(l.trial_id as number) ?? []), [l.step as number, l.intermediate_value as number]]);
    expect(study.measurementCount).toBe([...perTrial.values()].reduce((n, a) => n + a.length, 0));
    for (const [tid, pts] of perTrial) {
      // One study in the file, so trial_id equals the trial number.
      const c = study.curve(String(tid), "value");
      expect(c.steps).toEqual(pts.map((p) => p[0]));
      expect(c.values).toEqual(pts.map((p) => p[1]));
    }
    expect(study.trial("5")!.steps).toBe(0); // pruned after its first report
  });

  it("fills study.space from the distributions", async () => {
    const study = await loadStudy(JOURNAL);
    const byName = Object.fromEntries(study.space!.params.map((p) => [p.name, p]));
    expect(byName.lr).toEqual({ name: "lr", type: "float", low: 1e-4, high: 0.1, scale: "log" });
    expect(byName.layers).toEqual({ name: "layers", type: "int", low: 1, high: 4, scale: "linear" });
    expect(byName.optimizer).toEqual({ name: "optimizer", type: "categorical", values: ["sgd", "adam", "rmsprop"] });
    expect(byName.dropout).toEqual({ name: "dropout", type: "discrete", values: [0, 0.1, 0.2, 0.3, 0.4, 0.5] });
  });

  it("translates legacy distributions", () => {
    expect(distributionToParam("a", { name: "LogUniformDistribution", attributes: { low: 1, high: 100 } })).toMatchObject({ type: "float", scale: "log" });
    expect(distributionToParam("b", { name: "IntUniformDistribution", attributes: { low: 0, high: 8, step: 2 } })).toEqual({ name: "b", type: "discrete", values: [0, 2, 4, 6, 8] });
    expect(distributionToParam("c", { name: "IntLogUniformDistribution", attributes: { low: 1, high: 64, step: 1 } })).toMatchObject({ type: "int", scale: "log" });
    expect(distributionToParam("d", { name: "Mystery", attributes: {} })).toBeUndefined();
  });

  it("maximize, multi-objective, conditional params, two studies in one journal", async () => {
    const W = `"worker_id": "w"`;
    const dist = (o: unknown) => JSON.stringify(JSON.stringify(o));
    const lines = [
      `{"op_code": 0, ${W}, "study_name": "a", "directions": [2]}`,
      `{"op_code": 0, ${W}, "study_name": "b", "directions": [1, 2]}`,
      `{"op_code": 3, ${W}, "study_id": 1, "system_attr": {"study:metric_names": ["loss", "acc"]}}`,
      `{"op_code": 4, ${W}, "study_id": 0, "datetime_start": "2024-01-01T00:00:00"}`,
      `{"op_code": 5, ${W}, "trial_id": 0, "param_name": "model", "param_value_internal": 1, "distribution": ${dist({ name: "CategoricalDistribution", attributes: { choices: ["cnn", "mlp"] } })}}`,
      `{"op_code": 5, ${W}, "trial_id": 0, "param_name": "width", "param_value_internal": 32.0, "distribution": ${dist({ name: "IntDistribution", attributes: { low: 8, high: 64, step: 1, log: true } })}}`,
      `{"op_code": 6, ${W}, "trial_id": 0, "state": 1, "values": [0.9], "datetime_complete": "2024-01-01T00:01:00"}`,
      `{"op_code": 4, ${W}, "study_id": 0, "datetime_start": "2024-01-01T00:02:00"}`,
      `{"op_code": 5, ${W}, "trial_id": 1, "param_name": "model", "param_value_internal": 0, "distribution": ${dist({ name: "CategoricalDistribution", attributes: { choices: ["cnn", "mlp"] } })}}`,
      `{"op_code": 7, ${W}, "trial_id": 1, "step": 1, "intermediate_value": NaN}`,
      `{"op_code": 6, ${W}, "trial_id": 1, "state": 1, "values": [NaN], "datetime_complete": "2024-01-01T00:03:00"}`,
      `{"op_code": 4, ${W}, "study_id": 1, "datetime_start": "2024-01-01T00:04:00"}`,
      `{"op_code": 6, ${W}, "trial_id": 2, "state": 1, "values": [0.3, 0.8]}`,
      `{"op_code": 4, ${W}, "study_id": 0, "datetime_start": null}`,
    ];
    const p = tmpFile("two.log", lines.join("\n") + "\n");
    const both = await loadStudy(p);
    expect(both.objective).toEqual({ metric: "value", direction: "maximize" });
    expect(both.trialIds()).toEqual(["a#0", "a#1", "a#2", "b#0"]);
    expect(both.trial("a#0")!.hparams).toMatchObject({ model: "mlp", width: 32 });
    expect(both.trial("a#1")!.hparams.width).toBeNull(); // not sampled: inactive
    expect(both.trial("a#1")!.status).toBe("diverged");
    expect(both.trial("a#2")!.status).toBe("running");
    expect(both.trial("b#0")!.group).toBe("b");
    expect(both.space!.params.find((x) => x.name === "width")).toEqual({ name: "width", type: "int", low: 8, high: 64, scale: "log" });
    const b = await loadStudy(p, { name: "b", objective: "acc" });
    expect(b.objective).toEqual({ metric: "acc", direction: "maximize" });
    expect(b.trial("0")!.final).toBe(0.8);
    expect(b.trial("0")!.attrs.loss).toBe(0.3);
    await expect(loadStudy(p, { name: "zzz" })).rejects.toThrow(/no study named "zzz".*found: a, b/);
  });
});

describe("Optuna trials_dataframe() CSV (real, Optuna 3.1)", () => {
  it("is detected and loads params, values, states and attributes", async () => {
    expect(await detectFormat(CSV)).toBe("optuna-csv");
    const study = await loadStudy(CSV, { direction: "minimize" });
    expect(study.size).toBe(csvRows.length);
    const counts = study.statusCounts();
    expect(counts.failed).toBe(csvRows.filter((r) => r.state === "FAIL").length);
    expect(counts.complete).toBe(csvRows.filter((r) => r.state === "COMPLETE").length);
    expect(counts.pruned).toBe(csvRows.filter((r) => r.state === "PRUNED").length);
    for (const row of csvRows) {
      const t = study.trial(row.number!)!;
      expect(t.hparams.lr).toBe(Number(row.params_lr));
      expect(t.hparams.optimizer).toBe(row.params_optimizer);
      expect(t.final).toBe(row.value === "" ? null : Number(row.value));
      expect(t.attrs.durationSeconds).toBeGreaterThan(0);
    }
  });

  it("accepts pandas' index column (to_csv without index=False)", async () => {
    const withIndex = readFileSync(CSV, "utf8").trim().split("\n").map((l, i) => `${i === 0 ? "" : i - 1},${l}`).join("\n");
    const p = tmpFile("indexed.csv", withIndex + "\n");
    expect(await detectFormat(p)).toBe("optuna-csv");
    const s = await loadStudy(p);
    expect(s.size).toBe(csvRows.length);
    expect(Object.keys(s.trial("0")!.attrs)).not.toContain("column_1");
  });

  it("multi-objective values_* columns, --objective picks one", async () => {
    const p = tmpFile("mo.csv", "number,values_0,values_1,params_x,state\n0,1.5,0.2,3,COMPLETE\n1,,,4,FAIL\n2,inf,0.1,5,COMPLETE\n");
    const s = await loadStudy(p, { format: "optuna-csv", objective: "values_1", direction: "maximize" });
    expect(s.objective.metric).toBe("values_1");
    expect(s.trial("0")!.final).toBe(0.2);
    expect(s.trial("0")!.attrs.values_0).toBe(1.5);
    const s0 = await loadStudy(p, { format: "optuna-csv" });
    expect(s0.trial("2")!.status).toBe("diverged");
    expect(s0.trial("1")!.status).toBe("failed");
  });
});

describe("malformed Optuna inputs", () => {
  const good = readFileSync(JOURNAL, "utf8");

  it("a journal cut mid-line keeps every complete operation and warns about the last line", async () => {
    const p = tmpFile("cut.log", good.slice(0, good.length - 40));
    const s = await loadStudy(p, { format: "optuna-journal" });
    expect(s.size).toBe(8);
    const last = good.trim().split("\n").length;
    expect(s.warnings.some((w) => w.line === last && /not valid JSON/.test(w.message))).toBe(true);
    expect(s.trial("7")!.status).toBe("running"); // its final state change was cut off
  });

  it("unknown op codes, unknown trial ids and bad values are warnings with line numbers", async () => {
    const extra = [
      `{"op_code": 42, "worker_id": "w"}`,
      `{"op_code": 7, "worker_id": "w", "trial_id": 999, "step": 1, "intermediate_value": 1}`,
      `{"op_code": 5, "worker_id": "w", "trial_id": 8, "param_name": "lr", "param_value_internal": "x", "distribution": "{}"}`,
      `[1, 2]`,
      `{"op_code": 7, "worker_id": "w", "trial_id": 0, "step": 99, "intermediate_value": 123}`,
    ];
    // Trial 8 is created (and left running) so that a parameter can still be set on it.
    const p = tmpFile("bad.log", good + `{"op_code": 4, "worker_id": "w", "study_id": 0, "datetime_start": null}\n` + extra.join("\n") + "\n");
    const s = await loadStudy(p);
    const n = good.trim().split("\n").length + 1;
    const msg = (line: number) => s.warnings.find((w) => w.line === line)?.message ?? "";
    expect(msg(n + 1)).toMatch(/unknown operation code 42/);
    expect(msg(n + 2)).toMatch(/no trial with id 999/);
    expect(s.warnings.find((w) => w.line === n + 3)?.field).toBe("distribution");
    expect(msg(n + 4)).toMatch(/expected a JSON object/);
    expect(s.size).toBe(9);
    expect(s.trial("8")!.status).toBe("running");
    // Trial 0 had finished: Optuna ignores later updates, and so does the loader.
    expect(s.curve("0", "value").steps).toEqual([0, 1, 2]);
    expect(s.warnings.some((w) => /1 operations on already finished trials ignored/.test(w.message))).toBe(true);
  });

  it("__proto__ as a parameter or attribute name stays data", async () => {
    const p = tmpFile(
      "proto.log",
      [
        `{"op_code": 0, "worker_id": "w", "study_name": "p", "directions": [1]}`,
        `{"op_code": 4, "worker_id": "w", "study_id": 0, "datetime_start": null}`,
        `{"op_code": 5, "worker_id": "w", "trial_id": 0, "param_name": "__proto__", "param_value_internal": 1.0, "distribution": "{\\"name\\": \\"FloatDistribution\\", \\"attributes\\": {\\"low\\": 0, \\"high\\": 2, \\"log\\": false, \\"step\\": null}}"}`,
        `{"op_code": 8, "worker_id": "w", "trial_id": 0, "user_attr": {"__proto__": {"polluted": true}}}`,
        `{"op_code": 6, "worker_id": "w", "trial_id": 0, "state": 1, "values": [1]}`,
      ].join("\n"),
    );
    const s = await loadStudy(p);
    expect(s.trial("0")!.hparams["__proto__"]).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("empty, garbage and non-Optuna CSV files give a TunebookError naming the file", async () => {
    const empty = tmpFile("e.log", "");
    await expect(loadStudy(empty, { format: "optuna-journal" })).rejects.toThrow(TunebookError);
    await expect(loadStudy(empty, { format: "optuna-journal" })).rejects.toThrow(/e\.log: empty file/);
    const text = tmpFile("g.log", "hello\nworld\n");
    await expect(loadStudy(text, { format: "optuna-journal" })).rejects.toThrow(/g\.log:1: no Optuna journal operations found: not valid JSON/);
    const bin = tmpFile("b.log", Buffer.from([0, 1, 2, 3, 250, 251, 0, 0]).toString("latin1"));
    await expect(loadStudy(bin, { format: "optuna-journal" })).rejects.toThrow(/b\.log:1: binary data/);
    const notOptuna = tmpFile("n.csv", "a,b\n1,2\n");
    await expect(loadStudy(notOptuna, { format: "optuna-csv" })).rejects.toThrow(/n\.csv:1: field "number": missing column "number"/);
  });

  it("an unknown state in the CSV is a warning, the trial is kept", async () => {
    const p = tmpFile("st.csv", "number,value,params_x,state\n0,1,2,COMPLETE\n1,2,3,EXPLODED\n2,abc,4,COMPLETE\n");
    const s = await loadStudy(p);
    expect(s.size).toBe(3);
    expect(s.warnings.find((w) => w.line === 3)).toMatchObject({ field: "state" });
    expect(s.warnings.find((w) => w.line === 4)?.message).toMatch(/expected a number, found "abc"/);
  });
});
