/**
 * Optuna RDB storages, read directly and read-only (never through Optuna): SQLite files
 * (`sqlite:///study.db` in Optuna's words; detected by the file's magic bytes) and PostgreSQL
 * URLs (`postgresql://user@host/db`).
 *
 * The schema is Optuna's `storages/_rdb/models.py` at the versions Optuna has shipped since 3.0
 * (alembic revisions v3.0.0.a … v3.0.0.d and v3.2.0.a; 3.2+ only adds an index). Before v3.0.0.c
 * intermediate values have no `intermediate_value_type` column and before v3.0.0.d trial values have
 * no `value_type`; both are read when present (they carry ±Infinity and NaN, stored as NULL).
 *
 * Mapping: trials → trials (id = Optuna's trial number), states COMPLETE / PRUNED / FAIL /
 * RUNNING / WAITING → complete / pruned / failed / running / running (`attrs.state` keeps Optuna's
 * name), parameters → hyperparameters in the values the user's code saw (categorical choices by
 * index; Python's `None` choice becomes the text "None", as in the space), distributions → the
 * study's search space with scales (log / linear, step → discrete values), intermediate values →
 * measurements of the objective at their steps, user and system attributes → `attrs.userAttrs` /
 * `attrs.systemAttrs`. A multi-objective study gives one objective (`--objective NAME|INDEX`,
 * default the first) and the other objectives as metrics (one measurement at the trial's last step)
 * and in `attrs`; objective names come from `study:metric_names` (Optuna ≥ 3.2's
 * `set_metric_names`), else `value` / `values_<i>`.
 *
 * Consistency while Optuna writes: every query of one load runs in one read transaction
 * (SQLite: BEGIN … COMMIT holds a shared lock, or a WAL read mark, for the whole read;
 * PostgreSQL: REPEATABLE READ, READ ONLY gives one snapshot), so a load never mixes two states of
 * the storage.
 */
import type { Param, SearchSpace } from "../../space/spec.js";
import { StudyBuilder } from "../builder.js";
import type { Study } from "../study.js";
import { type Direction, type HpValue, TunebookError, safeRecord } from "../types.js";
import { defineFormat, type ReadOptions as LoadOptions, type Probe } from "./format.js";
import { distributionToParam, optunaStatus, type OptunaDistribution } from "./optuna.js";
import { parseJsonLine } from "./text.js";

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** Alembic revisions written by Optuna 3.0 and later (newest last). */
export const OPTUNA_SCHEMA_VERSIONS = ["v3.0.0.a", "v3.0.0.b", "v3.0.0.c", "v3.0.0.d", "v3.2.0.a"] as const;
/** Revisions of Optuna before 3.0: readable only after `optuna storage upgrade`. */
const OLD_SCHEMA_VERSIONS = ["v0.9.0.a", "v1.2.0.a", "v1.3.0.a", "v2.0.0.a", "v2.3.0.a", "v2.4.0.a", "v2.6.0.a"];

type Row = Record<string, unknown>;

/** One read-only connection; every query of a load runs inside {@link RdbReader.snapshot}. */
interface RdbReader {
  /** What to name in messages: the file path, or the URL without its password. */
  readonly label: string;
  /** Column names of a table (empty when the table does not exist). */
  columns(table: string): Promise<Set<string>>;
  all(sql: string): Promise<Row[]>;
  /** Run `read` inside one read transaction (one consistent snapshot). */
  snapshot<T>(read: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// SQLite

/*
 * Why better-sqlite3 (pinned to 12.x: 13.x needs Node 22) rather than sql.js: reading a study that
 * Optuna is still writing needs SQLite's own locking. better-sqlite3 is the real SQLite library on
 * the file, so a read transaction takes the shared lock (rollback journal) or a read mark (WAL)
 * and sees one committed state, including pages still in the -wal file. sql.js works on a copy of
 * the file's bytes in memory: it cannot see the -wal file (a WAL study would look older than it is
 * or broken) and a copy taken while Optuna commits can mix pages of two transactions. The cost is
 * a native build on install (approved in package.json `allowScripts`; it compiles from source with
 * Node's headers when no prebuilt binary can be downloaded).
 */
async function openSqlite(path: string): Promise<RdbReader> {
  const { default: Database } = await import("better-sqlite3");
  let db: import("better-sqlite3").Database;
  try {
    // readonly: SQLite opens the file with O_RDONLY, so nothing of the user's storage can change;
    // timeout: wait up to 5 s for a writer's exclusive lock (Optuna commits are short).
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
  } catch (e) {
    throw new TunebookError(`cannot open the SQLite database: ${(e as Error).message}`, path);
  }
  const fail = (e: unknown): never => {
    const m = (e as Error).message;
    if (/file is not a database|malformed/i.test(m)) throw new TunebookError(`not a readable SQLite database (${m})`, path);
    if (/readonly|read-only|READONLY/.test(m))
      throw new TunebookError(`the database needs recovery or a WAL index that a read-only reader cannot create (${m}); open it once with Optuna or sqlite3, or copy it with its -wal file`, path);
    throw new TunebookError(`SQLite: ${m}`, path);
  };
  return {
    label: path,
    async columns(table) {
      try {
        return new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as Row[]).map((r) => String(r.name)));
      } catch (e) {
        return fail(e);
      }
    },
    async all(sql) {
      try {
        return db.prepare(sql).all() as Row[];
      } catch (e) {
        return fail(e);
      }
    },
    async snapshot(read) {
      try {
        db.exec("BEGIN DEFERRED");
      } catch (e) {
        fail(e);
      }
      try {
        return await read();
      } finally {
        if (db.inTransaction) db.exec("COMMIT");
      }
    },
    async close() {
      db.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** `postgresql+psycopg2://u:secret@h/db` → `postgresql://u@h/db` (messages never show a password). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+)(\+[a-z0-9_]+)?:\/\/([^:@/]*)(:[^@/]*)?@/i, (_m, s: string, _d, u: string) => `${s}://${u}@`);
}

/** Is this a PostgreSQL URL Optuna would accept (`postgresql://`, `postgres://`, `postgresql+driver://`)? */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?(\+[a-z0-9_]+)?:\/\//i.test(url);
}

async function openPostgres(url: string): Promise<RdbReader> {
  const pg = (await import("pg")).default;
  const label = redactUrl(url);
  // pg wants `postgresql://`; SQLAlchemy's `+psycopg2` driver suffix means nothing to it.
  const connectionString = url.replace(/^postgres(ql)?\+[a-z0-9_]+:/i, "postgresql:");
  const client = new pg.Client({
    connectionString,
    // Timestamps as the server writes them (microseconds kept, no time-zone shift).
    types: { getTypeParser: (oid: number, format?: "text" | "binary") => (oid === 1114 || oid === 1184 ? (v: string) => v : pg.types.getTypeParser(oid, format as "text")) },
    connectionTimeoutMillis: 10_000,
    application_name: "tunebook (read-only)",
  });
  try {
    await client.connect();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ECONNREFUSED" ? "connection refused: is the server running and listening there?" : err.message;
    throw new TunebookError(`cannot connect to PostgreSQL: ${why}`, label);
  }
  // Kept as an error event handler so a server that goes away mid-read cannot crash the process.
  client.on("error", () => undefined);
  const q = async (sql: string): Promise<Row[]> => {
    try {
      return (await client.query(sql)).rows as Row[];
    } catch (e) {
      throw new TunebookError(`PostgreSQL: ${(e as Error).message}`, label);
    }
  };
  return {
    label,
    async columns(table) {
      const rows = await q(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}'`);
      return new Set(rows.map((r) => String(r.column_name)));
    },
    all: q,
    async snapshot(read) {
      await q("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      try {
        return await read();
      } finally {
        await q("COMMIT").catch(() => undefined);
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/** Open a storage: a PostgreSQL URL, `sqlite:///path`, or a path to an SQLite file. */
async function openStorage(target: string): Promise<RdbReader> {
  if (isPostgresUrl(target)) return openPostgres(target);
  const m = /^sqlite(\+[a-z0-9_]+)?:\/\/\/(.*)$/i.exec(target);
  if (m) return openSqlite(m[2]!);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(target))
    throw new TunebookError(`unsupported storage URL (tunebook reads sqlite:/// files and postgresql:// servers)`, redactUrl(target));
  return openSqlite(target);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** One study of a storage, as listed by {@link listOptunaStudies}. */
export interface OptunaStudyInfo {
  name: string;
  directions: Direction[];
  /** Trials in the storage for this study, by Optuna state name. */
  trials: number;
  states: Record<string, number>;
}

interface StudyRow {
  id: number;
  name: string;
}

async function checkSchema(r: RdbReader): Promise<{ version: string; warn?: string }> {
  const tables = await r.columns("studies");
  if (tables.size === 0) {
    const alembic = await r.columns("alembic_version");
    throw new TunebookError(alembic.size ? `no "studies" table: not an Optuna storage` : `not an Optuna storage (no "studies" or "alembic_version" table)`, r.label);
  }
  let version = "unknown";
  try {
    const rows = await r.all(`SELECT version_num FROM alembic_version`);
    if (rows[0]) version = String(rows[0].version_num);
  } catch {
    // A storage made without alembic (very old Optuna or by hand): read what is there.
  }
  if (OLD_SCHEMA_VERSIONS.includes(version.replace(/_$/, "")))
    throw new TunebookError(
      `schema ${version} was written by Optuna before 3.0; upgrade it once with \`optuna storage upgrade --storage <URL>\` (tunebook reads the schema Optuna 3.0 and later write)`,
      r.label,
    );
  if (!(OPTUNA_SCHEMA_VERSIONS as readonly string[]).includes(version))
    return { version, warn: `schema version ${version} is not one tunebook knows (${OPTUNA_SCHEMA_VERSIONS.join(", ")}); read as the newest known one` };
  return { version };
}

const DIRECTION: Record<string, Direction> = { MINIMIZE: "minimize", MAXIMIZE: "maximize", "1": "minimize", "2": "maximize" };

async function readStudies(r: RdbReader): Promise<StudyRow[]> {
  return (await r.all(`SELECT study_id, study_name FROM studies ORDER BY study_id`)).map((x) => ({ id: Number(x.study_id), name: String(x.study_name) }));
}

async function readDirections(r: RdbReader, studyId?: number): Promise<Map<number, Direction[]>> {
  const where = studyId === undefined ? "" : ` WHERE study_id = ${studyId}`;
  const out = new Map<number, Direction[]>();
  for (const x of await r.all(`SELECT study_id, objective, direction FROM study_directions${where} ORDER BY study_id, objective`)) {
    const id = Number(x.study_id);
    const list = out.get(id) ?? [];
    // NOT_SET (a study created but never given a direction) reads as Optuna's default, minimize.
    list[Number(x.objective)] = DIRECTION[String(x.direction)] ?? "minimize";
    out.set(id, list);
  }
  return out;
}

function describeStudies(list: OptunaStudyInfo[]): string {
  return list.map((s) => `${s.name} (${s.trials} trial${s.trials === 1 ? "" : "s"})`).join(", ");
}

/**
 * The studies in an Optuna storage, with their directions and trial counts by state.
 *
 * @example
 * const studies = await listOptunaStudies("study.db");
 * studies.map((s) => s.name); // ["mlp-lr", "two-objectives"]
 */
export async function listOptunaStudies(target: string): Promise<OptunaStudyInfo[]> {
  const r = await openStorage(target);
  try {
    return await r.snapshot(async () => {
      await checkSchema(r);
      return listIn(r);
    });
  } finally {
    await r.close();
  }
}

async function listIn(r: RdbReader): Promise<OptunaStudyInfo[]> {
  const studies = await readStudies(r);
  const dirs = await readDirections(r);
  const counts = await r.all(`SELECT study_id, state, COUNT(*) AS n FROM trials GROUP BY study_id, state`);
  return studies.map((s) => {
    const states: Record<string, number> = safeRecord();
    let trials = 0;
    for (const c of counts)
      if (Number(c.study_id) === s.id) {
        states[String(c.state)] = Number(c.n);
        trials += Number(c.n);
      }
    return { name: s.name, directions: dirs.get(s.id) ?? ["minimize"], trials, states };
  });
}

/** A JSON attribute value as Optuna wrote it (Python's json.dumps: NaN/Infinity tokens allowed). */
function attrValue(json: unknown): unknown {
  if (typeof json !== "string") return json;
  try {
    return parseJsonLine(json);
  } catch {
    return json;
  }
}

/** A stored value and its type column (FINITE / INF_POS / INF_NEG / NAN) → the number Optuna reports. */
function storedNumber(value: unknown, type: unknown): number | null {
  switch (type) {
    case "INF_POS":
      return Infinity;
    case "INF_NEG":
      return -Infinity;
    case "NAN":
      return NaN;
    default:
      return value === null || value === undefined ? null : Number(value);
  }
}

/** SQLite's `2026-01-02 03:04:05.120000` / PostgreSQL's `2026-01-02 03:04:05.12` → Python's isoformat. */
export function isoDatetime(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(String(v).trim());
  if (!m) return String(v);
  const frac = (m[3] ?? "").padEnd(6, "0");
  return `${m[1]}T${m[2]}${/^0*$/.test(frac) ? "" : "." + frac}`;
}

/** Parameter as stored (internal float) → the value the user's code saw. */
function externalParam(d: OptunaDistribution, internal: number): HpValue | undefined {
  if (d.name === "CategoricalDistribution") {
    const choices = d.attributes.choices;
    if (!Array.isArray(choices) || !Number.isInteger(internal) || internal < 0 || internal >= choices.length) return undefined;
    const c = choices[internal] as unknown;
    return c === null ? "None" : typeof c === "object" ? JSON.stringify(c) : (c as HpValue);
  }
  if (d.name.startsWith("Int")) return Math.trunc(internal);
  return internal;
}

function parseDistribution(json: unknown): OptunaDistribution | undefined {
  const o = attrValue(json);
  if (!o || typeof o !== "object" || typeof (o as Row).name !== "string") return undefined;
  const a = (o as Row).attributes;
  return { name: (o as Row).name as string, attributes: a && typeof a === "object" ? (a as Record<string, unknown>) : {} };
}

/**
 * Which objective to use: a metric name, `values_<i>`, or an index.
 *
 * @example
 * objectiveIndex(["loss", "accuracy"], "accuracy"); // 1
 * objectiveIndex(["loss", "accuracy"], "1"); // 1
 */
export function objectiveIndex(names: string[], wanted: string | undefined): number {
  if (wanted === undefined) return 0;
  let i = names.indexOf(wanted);
  if (i < 0 && /^\d+$/.test(wanted)) i = Number(wanted);
  if (i < 0) {
    const m = /^values?_(\d+)$/.exec(wanted);
    if (m) i = Number(m[1]);
  }
  return i >= 0 && i < names.length ? i : -1;
}

/**
 * Infer conditions Optuna does not store: a parameter sampled only when a categorical parameter
 * takes some of its values (e.g. `beta1` only when `optimizer = adam`). Only trials that ran to the
 * end of sampling (complete or pruned) count; a parameter is conditional on the first categorical
 * parameter whose values split the trials exactly into "has it" and "lacks it".
 */
function inferConditions(params: Map<string, Param>, trials: Array<{ params: Record<string, HpValue>; finished: boolean }>): void {
  const done = trials.filter((t) => t.finished);
  if (done.length < 2) return;
  for (const [name, p] of params) {
    const has = done.filter((t) => name in t.params);
    if (has.length === done.length || has.length === 0) continue;
    for (const [parent, pp] of params) {
      if (parent === name || pp.type !== "categorical") continue;
      if (!done.every((t) => parent in t.params)) continue;
      const inSet = new Set(has.map((t) => t.params[parent]));
      const outSet = new Set(done.filter((t) => !(name in t.params)).map((t) => t.params[parent]));
      if ([...inSet].some((v) => outSet.has(v))) continue;
      p.condition = { parent, in: pp.values.filter((v) => inSet.has(v)) };
      break;
    }
  }
}

interface RdbTrial {
  trialId: number;
  number: number;
  state: string;
  start: string | null;
  complete: string | null;
  values: Array<number | null>;
  params: Record<string, HpValue>;
  inter: Array<[number, number]>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

async function readStudy(r: RdbReader, target: string, options: LoadOptions): Promise<Study> {
  const schema = await checkSchema(r);
  const studies = await readStudies(r);
  if (studies.length === 0) throw new TunebookError(`the storage holds no study`, r.label);
  const wanted = options.study;
  let chosen: StudyRow | undefined;
  if (wanted !== undefined) {
    chosen = studies.find((s) => s.name === wanted);
    if (!chosen) throw new TunebookError(`no study named "${wanted}" in the storage; it holds: ${describeStudies(await listIn(r))}`, r.label, undefined, "study");
  } else if (studies.length > 1) {
    throw new TunebookError(`the storage holds ${studies.length} studies; pick one with --study NAME: ${describeStudies(await listIn(r))}`, r.label, undefined, "study");
  } else chosen = studies[0]!;
  const sid = chosen.id;
  const directions = (await readDirections(r, sid)).get(sid) ?? ["minimize"];

  const attrsOf = async (table: string, key: string, where: string): Promise<Map<number, Record<string, unknown>>> => {
    const out = new Map<number, Record<string, unknown>>();
    for (const x of await r.all(`SELECT a.${key} AS owner, a."key" AS k, a.value_json AS v FROM ${table} a ${where} ORDER BY a.${key}`)) {
      const id = Number(x.owner);
      let rec = out.get(id);
      if (!rec) out.set(id, (rec = safeRecord()));
      rec[String(x.k)] = attrValue(x.v);
    }
    return out;
  };
  const studySystem = (await attrsOf("study_system_attributes", "study_id", `WHERE a.study_id = ${sid}`)).get(sid) ?? safeRecord();

  const ofStudy = `JOIN trials t ON t.trial_id = a.trial_id WHERE t.study_id = ${sid}`;
  const trials = new Map<number, RdbTrial>();
  for (const x of await r.all(`SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials WHERE study_id = ${sid} ORDER BY number, trial_id`))
    trials.set(Number(x.trial_id), {
      trialId: Number(x.trial_id),
      number: Number(x.number),
      state: String(x.state),
      start: isoDatetime(x.datetime_start),
      complete: isoDatetime(x.datetime_complete),
      values: [],
      params: safeRecord(),
      inter: [],
      userAttrs: safeRecord(),
      systemAttrs: safeRecord(),
    });

  const hasValueType = (await r.columns("trial_values")).has("value_type");
  for (const x of await r.all(`SELECT a.trial_id, a.objective, a.value${hasValueType ? ", a.value_type" : ""} FROM trial_values a ${ofStudy}`)) {
    const t = trials.get(Number(x.trial_id));
    if (t) t.values[Number(x.objective)] = storedNumber(x.value, x.value_type);
  }
  const hasInterType = (await r.columns("trial_intermediate_values")).has("intermediate_value_type");
  for (const x of await r.all(
    `SELECT a.trial_id, a.step, a.intermediate_value${hasInterType ? ", a.intermediate_value_type" : ""} FROM trial_intermediate_values a ${ofStudy} ORDER BY a.trial_id, a.step`,
  )) {
    const t = trials.get(Number(x.trial_id));
    const v = storedNumber(x.intermediate_value, x.intermediate_value_type);
    if (t && v !== null) t.inter.push([Number(x.step), v]);
  }

  const dists = new Map<string, OptunaDistribution>();
  const warnings: Array<{ field?: string; message: string; line?: number }> = [];
  if (schema.warn) warnings.push({ message: schema.warn });
  for (const x of await r.all(`SELECT a.trial_id, a.param_name, a.param_value, a.distribution_json FROM trial_params a ${ofStudy} ORDER BY a.param_id`)) {
    const t = trials.get(Number(x.trial_id));
    if (!t) continue;
    const name = String(x.param_name);
    const d = parseDistribution(x.distribution_json);
    const v = d ? externalParam(d, Number(x.param_value)) : undefined;
    if (!d || v === undefined) {
      warnings.push({ line: t.number, field: name, message: `trial ${t.number}: parameter "${name}" has ${d ? `value ${String(x.param_value)} outside its ${d.name}` : "an unreadable distribution"}; left out` });
      continue;
    }
    t.params[name] = v;
    if (!dists.has(name)) dists.set(name, d);
  }
  for (const [id, rec] of await attrsOf("trial_user_attributes", "trial_id", ofStudy)) {
    const t = trials.get(id);
    if (t) t.userAttrs = rec;
  }
  for (const [id, rec] of await attrsOf("trial_system_attributes", "trial_id", ofStudy)) {
    const t = trials.get(id);
    if (t) t.systemAttrs = rec;
  }

  const named = studySystem["study:metric_names"];
  const names =
    Array.isArray(named) && named.length === directions.length && named.every((n) => typeof n === "string")
      ? (named as string[])
      : directions.length <= 1
        ? ["value"]
        : directions.map((_, i) => `values_${i}`);
  const objIndex = objectiveIndex(names, options.objective);
  if (objIndex < 0)
    throw new TunebookError(`objective "${options.objective}" is not one of the study's objectives (${names.join(", ")}, or an index 0-${names.length - 1})`, r.label, undefined, "objective");
  const metric = names[objIndex]!;
  const direction = options.direction ?? directions[objIndex] ?? "minimize";

  const b = new StudyBuilder(options.name ?? chosen.name, { metric, direction });
  b.source = { path: isPostgresUrl(target) ? r.label : target, format: "optuna-rdb" };
  for (const w of warnings) b.warn({ file: r.label, ...w });
  const params = new Map<string, Param>();
  for (const [k, d] of dists) {
    const p = distributionToParam(k, d);
    if (p) params.set(k, p);
    else b.warn({ file: r.label, field: k, message: `distribution ${d.name} of parameter "${k}" is not understood; left out of the space` });
  }
  const list = [...trials.values()];
  inferConditions(params, list.map((t) => ({ params: t.params, finished: t.state === "COMPLETE" || t.state === "PRUNED" })));
  const allNames = [...dists.keys()];
  for (const t of list) {
    const id = String(t.number);
    const st = optunaStatus(t.state);
    if (!st) b.warn({ file: r.label, line: t.number, field: "state", message: `trial ${t.number}: unknown state "${t.state}"; kept as running` });
    const attrs = safeRecord<unknown>();
    attrs.number = t.number;
    attrs.state = t.state;
    if (t.start) attrs.datetimeStart = t.start;
    if (t.complete) attrs.datetimeComplete = t.complete;
    if (Object.keys(t.userAttrs).length) attrs.userAttrs = t.userAttrs;
    if (Object.keys(t.systemAttrs).length) attrs.systemAttrs = t.systemAttrs;
    const v = t.values[objIndex] ?? null;
    const lastStep = t.inter.length ? t.inter[t.inter.length - 1]![0] : null;
    t.values.forEach((x, j) => {
      if (j !== objIndex && x !== null && x !== undefined) attrs[names[j]!] = x;
    });
    // Parameters a trial did not sample are inactive there (conditional): null.
    const hp = safeRecord<HpValue>();
    for (const n of allNames) hp[n] = n in t.params ? t.params[n]! : null;
    b.trial({ id, status: st ?? "running", hparams: hp, final: v, best: v, bestStep: v === null ? null : lastStep, steps: lastStep, attrs });
    for (const [step, x] of t.inter) b.measure(id, step, metric, x);
    t.values.forEach((x, j) => {
      if (j !== objIndex && x !== null && x !== undefined) b.measure(id, lastStep ?? 0, names[j]!, x);
    });
  }
  b.space = { params: [...params.values()], name: chosen.name } satisfies SearchSpace;
  return b.build();
}

/**
 * Load one study of an Optuna RDB storage: an SQLite file (or `sqlite:///path`) or a PostgreSQL
 * URL. `options.study` picks the study when the storage holds several (the error lists them);
 * `options.objective` picks one objective of a multi-objective study (name or index).
 *
 * @example
 * const study = await loadOptunaRdb("study.db", { study: "mlp-lr" });
 * study.statusCounts(); // { complete: 11, pruned: 4, failed: 1, running: 2, … }
 * const pg = await loadOptunaRdb("postgresql://tunebook@127.0.0.1/optuna", { study: "two-objectives", objective: "accuracy" });
 */
export async function loadOptunaRdb(target: string, options: LoadOptions = {}): Promise<Study> {
  const r = await openStorage(target);
  try {
    return await r.snapshot(() => readStudy(r, target, options));
  } finally {
    await r.close();
  }
}

export const optunaRdbFormat = defineFormat({
  name: "optuna-rdb",
  detect(p: Probe): number {
    return !p.isDirectory && p.head.length >= 16 && p.head.subarray(0, 16).equals(SQLITE_MAGIC) ? 70 : 0;
  },
  detectUrl(url: string): number {
    return isPostgresUrl(url) || /^sqlite(\+[a-z0-9_]+)?:\/\/\//i.test(url) ? 70 : 0;
  },
  load: loadOptunaRdb,
});
