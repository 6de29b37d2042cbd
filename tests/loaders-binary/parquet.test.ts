/**
 * Parquet in and out. Round trips are checked with hyparquet (tunebook's reader) and, as an
 * independent implementation, parquet-wasm (the Rust arrow/parquet crates compiled to wasm):
 * Debian's pandas 1.5 here has neither pyarrow nor fastparquet, so it cannot read Parquet at all, and
 * Debian 12 packages no other Parquet reader (no python3-pyarrow, -fastparquet, -polars or -duckdb).
 * Parquet files to load are written by parquet-wasm from real data (AlgoPerf's trial table, a real
 * Optuna journal), and must load exactly like the same table as CSV.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import * as arrow from "apache-arrow";
import * as pw from "parquet-wasm/node";
import { afterAll, describe, expect, it } from "vitest";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { exportStudyParquet } from "../../src/study/formats/parquet.js";
import type { Study } from "../../src/study/study.js";
import { TunebookError } from "../../src/study/types.js";
import { DATA, ROOT, runCli } from "../helpers/cli.js";

const TMP = mkdtempSync(join(tmpdir(), "tunebook-parquet-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** Read a Parquet file with parquet-wasm into plain columns. */
function readWithArrow(path: string): Record<string, unknown[]> {
  const t = arrow.tableFromIPC(pw.readParquet(readFileSync(path)).intoIPCStream());
  const out: Record<string, unknown[]> = {};
  for (const f of t.schema.fields) out[f.name] = [...t.getChild(f.name)!.toArray()].map((v: unknown) => (v === undefined ? null : v));
  // toArray() on a nullable Float64 gives 0 for nulls: read validity from the vector.
  for (const f of t.schema.fields) {
    const v = t.getChild(f.name)!;
    out[f.name] = out[f.name]!.map((x, i) => (v.isValid(i) ? x : null));
  }
  return out;
}

/** Write columns with parquet-wasm: numbers as Float64, the rest as text (what pandas writes for object columns). */
function writeWithArrow(path: string, cols: Record<string, Array<string | number | null>>): void {
  const vectors: Record<string, arrow.Vector> = {};
  for (const [k, v] of Object.entries(cols)) {
    const numeric = v.every((x) => x === null || typeof x === "number");
    vectors[k] = numeric ? arrow.vectorFromArray(v as Array<number | null>, new arrow.Float64()) : arrow.vectorFromArray(v.map((x) => (x === null ? null : String(x))), new arrow.Utf8());
  }
  const table = new arrow.Table(vectors);
  writeFileSync(path, pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, "stream"))));
}

/** CSV text → columns: a column whose every non-blank cell is a decimal number is numeric (as pandas' read_csv infers). */
function csvColumns(text: string): Record<string, Array<string | number | null>> {
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  const names = Object.keys(rows[0]!);
  const cols: Record<string, Array<string | number | null>> = {};
  for (const n of names) {
    const cells = rows.map((r) => r[n]!);
    const numeric = cells.every((c) => c === "" || /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(c));
    cols[n] = cells.map((c) => (c === "" ? null : numeric ? Number(c) : c));
  }
  return cols;
}

function expectSameStudy(a: Study, b: Study): void {
  expect(b.size).toBe(a.size);
  expect(b.objective).toEqual(a.objective);
  for (const r of a.trialRows()) {
    const s = b.trial(r.id)!;
    expect(s, r.id).toBeDefined();
    expect({ ...s, hparams: { ...s.hparams }, attrs: { ...s.attrs } }).toEqual({ ...r, hparams: { ...r.hparams }, attrs: { ...r.attrs } });
  }
  const ma = a.measurementColumns().toArrays();
  const mb = b.measurementColumns().toArrays();
  expect(mb.trial).toEqual(ma.trial);
  expect(mb.step).toEqual(ma.step);
  expect(mb.metric).toEqual(ma.metric);
  expect(mb.value.length).toBe(ma.value.length);
  ma.value.forEach((v, i) => expect(Object.is(mb.value[i], v), `value ${i}`).toBe(true));
}

describe("Parquet export (tunebook export DIR --format parquet)", () => {
  it("round-trips a real study, NaN and all, through tunebook's reader", async () => {
    // The AlgoPerf baseline folder: 10 real trials with curves of several metrics.
    const study = await loadStudy(join(DATA, "algoperf_v05/raw_logdir/prize_qualification_baseline"));
    const dir = join(TMP, "algoperf");
    const files = await exportStudyParquet(study, dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["trials.parquet", "measurements.parquet"]);
    expect(await detectFormat(dir)).toBe("parquet");
    const back = await loadStudy(dir);
    expect(back.name).toBe(study.name);
    expectSameStudy(study, back);
    expect(study.measurementCount).toBeGreaterThan(100);
  });

  it("an independent reader (parquet-wasm) sees every value the study has", async () => {
    const study = await loadStudy(join(ROOT, "tests/fixtures/optuna/journal.log"));
    const dir = join(TMP, "journal");
    await exportStudyParquet(study, dir);
    const t = readWithArrow(join(dir, "trials.parquet"));
    const rows = study.trialRows();
    expect(t.id).toEqual(rows.map((r) => r.id));
    expect(t.status).toEqual(rows.map((r) => r.status));
    expect(t.status).toContain("pruned");
    expect(t.final).toEqual(rows.map((r) => r.final));
    expect(t.best).toEqual(rows.map((r) => r.best));
    expect(t.steps).toEqual(rows.map((r) => r.steps));
    for (const h of study.hyperparameters()) expect(t[`hp.${h}`], h).toEqual(rows.map((r) => r.hparams[h] ?? null));
    expect((t.attrs as string[]).map((a) => JSON.parse(a) as unknown)).toEqual(rows.map((r) => ({ ...r.attrs })));
    const m = readWithArrow(join(dir, "measurements.parquet"));
    const cols = study.measurementColumns().toArrays();
    expect(m.trial).toEqual(cols.trial);
    expect(m.step).toEqual(cols.step);
    expect(m.metric).toEqual(cols.metric);
    expect(m.value).toEqual(cols.value);
  });

  it("keeps NaN and ±Infinity (diverged curves) for both readers", async () => {
    const p = join(TMP, "nan.jsonl");
    writeFileSync(p, ['{"trial":"a","step":1,"metric":"loss","value":0.5}', '{"trial":"a","step":2,"metric":"loss","value":NaN}', '{"trial":"b","step":1,"metric":"loss","value":Infinity}', '{"trial":"c","step":1,"metric":"loss","value":-Infinity}'].join("\n"));
    const study = await loadStudy(p);
    const dir = join(TMP, "nan");
    await exportStudyParquet(study, dir);
    expectSameStudy(study, await loadStudy(dir));
    const v = readWithArrow(join(dir, "measurements.parquet")).value as number[];
    expect(v.map(String)).toEqual(["0.5", "NaN", "Infinity", "-Infinity"]);
  });

  it("the CLI writes the two files and says where", () => {
    const out = join(TMP, "cli-out");
    const r = runCli(["export", join(ROOT, "tests/fixtures/optuna/journal.log"), "--format", "parquet", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/wrote 8 trials and \d+ measurements/);
    expect(existsSync(join(out, "trials.parquet")) && existsSync(join(out, "measurements.parquet"))).toBe(true);
    const bad = runCli(["export", join(ROOT, "tests/fixtures/optuna/journal.log"), "--format", "feather"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--format must be "parquet"/);
  }, 240_000); // two CLI processes from the TypeScript sources: slow on a loaded machine
});

describe("Parquet files load like their CSV equivalents", () => {
  it("one row per trial: AlgoPerf's real trial table", async () => {
    const csvPath = join(DATA, "algoperf_v05/trials_summary.csv");
    // A slice keeps the test quick; every column of the table is kept.
    const text = readFileSync(csvPath, "utf8").split("\n").slice(0, 301).join("\n");
    const csv = join(TMP, "trials.csv");
    writeFileSync(csv, text);
    const pq = join(TMP, "trials.parquet");
    writeWithArrow(pq, csvColumns(text));
    expect(await detectFormat(pq)).toBe("parquet");
    const a = await loadStudy(csv, { format: "csv" });
    const b = await loadStudy(pq, { name: "trials" });
    expect(a.size).toBe(300);
    expectSameStudy(a, b);
  });

  it("long and wide measurement tables: the real Optuna journal's curves", async () => {
    const study = await loadStudy(join(ROOT, "tests/fixtures/optuna/journal.log"));
    const m = study.measurementColumns().toArrays();
    const lr = (t: string) => study.trial(t)!.hparams.lr as number;
    const long = ["trial,step,metric,value", ...m.trial.map((t, i) => `${t},${m.step[i]},val_loss,${m.value[i]}`)].join("\n");
    const wide = ["trial,step,val_loss,hp.lr", ...m.trial.map((t, i) => `${t},${m.step[i]},${m.value[i]},${lr(t)}`)].join("\n");
    for (const [name, text] of [["long", long], ["wide", wide]] as const) {
      const csv = join(TMP, `${name}.csv`);
      writeFileSync(csv, text);
      const pq = join(TMP, `${name}.parquet`);
      writeWithArrow(pq, csvColumns(text));
      const a = await loadStudy(csv);
      const b = await loadStudy(pq);
      expect(b.source.format).toBe("parquet");
      expect(a.measurementCount).toBe(m.value.length);
      expectSameStudy(a, b);
    }
  });

  it("errors name the file: a cut file, a long table without steps", async () => {
    const good = join(TMP, "long.parquet");
    const cut = join(TMP, "cut.parquet");
    writeFileSync(cut, readFileSync(good).subarray(0, 40));
    const e = (await loadStudy(cut).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(TunebookError);
    expect(e.message).toContain(`${cut}: not a readable Parquet file`);
    const nostep = join(TMP, "nostep.parquet");
    writeWithArrow(nostep, { trial: ["a"], metric: ["loss"], value: [0.5] });
    await expect(loadStudy(nostep)).rejects.toThrow(new RegExp(`${nostep}:1: field "step": missing column "step"`));
  });
});
