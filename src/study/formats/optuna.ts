/**
 * Optuna studies, in the two forms Optuna users have on disk:
 *
 * - `optuna-csv`: `study.trials_dataframe().to_csv(...)` — columns `number`, `value` (or
 *   `values_0`, `values_1`… / `values_<metric name>` for multi-objective studies),
 *   `datetime_start`, `datetime_complete`, `duration`, `params_<name>`, `user_attrs_<name>`,
 *   `system_attrs_<name>`, `state`. The CSV does not record the direction: it is taken from
 *   `--direction`, else Optuna's default (minimize).
 * - `optuna-journal`: the JSON-lines log of `optuna.storages.JournalStorage` with a
 *   `JournalFileBackend` (`JournalFileStorage` before Optuna 4). Each line is one operation
 *   (`op_code` 0–9); replaying them gives the studies, their directions, every trial's
 *   parameters with their distributions (turned into `study.space`), state, values, intermediate
 *   values (turned into measurements at their steps) and attributes.
 *
 * States: COMPLETE → complete; PRUNED → pruned (a pruned trial ran correctly and was stopped early
 * on purpose, so it is not infeasible; its value is its last reported one); FAIL → failed; RUNNING
 * and WAITING → running (`attrs.state` keeps Optuna's name).
 *
 * The objective metric is `value` (single objective) or `values_<i>` / the study's metric names;
 * a trial's `final` and `best` are its Optuna value (what Optuna ranks trials by), and its
 * intermediate values are the curve of that metric. Other objectives of a multi-objective trial
 * are kept in `attrs`.
 */
import type { CategoricalParam, Param, SearchSpace } from "../../space/spec.js";
import { whyNotNumber } from "../../core/numbers.js";
import { StudyBuilder, parseNumber, toHpValue } from "../builder.js";
import type { Study } from "../study.js";
import { type Direction, type HpValue, type TrialStatus, TunebookError, safeRecord } from "../types.js";
import { forEachCsvRow } from "./csvRows.js";
import { defineFormat, guessDirection, type ReadOptions, type Probe } from "./format.js";
import { describe as describeValue } from "./schema.js";
import { IssueLog, checkTextFile, endsMidLine, forEachLine, parseJsonLine, studyNameFrom } from "./text.js";

/** Optuna's TrialState enum values (optuna/trial/_state.py). */
const TRIAL_STATE: Record<number, string> = { 0: "RUNNING", 1: "COMPLETE", 2: "PRUNED", 3: "FAIL", 4: "WAITING" };

/**
 * Optuna's state name → tunebook status (undefined for an unknown state).
 *
 * @example
 * optunaStatus("PRUNED"); // "pruned"
 * optunaStatus("TrialState.FAIL"); // "failed"
 */
export function optunaStatus(state: string): TrialStatus | undefined {
  switch (state.trim().toUpperCase().replace(/^TRIALSTATE\./, "")) {
    case "COMPLETE":
      return "complete";
    case "PRUNED":
      return "pruned";
    case "FAIL":
      return "failed";
    case "RUNNING":
    case "WAITING":
      return "running";
    default:
      return undefined;
  }
}

/** StudyDirection enum: 0 NOT_SET, 1 MINIMIZE, 2 MAXIMIZE (also accepted as names). */
function directionOf(d: unknown): Direction | undefined {
  if (d === 1 || d === "MINIMIZE" || d === "minimize") return "minimize";
  if (d === 2 || d === "MAXIMIZE" || d === "maximize") return "maximize";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Distributions → search space

/** An Optuna distribution as stored in JSON (`distribution_to_json`). */
export interface OptunaDistribution {
  name: string;
  attributes: Record<string, unknown>;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** Values low, low+step, … ≤ high (at most `cap`, else undefined). */
function grid(low: number, high: number, step: number, cap = 1000): number[] | undefined {
  if (!(step > 0)) return undefined;
  const n = Math.floor((high - low) / step + 1e-9) + 1;
  if (n > cap || n < 1) return undefined;
  return Array.from({ length: n }, (_, i) => Number((low + i * step).toPrecision(12)));
}

/**
 * Translate one Optuna distribution into a tunebook search-space parameter. Handles the current
 * FloatDistribution / IntDistribution / CategoricalDistribution and the pre-3.0 Uniform,
 * LogUniform, DiscreteUniform, IntUniform and IntLogUniform distributions.
 *
 * @example
 * distributionToParam("lr", { name: "FloatDistribution", attributes: { low: 1e-4, high: 0.1, log: true, step: null } });
 * // { name: "lr", type: "float", low: 1e-4, high: 0.1, scale: "log" }
 */
export function distributionToParam(name: string, d: OptunaDistribution): Param | undefined {
  const a = d.attributes ?? {};
  const low = num(a.low);
  const high = num(a.high);
  switch (d.name) {
    case "FloatDistribution":
    case "UniformDistribution":
    case "LogUniformDistribution":
    case "DiscreteUniformDistribution": {
      if (low === undefined || high === undefined) return undefined;
      const step = num(a.step) ?? num(a.q);
      if (step !== undefined) {
        const values = grid(low, high, step);
        if (values) return { name, type: "discrete", values };
      }
      const log = a.log === true || d.name === "LogUniformDistribution";
      return { name, type: "float", low, high, scale: log ? "log" : "linear" };
    }
    case "IntDistribution":
    case "IntUniformDistribution":
    case "IntLogUniformDistribution": {
      if (low === undefined || high === undefined) return undefined;
      const step = num(a.step) ?? 1;
      const log = a.log === true || d.name === "IntLogUniformDistribution";
      if (step !== 1 && !log) {
        const values = grid(low, high, step);
        if (values) return { name, type: "discrete", values };
      }
      return { name, type: "int", low, high, scale: log ? "log" : "linear" };
    }
    case "CategoricalDistribution": {
      if (!Array.isArray(a.choices)) return undefined;
      const values = a.choices.map((c) => (c === null ? "None" : typeof c === "object" ? JSON.stringify(c) : c)) as CategoricalParam["values"];
      return { name, type: "categorical", values };
    }
    default:
      return undefined;
  }
}

/** Internal representation (what the journal stores) → the value the user's code saw. */
function externalValue(d: OptunaDistribution, internal: unknown): HpValue | undefined {
  if (typeof internal !== "number") return undefined;
  if (d.name === "CategoricalDistribution") {
    const choices = d.attributes?.choices;
    if (!Array.isArray(choices) || !Number.isInteger(internal) || internal < 0 || internal >= choices.length) return undefined;
    const c = choices[internal] as unknown;
    return c === null ? null : typeof c === "object" ? JSON.stringify(c) : (c as HpValue);
  }
  if (d.name.startsWith("Int")) return Math.round(internal);
  return internal;
}

function parseDistribution(v: unknown): OptunaDistribution | undefined {
  // The journal stores the distribution as a JSON string inside the JSON line.
  let o: unknown = v;
  if (typeof v === "string") {
    try {
      o = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (!o || typeof o !== "object") return undefined;
  const r = o as Record<string, unknown>;
  if (typeof r.name !== "string") return undefined;
  const attributes = r.attributes && typeof r.attributes === "object" ? (r.attributes as Record<string, unknown>) : {};
  return { name: r.name, attributes };
}

// ---------------------------------------------------------------------------------------------
// Journal

interface JTrial {
  study: number;
  number: number;
  state: number;
  values: Array<number | null> | null;
  params: Record<string, HpValue>;
  inter: Array<[number, number]>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  datetimeStart?: string | null;
  datetimeComplete?: string | null;
  line: number;
}

interface JStudy {
  name: string;
  directions: Direction[];
  trials: number[];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  deleted: boolean;
}

function toValues(v: unknown): Array<number | null> | null {
  if (v === null || v === undefined) return null;
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => (x === null ? null : (parseNumber(x) ?? null)));
}

function assignOne(into: Record<string, unknown>, v: unknown): boolean {
  if (!v || typeof v !== "object" || Array.isArray(v)) return false;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) into[k] = x;
  return true;
}

/**
 * Load an Optuna JournalStorage log file (JSON lines). Several studies in one journal load
 * together, each trial's `group` being its study name; `options.name` picks one study.
 *
 * @example
 * const study = await loadOptunaJournal("optuna_journal_storage.log");
 * study.space?.params.map((p) => p.name); // ["lr", "layers", "optimizer"]
 */
export async function loadOptunaJournal(path: string, options: ReadOptions = {}): Promise<Study> {
  await checkTextFile(path, "Optuna journal (JSON lines)", options.encoding);
  const log = new IssueLog(path);
  const studies: JStudy[] = [];
  const trials: JTrial[] = [];
  const dists = new Map<number, Map<string, OptunaDistribution>>(); // per study: first distribution seen
  let ops = 0;
  let ignoredFinished = 0;
  let lastLine = 0;
  let badLast = false;
  await forEachLine(
    path,
    (line, n) => {
      lastLine = n;
      badLast = false;
      if (n > 1000 && ops === 0) throw new TunebookError(`no Optuna journal operation in the first 1000 lines${log.first ? `: ${log.first.message.replace(/; (operation|line) skipped$/, "")}` : ""}`, path, log.first?.line);
      if (line.trim() === "") return;
      let rec: unknown;
      try {
        rec = parseJsonLine(line);
      } catch (e) {
        badLast = true;
        log.add(n, undefined, `not valid JSON (${(e as Error).message}); operation skipped`);
        return;
      }
      if (!rec || typeof rec !== "object" || Array.isArray(rec)) {
        log.add(n, undefined, `expected a JSON object, found ${describeValue(rec)}; operation skipped`);
        return;
      }
      const r = rec as Record<string, unknown>;
      const op = r.op_code;
      if (typeof op !== "number") {
        log.add(n, "op_code", `expected an operation code 0-9, found ${describeValue(op)}; line skipped`);
        return;
      }
      ops++;
      const trialOf = (): JTrial | undefined => {
        const id = r.trial_id;
        const t = typeof id === "number" ? trials[id] : undefined;
        if (!t) log.add(n, "trial_id", `no trial with id ${describeValue(id)} was created before this line; operation skipped`);
        else if (t.state >= 1 && t.state <= 3) {
          // Optuna ignores updates to finished trials (another worker got there first).
          ignoredFinished++;
          return undefined;
        }
        return t;
      };
      const studyOf = (): JStudy | undefined => {
        const id = r.study_id;
        const s = typeof id === "number" ? studies[id] : undefined;
        if (!s) log.add(n, "study_id", `no study with id ${describeValue(id)} was created before this line; operation skipped`);
        return s;
      };
      switch (op) {
        case 0: {
          // CREATE_STUDY; a second CREATE_STUDY with an existing name is ignored, as Optuna does.
          const name = typeof r.study_name === "string" ? r.study_name : `study_${studies.length}`;
          if (studies.some((s) => s.name === name && !s.deleted)) return;
          const dirs = Array.isArray(r.directions) ? r.directions.map(directionOf) : [];
          studies.push({ name, directions: dirs.map((d) => d ?? "minimize"), trials: [], userAttrs: safeRecord(), systemAttrs: safeRecord(), deleted: false });
          dists.set(studies.length - 1, new Map());
          return;
        }
        case 1: {
          const s = studyOf();
          if (s) s.deleted = true;
          return;
        }
        case 2:
        case 3: {
          const s = studyOf();
          if (s && !assignOne(op === 2 ? s.userAttrs : s.systemAttrs, op === 2 ? r.user_attr : r.system_attr))
            log.add(n, op === 2 ? "user_attr" : "system_attr", `expected an object {key: value}`);
          return;
        }
        case 4: {
          const sid = r.study_id;
          const s = studyOf();
          if (!s) return;
          const t: JTrial = {
            study: sid as number,
            number: s.trials.length,
            state: typeof r.state === "number" ? r.state : 0,
            values: toValues(r.values ?? r.value),
            params: safeRecord(),
            inter: [],
            userAttrs: safeRecord(),
            systemAttrs: safeRecord(),
            datetimeStart: typeof r.datetime_start === "string" ? r.datetime_start : null,
            datetimeComplete: typeof r.datetime_complete === "string" ? r.datetime_complete : null,
            line: n,
          };
          // A trial created from a template (enqueue_trial / add_trial) carries everything at once.
          if (r.distributions && typeof r.distributions === "object" && r.params && typeof r.params === "object") {
            for (const [k, dj] of Object.entries(r.distributions as Record<string, unknown>)) {
              const d = parseDistribution(dj);
              if (!d) continue;
              const v = externalValue(d, (r.params as Record<string, unknown>)[k]);
              if (v !== undefined) t.params[k] = v;
              if (!dists.get(t.study)!.has(k)) dists.get(t.study)!.set(k, d);
            }
          }
          if (r.intermediate_values && typeof r.intermediate_values === "object")
            for (const [k, v] of Object.entries(r.intermediate_values as Record<string, unknown>)) {
              const x = parseNumber(v);
              if (x !== undefined) t.inter.push([Number(k), x]);
            }
          assignOne(t.userAttrs, r.user_attrs);
          assignOne(t.systemAttrs, r.system_attrs);
          s.trials.push(trials.length);
          trials.push(t);
          return;
        }
        case 5: {
          const t = trialOf();
          if (!t) return;
          const name = r.param_name;
          const d = parseDistribution(r.distribution);
          if (typeof name !== "string" || !d) {
            log.add(n, typeof name !== "string" ? "param_name" : "distribution", `expected a parameter name and an Optuna distribution; parameter skipped`);
            return;
          }
          const v = externalValue(d, r.param_value_internal);
          if (v === undefined) {
            log.add(n, "param_value_internal", `value ${describeValue(r.param_value_internal)} does not fit ${d.name}; parameter skipped`);
            return;
          }
          t.params[name] = v;
          const sd = dists.get(t.study)!;
          if (!sd.has(name)) sd.set(name, d);
          return;
        }
        case 6: {
          const t = trialOf();
          if (!t) return;
          if (typeof r.state === "number") t.state = r.state;
          else log.add(n, "state", `expected a trial state 0-4, found ${describeValue(r.state)}`, false);
          const vals = toValues(r.values);
          if (vals) t.values = vals;
          if (typeof r.datetime_start === "string") t.datetimeStart = r.datetime_start;
          if (typeof r.datetime_complete === "string") t.datetimeComplete = r.datetime_complete;
          return;
        }
        case 7: {
          const t = trialOf();
          if (!t) return;
          const step = parseNumber(r.step);
          const v = parseNumber(r.intermediate_value);
          if (step === undefined || v === undefined) {
            log.add(n, step === undefined ? "step" : "intermediate_value", `expected numbers for step and intermediate_value; skipped`);
            return;
          }
          t.inter.push([step, v]);
          return;
        }
        case 8:
        case 9: {
          const t = trialOf();
          if (t && !assignOne(op === 8 ? t.userAttrs : t.systemAttrs, op === 8 ? r.user_attr : r.system_attr))
            log.add(n, op === 8 ? "user_attr" : "system_attr", `expected an object {key: value}`);
          return;
        }
        default:
          log.add(n, "op_code", `unknown operation code ${op} (expected 0-9); line skipped`);
      }
    },
    options.onProgress,
    options.encoding,
  );
  if (ops === 0) {
    const why = log.first ? `: ${log.first.message.replace(/; (operation|line) skipped$/, "")}` : "";
    throw new TunebookError(`no Optuna journal operations found${why}`, path, log.first?.line);
  }
  if (ignoredFinished > 0)
    log.add(undefined, undefined, `${ignoredFinished} operations on already finished trials ignored, as Optuna does`, false);
  if (badLast) {
    log.add(lastLine, undefined, `the last line is incomplete (the journal was cut while being written)`, false);
    const issue = log.issues.at(-1);
    if (issue?.line === lastLine && (await endsMidLine(path))) issue.openLastLine = true;
  }
  let chosen = studies.map((s, i) => ({ s, i })).filter((x) => !x.s.deleted);
  const pickName = options.study ?? options.name;
  if (pickName && studies.length > 1) {
    const pick = chosen.filter((x) => x.s.name === pickName);
    if (pick.length === 0)
      throw new TunebookError(`no study named "${pickName}" in the journal (found: ${chosen.map((x) => x.s.name).join(", ")})`, path, undefined, "study");
    chosen = pick;
  }
  if (chosen.length === 0) throw new TunebookError(`the journal holds no (undeleted) study`, path);
  const first = chosen[0]!.s;
  const names = metricNames(first);
  const objIndex = options.objective ? names.indexOf(options.objective) : 0;
  if (options.objective && objIndex < 0)
    throw new TunebookError(`objective "${options.objective}" is not one of the study's objectives (${names.join(", ")})`, path, undefined, "objective");
  const metric = names[objIndex]!;
  const direction = options.direction ?? first.directions[objIndex] ?? "minimize";
  const b = new StudyBuilder(options.name ?? (chosen.length === 1 ? first.name : studyNameFrom(path)), { metric, direction });
  b.source = { path, format: "optuna-journal" };
  const several = chosen.length > 1;
  const params = new Map<string, Param>();
  for (const { i } of chosen)
    for (const [k, d] of dists.get(i)!) {
      if (params.has(k)) continue;
      const p = distributionToParam(k, d);
      if (p) params.set(k, p);
      else log.add(undefined, k, `distribution ${d.name} of parameter "${k}" is not understood; left out of the space`, false);
    }
  const allNames = [...new Set([...params.keys(), ...chosen.flatMap(({ i }) => [...dists.get(i)!.keys()])])];
  for (const { s } of chosen) {
    const sNames = metricNames(s);
    for (const tid of s.trials) {
      const t = trials[tid]!;
      const id = several ? `${s.name}#${t.number}` : String(t.number);
      const stateName = TRIAL_STATE[t.state] ?? `STATE_${t.state}`;
      const st = optunaStatus(stateName);
      if (!st) log.add(t.line, "state", `unknown trial state ${t.state}; trial kept as running`, false);
      const v = t.values?.[objIndex] ?? null;
      const attrs = safeRecord<unknown>();
      attrs.number = t.number;
      attrs.state = stateName;
      if (t.datetimeStart) attrs.datetimeStart = t.datetimeStart;
      if (t.datetimeComplete) attrs.datetimeComplete = t.datetimeComplete;
      if (Object.keys(t.userAttrs).length) attrs.userAttrs = t.userAttrs;
      if (Object.keys(t.systemAttrs).length) attrs.systemAttrs = t.systemAttrs;
      t.values?.forEach((x, j) => {
        if (j !== objIndex) attrs[sNames[j] ?? `values_${j}`] = x;
      });
      // Parameters a trial did not sample are inactive there (conditional): null.
      const hp = safeRecord<HpValue>();
      for (const n of allNames) hp[n] = n in t.params ? t.params[n]! : null;
      b.trial({
        id,
        status: st ?? "running",
        hparams: hp,
        final: v,
        best: v,
        bestStep: null,
        steps: t.inter.length ? Math.max(...t.inter.map((x) => x[0])) : null,
        group: several ? s.name : null,
        attrs,
      });
      for (const [step, x] of t.inter) b.measure(id, step, metric, x);
    }
  }
  b.space = { params: [...params.values()] } satisfies SearchSpace;
  for (const is of log.finish()) b.warnings.push(is);
  return b.build();
}

/** Objective names: the study's `study:metric_names` system attr, else `value` / `values_<i>`. */
function metricNames(s: JStudy): string[] {
  const named = s.systemAttrs["study:metric_names"];
  if (Array.isArray(named) && named.length === s.directions.length && named.every((x) => typeof x === "string")) return named as string[];
  return s.directions.length <= 1 ? ["value"] : s.directions.map((_, i) => `values_${i}`);
}

// ---------------------------------------------------------------------------------------------
// trials_dataframe() CSV

/** Seconds from pandas' Timedelta text ("0 days 00:01:02.5") or a plain number. */
function parseDuration(s: string): number | undefined {
  const m = /^(-?\d+) days? (\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(s.trim());
  if (m) return Number(m[1]) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return parseNumber(s);
}

/**
 * Load the CSV written by `study.trials_dataframe().to_csv(path)`.
 *
 * @example
 * const study = await loadOptunaCsv("trials.csv", { direction: "maximize" });
 * study.trial("0")?.hparams.lr;
 */
export async function loadOptunaCsv(path: string, options: ReadOptions = {}): Promise<Study> {
  await checkTextFile(path, "Optuna trials_dataframe CSV", options.encoding);
  const log = new IssueLog(path);
  const b = new StudyBuilder(options.name ?? studyNameFrom(path), { metric: "value", direction: options.direction ?? "minimize" });
  b.source = { path, format: "optuna-csv" };
  let valueCols: string[] = [];
  let objCol = "value";
  let checked = false;
  const { header } = await forEachCsvRow(
    path,
    log,
    (h, row, line) => {
      if (!checked) {
        checked = true;
        if (!h.includes("number"))
          throw new TunebookError(`missing column "number": not a trials_dataframe() CSV`, path, 1, "number");
        valueCols = h.filter((c) => c === "value" || c.startsWith("values_"));
        if (valueCols.length === 0) log.add(1, "value", `no "value" or "values_*" column: trials have no objective value`, false);
        objCol = options.objective ?? valueCols[0] ?? "value";
        if (options.objective && !valueCols.includes(options.objective))
          throw new TunebookError(`objective "${options.objective}" is not a value column (${valueCols.join(", ") || "none"})`, path, 1, "objective");
        b.objective = { metric: objCol, direction: options.direction ?? (options.objective ? guessDirection(objCol) : "minimize") };
      }
      const hp = safeRecord<HpValue>();
      const attrs = safeRecord<unknown>();
      const user = safeRecord<unknown>();
      const sys = safeRecord<unknown>();
      let id: string | undefined;
      let status: TrialStatus = "complete";
      let final: number | null = null;
      for (let i = 0; i < h.length; i++) {
        const col = h[i]!;
        const cell = row[i] ?? "";
        if (i === 0 && (/^column_1$/.test(col) || /^Unnamed/.test(col))) continue; // pandas' index (to_csv default)
        if (col === "number") {
          const n = parseNumber(cell);
          if (n === undefined || !Number.isInteger(n)) {
            log.add(line, col, `expected the trial number (an integer), found ${describeValue(cell)}; row skipped`);
            return;
          }
          id = String(n);
          attrs.number = n;
        } else if (col.startsWith("params_")) hp[col.slice(7)] = toHpValue(cell);
        else if (col.startsWith("user_attrs_")) user[col.slice(11)] = toHpValue(cell);
        else if (col.startsWith("system_attrs_")) sys[col.slice(13)] = toHpValue(cell);
        else if (col === "state") {
          const st = optunaStatus(cell);
          if (!st) log.add(line, col, `expected COMPLETE, PRUNED, FAIL, RUNNING or WAITING, found ${describeValue(cell)}; kept as running`, false);
          status = st ?? "running";
          attrs.state = cell.trim().toUpperCase();
        } else if (valueCols.includes(col)) {
          if (cell.trim() === "") continue;
          const v = parseNumber(cell);
          if (v === undefined) {
            log.add(line, col, `expected a number, ${whyNotNumber(cell)}; value ignored`, false);
            continue;
          }
          if (col === objCol) final = v;
          else attrs[col] = v;
        } else if (col === "datetime_start") attrs.datetimeStart = cell || null;
        else if (col === "datetime_complete") attrs.datetimeComplete = cell || null;
        else if (col === "duration") {
          const d = parseDuration(cell);
          if (d !== undefined) attrs.durationSeconds = d;
        } else if (cell !== "") attrs[col] = toHpValue(cell);
      }
      if (id === undefined) return;
      if (b.hasTrial(id)) {
        log.add(line, "number", `trial number ${id} appears twice; row skipped`);
        return;
      }
      if (Object.keys(user).length) attrs.userAttrs = user;
      if (Object.keys(sys).length) attrs.systemAttrs = sys;
      b.trial({ id, status, hparams: hp, final, best: final, bestStep: null, attrs });
    },
    options.onProgress,
    undefined,
    options.encoding,
  );
  if (!header) throw new TunebookError(`empty file: expected a trials_dataframe() CSV`, path);
  if (b.trialCount === 0) throw new TunebookError(`no trials could be read${log.first ? `: ${log.first.message}` : ""}`, path, log.first?.line);
  for (const is of log.finish()) b.warnings.push(is);
  return b.build();
}

// ---------------------------------------------------------------------------------------------
// Registration

function firstLine(head: Buffer): string {
  return head.toString("utf8").replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
}

export const optunaJournalFormat = defineFormat({
  name: "optuna-journal",
  detect(p: Probe): number {
    if (p.isDirectory) return 0;
    const l = firstLine(p.head).trim();
    return l.startsWith("{") && /"op_code"\s*:/.test(l) && /"worker_id"\s*:/.test(l) ? 60 : 0;
  },
  load: loadOptunaJournal,
});

export const optunaCsvFormat = defineFormat({
  name: "optuna-csv",
  detect(p: Probe): number {
    if (p.isDirectory) return 0;
    const cols = firstLine(p.head).split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
    const has = (c: string) => cols.includes(c);
    if (!has("number") || !has("state")) return 0;
    const optunaish = cols.some((c) => c === "value" || c.startsWith("values_") || c.startsWith("params_"));
    return optunaish && (has("datetime_start") || cols.some((c) => c.startsWith("params_"))) ? 50 : 0;
  },
  load: loadOptunaCsv,
});

