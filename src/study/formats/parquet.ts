/**
 * Parquet in and out (pandas' and polars' `to_parquet`, W&B run-history exports, and tunebook's
 * own export).
 *
 * In: one `.parquet` file loads like its CSV equivalent — a long measurement table (trial, step,
 * metric, value), a wide one (trial, step, one column per metric) or one row per trial
 * (hp.* columns and an objective) — through the same record rules as CSV and JSONL, with typed
 * cells (a DOUBLE stays a number, a STRING stays text; INT64 becomes a number). A folder holding
 * `trials.parquet` and `measurements.parquet` (what {@link exportStudyParquet} writes) loads back
 * as the study that was exported.
 *
 * Out: {@link exportStudyParquet} writes two files, `trials.parquet` (id, status, final, best,
 * best_step, steps, group, hp.<name>…, attrs as JSON text) and `measurements.parquet` (trial, step,
 * metric, value). NaN and ±Infinity are kept (Parquet DOUBLE holds them). A hyperparameter column
 * whose values are all numbers is DOUBLE, all booleans BOOLEAN, otherwise STRING (numbers written
 * as text), so a reader such as pandas gets one dtype per column.
 *
 * Library: hyparquet (reader) and hyparquet-writer, pure JavaScript and maintained, with
 * hyparquet-compressors for the codecs pandas may use (gzip, zstd, brotli, lz4); no native build.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { StudyBuilder } from "../builder.js";
import type { Study } from "../study.js";
import { type HpValue, type TrialStatus, TRIAL_STATUSES, TunebookError, safeRecord } from "../types.js";
import { defineFormat, type Probe, type ReadOptions } from "./format.js";
import { RecordSink } from "./records.js";
import { algoperfSummaryPlan } from "./algoperf.js";
import { studyNameFrom } from "./text.js";
import { writeFileAtomic } from "../../util/fs.js";

/** "PAR1": the first and last four bytes of every Parquet file. */
const MAGIC = Buffer.from("PAR1", "latin1");

type Columns = { names: string[]; data: unknown[][]; rows: number; kv: Record<string, string> };

/** Read a whole Parquet file column by column. */
async function readColumns(path: string): Promise<Columns> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new TunebookError(`not a readable Parquet file (${(e as Error).message})`, path);
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const rows = Number(metadata.num_rows);
  const data: unknown[][] = names.map(() => new Array<unknown>(rows));
  try {
    await parquetRead({
      file,
      metadata,
      compressors,
      onChunk(chunk) {
        const col = data[names.indexOf(chunk.columnName)];
        if (!col) return;
        for (let i = 0; i < chunk.columnData.length; i++) col[chunk.rowStart + i] = chunk.columnData[i];
      },
    });
  } catch (e) {
    throw new TunebookError(`cannot decode the Parquet data (${(e as Error).message})`, path);
  }
  const kv: Record<string, string> = safeRecord();
  for (const e of metadata.key_value_metadata ?? []) if (e.value !== undefined) kv[e.key] = e.value;
  return { names, data, rows, kv };
}

/** A Parquet cell → what the record rules expect: numbers, text, booleans, null. */
function cell(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (v !== null && typeof v === "object") return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? Number(x) : x));
  return v === undefined ? null : v;
}

/** Load one Parquet table like its CSV equivalent (long, wide or one row per trial). */
async function loadParquetFile(path: string, options: ReadOptions): Promise<Study> {
  const { names, data, rows } = await readColumns(path);
  if (names.length === 0) throw new TunebookError(`the Parquet file has no columns`, path);
  // The same one-row-per-trial layouts as CSV (AlgoPerf's trials_summary among them).
  const sink = new RecordSink(path, options.name ?? studyNameFrom(path), options, [algoperfSummaryPlan]);
  // Parquet has no null-vs-missing distinction per row: a null cell is an absent value, as a
  // blank CSV cell is. Record numbers in messages are 1-based rows (the header is no row here).
  const values = new Array<unknown>(names.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < names.length; c++) {
      const v = cell(data[c]![r]);
      values[c] = v === null ? "" : v;
    }
    sink.add(names, values, r + 1);
    if (options.onProgress && r % 100_000 === 0) options.onProgress(r, rows);
  }
  if (rows === 0) {
    sink.setShape(names);
    throw new TunebookError(`no rows in the Parquet file`, path);
  }
  const study = sink.finish();
  study.source.format = "parquet";
  return study;
}

const TRIALS_FILE = "trials.parquet";
const MEASUREMENTS_FILE = "measurements.parquet";

/** A folder written by {@link exportStudyParquet}: the trials table, then its measurements. */
async function loadExport(dir: string, options: ReadOptions): Promise<Study> {
  const tpath = join(dir, TRIALS_FILE);
  const t = await readColumns(tpath);
  const col = (n: string): unknown[] | undefined => t.data[t.names.indexOf(n)];
  const ids = col("id");
  if (!ids) throw new TunebookError(`missing column "id": not a tunebook trials table`, tpath, undefined, "id");
  const meta = readKv(t);
  const objective = {
    metric: options.objective ?? meta.objective ?? "objective",
    direction: options.direction ?? (meta.direction === "maximize" ? ("maximize" as const) : ("minimize" as const)),
  };
  const b = new StudyBuilder(options.name ?? meta.name ?? basename(dir), objective);
  b.source = { path: dir, format: "parquet" };
  const hpCols = t.names.filter((n) => n.startsWith("hp."));
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(cell(v)));
  for (let r = 0; r < t.rows; r++) {
    const id = String(cell(ids[r]));
    const st = String(cell(col("status")?.[r] ?? "complete"));
    if (!(TRIAL_STATUSES as readonly string[]).includes(st)) b.warn({ file: tpath, line: r + 1, field: "status", message: `unknown status "${st}"; kept as failed` });
    const hp = safeRecord<HpValue>();
    for (const h of hpCols) {
      const v = cell(col(h)![r]);
      hp[h.slice(3)] = v as HpValue;
    }
    let attrs: Record<string, unknown> = safeRecord();
    const a = col("attrs")?.[r];
    if (typeof a === "string" && a !== "") {
      try {
        attrs = Object.assign(safeRecord(), JSON.parse(a) as Record<string, unknown>);
      } catch {
        b.warn({ file: tpath, line: r + 1, field: "attrs", message: `not valid JSON; attributes left out` });
      }
    }
    b.trial({
      id,
      status: (TRIAL_STATUSES as readonly string[]).includes(st) ? (st as TrialStatus) : "failed",
      hparams: hp,
      final: num(col("final")?.[r]),
      best: num(col("best")?.[r]),
      bestStep: num(col("best_step")?.[r]),
      steps: num(col("steps")?.[r]),
      group: (cell(col("group")?.[r]) as string | null) ?? null,
      attrs,
    });
  }
  const mpath = join(dir, MEASUREMENTS_FILE);
  if (existsSync(mpath)) {
    const m = await readColumns(mpath);
    const [tc, sc, mc, vc] = ["trial", "step", "metric", "value"].map((n) => {
      const c = m.data[m.names.indexOf(n)];
      if (!c) throw new TunebookError(`missing column "${n}": not a tunebook measurements table`, mpath, undefined, n);
      return c;
    });
    for (let r = 0; r < m.rows; r++) {
      const v = Number(cell(vc![r]));
      b.measure(String(cell(tc![r])), Number(cell(sc![r])), String(cell(mc![r])), v);
    }
  }
  // Values exported as final/best are kept as they were (not recomputed from the curves).
  return b.build();
}

/** The study-level facts an export keeps in the trials file's key-value metadata. */
function readKv(t: Columns): { name?: string; objective?: string; direction?: string } {
  return { name: t.kv["tunebook.name"], objective: t.kv["tunebook.objective"], direction: t.kv["tunebook.direction"] };
}

/**
 * Load a Parquet file (long, wide or trial-per-row table) or a folder written by
 * {@link exportStudyParquet}.
 *
 * @example
 * const study = await loadParquet("runs.parquet", { objective: "val_loss" });
 * const back = await loadParquet("out/parquet"); // trials.parquet + measurements.parquet
 */
export async function loadParquet(path: string, options: ReadOptions = {}): Promise<Study> {
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, TRIALS_FILE))) throw new TunebookError(`no ${TRIALS_FILE} in the folder`, path);
    return loadExport(path, options);
  }
  return loadParquetFile(path, options);
}

/** Column type for one hyperparameter: DOUBLE when every value is a number, BOOLEAN, else STRING. */
function hpColumn(values: HpValue[]): { data: unknown[]; type: "DOUBLE" | "BOOLEAN" | "STRING" } {
  const present = values.filter((v) => v !== null);
  if (present.every((v) => typeof v === "number")) return { data: values, type: "DOUBLE" };
  if (present.every((v) => typeof v === "boolean")) return { data: values, type: "BOOLEAN" };
  return { data: values.map((v) => (v === null ? null : String(v))), type: "STRING" };
}

/**
 * Write a study as two Parquet files in `dir`: `trials.parquet` and `measurements.parquet`
 * (atomically: each file appears whole or not at all). Returns the paths written.
 *
 * @example
 * const study = await loadStudy("datasets/algoperf_v05/raw_logdir/prize_qualification_baseline");
 * exportStudyParquet(study, "out/parquet"); // ["out/parquet/trials.parquet", "out/parquet/measurements.parquet"]
 */
export async function exportStudyParquet(study: Study, dir: string): Promise<string[]> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  const rows = study.trialRows();
  const hps = study.hyperparameters();
  const toNum = (v: number | null): number | null => v;
  const trialCols = [
    { name: "id", data: rows.map((r) => r.id), type: "STRING" as const },
    { name: "status", data: rows.map((r) => r.status), type: "STRING" as const },
    { name: "final", data: rows.map((r) => toNum(r.final)), type: "DOUBLE" as const },
    { name: "best", data: rows.map((r) => toNum(r.best)), type: "DOUBLE" as const },
    { name: "best_step", data: rows.map((r) => toNum(r.bestStep)), type: "DOUBLE" as const },
    { name: "steps", data: rows.map((r) => toNum(r.steps)), type: "DOUBLE" as const },
    { name: "group", data: rows.map((r) => r.group), type: "STRING" as const },
    ...hps.map((h) => ({ name: `hp.${h}`, ...hpColumn(rows.map((r) => r.hparams[h] ?? null)) })),
    {
      name: "attrs",
      data: rows.map((r) => (Object.keys(r.attrs).length ? JSON.stringify(r.attrs, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)) : null)),
      type: "STRING" as const,
    },
  ];
  const kvMetadata = [
    { key: "tunebook.name", value: study.name },
    { key: "tunebook.objective", value: study.objective.metric },
    { key: "tunebook.direction", value: study.objective.direction },
  ];
  const m = study.measurementColumns().toArrays();
  const measureCols = [
    { name: "trial", data: m.trial, type: "STRING" as const },
    { name: "step", data: m.step, type: "DOUBLE" as const },
    { name: "metric", data: m.metric, type: "STRING" as const },
    { name: "value", data: m.value, type: "DOUBLE" as const },
  ];
  const tpath = join(dir, TRIALS_FILE);
  const mpath = join(dir, MEASUREMENTS_FILE);
  writeFileAtomic(tpath, new Uint8Array(parquetWriteBuffer({ columnData: trialCols, kvMetadata, createdBy: "tunebook" })));
  writeFileAtomic(mpath, new Uint8Array(parquetWriteBuffer({ columnData: measureCols, createdBy: "tunebook" })));
  return [tpath, mpath];
}

export const parquetFormat = defineFormat({
  name: "parquet",
  detect(p: Probe): number {
    if (p.isDirectory) return p.entries.includes(TRIALS_FILE) ? 40 : 0;
    return p.head.length >= 4 && p.head.subarray(0, 4).equals(MAGIC) ? 70 : 0;
  },
  load: loadParquet,
});
