/**
 * Records → Study, shared by the JSONL and CSV loaders. A record is a list of keys and values
 * (a CSV row with its header, or a JSON object). Three shapes, told apart by the keys:
 *
 * - **long**: one measurement per record — `trial|trial_id|run`, `step|global_step`, `metric`, `value`;
 * - **wide**: one step per record — trial and step keys, every other numeric key is a metric;
 * - **trial**: one trial per record (no step key) — hyperparameters, an objective column, status.
 *
 * Hyperparameters come from `hp.<name>` keys or a nested `hparams`/`config`/`params` object and may
 * repeat on every record. Blank cells are "not logged" (a hyperparameter a trial does not use).
 */
import { whyNotNumber } from "../../core/numbers.js";
import { StudyBuilder, parseNumber, toHpValue } from "../builder.js";
import type { Study } from "../study.js";
import { type Direction, type HpValue, type TrialStatus, TunebookError, safeRecord } from "../types.js";
import { guessDirection, type ReadOptions } from "./format.js";
import { JsonKind, type LineTemplate, type ScanTail, parseDecimal, rememberTemplate, scanFlatObject, scanNumber } from "./scan.js";
import { type CsvLineFn, IssueLog, Interner, detach, parseStatus } from "./text.js";

export type RecordShape = "long" | "wide" | "trial";

type Role = "trial" | "step" | "metric" | "value" | "status" | "hp" | "hpObject" | "group" | "other";

const TRIAL_KEYS = new Set(["trial", "trial_id", "trialid", "trial_name", "run", "run_id", "runid", "run_name"]);
const STEP_KEYS = new Set(["step", "global_step", "iteration", "_step"]);
const STATUS_KEYS = new Set(["status", "state"]);
const HP_OBJECT_KEYS = new Set(["hparams", "hyperparameters", "config", "params"]);

/**
 * Role of a key (exported for tests and for loaders that pre-check headers).
 *
 * @example
 * roleOf("global_step"); // "step"
 * roleOf("hp.lr"); // "hp"
 */
export function roleOf(key: string): Role {
  const l = key.toLowerCase();
  if (TRIAL_KEYS.has(l)) return "trial";
  if (STEP_KEYS.has(l)) return "step";
  if (l === "metric" || l === "metric_name" || l === "tag") return "metric";
  if (l === "value" || l === "metric_value") return "value";
  if (STATUS_KEYS.has(l)) return "status";
  if (HP_OBJECT_KEYS.has(l)) return "hpObject";
  if (l === "group") return "group";
  if (key.startsWith("hp.") || key.startsWith("hp/") || key.startsWith("params_") || key.startsWith("config.") || key.startsWith("config/"))
    return "hp";
  return "other";
}

/** `hp.lr` → `lr`; `config/opt.lr` → `opt.lr`. */
function hpName(key: string): string {
  if (key.startsWith("params_")) return key.slice(7);
  if (key.startsWith("config.") || key.startsWith("config/")) return key.slice(7);
  return key.slice(3);
}

/**
 * Which shape a set of keys describes.
 *
 * @example
 * shapeOf(["trial", "step", "metric", "value"]); // "long"
 * shapeOf(["trial", "hp.lr", "objective"]); // "trial"
 */
export function shapeOf(keys: readonly string[]): RecordShape {
  const roles = new Set(keys.map(roleOf));
  if (roles.has("step")) return roles.has("metric") && roles.has("value") ? "long" : "wide";
  if (roles.has("metric") && roles.has("value")) return "long"; // reported as missing step later
  return "trial";
}

/**
 * Flatten a nested hyperparameter object into `a.b` names (into a safe record).
 *
 * @example
 * const hp = safeRecord<HpValue>();
 * flattenHparams({ opt: { lr: 0.1 } }, hp); // hp["opt.lr"] === 0.1
 */
export function flattenHparams(obj: unknown, into: Record<string, HpValue>, prefix = ""): void {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    if (prefix) into[prefix] = toHpValue(obj);
    return;
  }
  for (const k of Object.keys(obj)) {
    const v = (obj as Record<string, unknown>)[k];
    const name = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) flattenHparams(v, into, name);
    else into[name] = toHpValue(v);
  }
}

/** How a one-row-per-trial table maps to trials. */
export interface TrialPlan {
  /** Keys joined with "/" to make the trial id (empty: the record number). */
  idKeys: string[];
  metric: string;
  finalKey?: string;
  bestKey?: string;
  stepsKey?: string;
  statusKey?: string;
  groupKey?: string;
  /** `direction` (min/max words) or `higher_is_better` (booleans) per row. */
  directionKey?: string;
  /** A boolean column that marks a diverged trial (e.g. `has_nonfinite`). */
  divergedKey?: string;
  /** A column naming each row's own objective metric (trials_summary's `target_metric` → `validation/<m>`). */
  metricKey?: string;
  /** Keys that are not attrs (already used above). */
  used: Set<string>;
}

const OBJECTIVE_KEYS = ["objective", "value", "final_value", "final", "score", "result", "metric_value"];

/**
 * Choose the trial-shape columns from the header: the objective (`objective`, `value`, `final_<m>`
 * / `best_<m>` pairs, the first validation-like column…), status, steps and group.
 *
 * @example
 * planTrialColumns(["trial", "hp.lr", "final_acc", "best_acc"], {}, "t.csv").metric; // "acc"
 */
export function planTrialColumns(keys: readonly string[], options: ReadOptions, file: string): TrialPlan {
  const has = new Set(keys);
  const lower = new Map(keys.map((k) => [k.toLowerCase(), k]));
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) {
      const k = lower.get(n);
      if (k !== undefined) return k;
    }
    return undefined;
  };
  const plan: TrialPlan = { idKeys: [], metric: "objective", used: new Set() };
  // AlgoPerf's trials_summary.csv: one row per trial of team/submission/study/workload.
  if (has.has("workload") && has.has("final_validation_metric") && has.has("higher_is_better")) {
    plan.idKeys = ["team", "submission", "study", "workload", "trial"].filter((k) => has.has(k));
    plan.metric = options.objective ?? "validation";
    plan.finalKey = "final_validation_metric";
    plan.bestKey = has.has("best_validation_metric") ? "best_validation_metric" : undefined;
    plan.stepsKey = has.has("final_global_step") ? "final_global_step" : undefined;
    plan.groupKey = "workload";
    plan.directionKey = "higher_is_better";
    plan.divergedKey = has.has("has_nonfinite") ? "has_nonfinite" : undefined;
    plan.metricKey = has.has("target_metric") && !options.objective ? "target_metric" : undefined;
    plan.statusKey = pick("status", "state");
  } else {
    const id = keys.find((k) => roleOf(k) === "trial") ?? pick("id", "name", "number");
    if (id) plan.idKeys = [id];
    plan.statusKey = pick("status", "state");
    plan.groupKey = pick("group");
    plan.stepsKey = pick("steps", "final_step", "final_global_step", "num_steps", "total_steps");
    plan.directionKey = pick("direction", "higher_is_better");
    plan.divergedKey = pick("diverged", "has_nonfinite");
    const candidates = keys.filter((k) => roleOf(k) === "other" && !plan.idKeys.includes(k));
    if (options.objective) {
      const o = options.objective;
      plan.metric = o;
      plan.finalKey = has.has(o) ? o : has.has(`final_${o}`) ? `final_${o}` : undefined;
      plan.bestKey = has.has(`best_${o}`) ? `best_${o}` : undefined;
      if (!plan.finalKey && !plan.bestKey)
        throw new TunebookError(`objective column "${o}" not found (columns: ${keys.join(", ")})`, file, 1, o);
    } else {
      const exact = pick(...OBJECTIVE_KEYS);
      const finalPair = candidates.find((k) => /^final[_/.]/i.test(k));
      const bestPair = candidates.find((k) => /^best[_/.]/i.test(k));
      const valLike = candidates.find((k) => /^(validation|valid|val|eval|test)([_/.-]|$)/i.test(k));
      const lossLike = candidates.find((k) => /loss|acc|error|perplexity|wer|bleu/i.test(k));
      if (exact) {
        plan.finalKey = exact;
        plan.metric = exact === "value" || exact === "metric_value" ? "objective" : exact;
      } else if (finalPair || bestPair) {
        const metric = (finalPair ?? bestPair)!.slice(finalPair ? 6 : 5);
        plan.metric = metric;
        plan.finalKey = finalPair ?? (has.has(`final_${metric}`) ? `final_${metric}` : undefined);
        plan.bestKey = bestPair ?? (has.has(`best_${metric}`) ? `best_${metric}` : undefined);
        if (plan.finalKey && has.has(metric)) plan.finalKey = plan.finalKey;
      } else if (valLike ?? lossLike) {
        plan.finalKey = (valLike ?? lossLike)!;
        plan.metric = plan.finalKey;
      } else {
        throw new TunebookError(
          `no objective column: expected one of ${OBJECTIVE_KEYS.join(", ")}, final_<metric>/best_<metric>, a validation or loss column, or --objective (columns: ${keys.join(", ")})`,
          file,
          1,
          "objective",
        );
      }
    }
  }
  for (const k of [...plan.idKeys, plan.finalKey, plan.bestKey, plan.stepsKey, plan.statusKey, plan.groupKey, plan.directionKey, plan.divergedKey])
    if (k) plan.used.add(k);
  return plan;
}

function parseBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v !== "string") return undefined;
  const l = v.trim().toLowerCase();
  if (l === "true" || l === "1" || l === "yes") return true;
  if (l === "false" || l === "0" || l === "no") return false;
  return undefined;
}

function parseDirectionCell(v: unknown, key: string): Direction | undefined {
  if (key.toLowerCase() === "higher_is_better") {
    const b = parseBool(v);
    return b === undefined ? undefined : b ? "maximize" : "minimize";
  }
  if (typeof v !== "string") return undefined;
  const l = v.trim().toLowerCase();
  if (l.startsWith("max")) return "maximize";
  if (l.startsWith("min")) return "minimize";
  return undefined;
}

const isBlank = (v: unknown): boolean => v === undefined || v === null || v === "";

/** Strings kept in the study are copied out of the read chunk (see {@link detach}). */
const keep = <T,>(v: T): T => (typeof v === "string" ? (detach(v) as T) : v);

/**
 * Accumulates records of one file into a StudyBuilder. Call {@link RecordSink.add} per record
 * (keys and values of the same length), then {@link RecordSink.finish}.
 *
 * @example
 * const sink = new RecordSink("runs.csv", "runs", {});
 * sink.add(["trial", "step", "loss"], ["a", "1", "0.5"], 2);
 * const study = sink.finish();
 */
export class RecordSink {
  readonly builder: StudyBuilder;
  readonly log: IssueLog;
  shape?: RecordShape;
  private plan?: TrialPlan;
  private readonly roles = new Map<string, Role>();
  private readonly intern = new Interner();
  private readonly seen = new Set<string>();
  private readonly lastStatus = new Map<string, TrialStatus>();
  private readonly unknownStatus = new Set<string>();
  private readonly metricOrder = new Set<string>();
  private readonly directions = { minimize: 0, maximize: 0 };
  private readonly fixedTrial: string;
  private trialKeyExpected = false;
  records = 0;

  constructor(
    readonly file: string,
    name: string,
    readonly options: ReadOptions,
  ) {
    this.builder = new StudyBuilder(name, { metric: options.objective ?? "objective", direction: options.direction ?? "minimize" });
    this.log = new IssueLog(file);
    this.fixedTrial = name;
  }

  private role(key: string): Role {
    let r = this.roles.get(key);
    if (r === undefined) this.roles.set(key, (r = roleOf(key)));
    return r;
  }

  /** Fix the shape from the first record's keys (CSV: the header). */
  setShape(keys: readonly string[]): RecordShape {
    this.shape = shapeOf(keys);
    this.trialKeyExpected = keys.some((k) => this.role(k) === "trial");
    if (this.shape === "long" && !keys.some((k) => this.role(k) === "step"))
      throw new TunebookError(`missing column "step" (or "global_step"): records with metric and value need a step`, this.file, 1, "step");
    if (this.shape === "trial") {
      this.plan = planTrialColumns(keys, this.options, this.file);
      this.builder.objective = { metric: this.plan.metric, direction: this.options.direction ?? guessDirection(this.plan.metric) };
    }
    return this.shape;
  }

  /** Add one record; problems become warnings with file, line and field. */
  add(keys: readonly string[], values: readonly unknown[], line: number): void {
    if (this.shape === undefined) this.setShape(keys);
    if (this.shape === "trial") this.addTrialRow(keys, values, line);
    else this.addMeasurementRow(keys, values, line);
  }

  /**
   * Add one parsed JSON object. Long-shape lines of a trial already seen take a fast path (four
   * property reads, no key arrays); anything else goes through {@link RecordSink.add}.
   */
  addObject(obj: Record<string, unknown>, line: number): void {
    const f = this.fast;
    if (f && this.shape === "long") {
      const t = obj[f.trial];
      const st = obj[f.step];
      const m = obj[f.metric];
      const v = obj[f.value];
      if (
        typeof t === "string" && this.seen.has(t) && typeof st === "number" && Number.isFinite(st) && typeof m === "string" && m !== "" &&
        obj.status === undefined && obj.state === undefined
      ) {
        const value = typeof v === "number" ? v : parseNumber(v);
        if (value !== undefined) {
          const metric = this.intern.get(m);
          this.metricOrder.add(metric);
          this.builder.measure(this.intern.get(t), st, metric, value);
          return;
        }
      }
    }
    const keys = Object.keys(obj);
    if (this.shape === undefined) {
      this.setShape(keys);
      if (this.shape === "long") {
        const find = (r: Role) => keys.find((k) => this.role(k) === r);
        const trial = find("trial");
        const step = find("step");
        const metric = find("metric");
        const value = find("value");
        if (trial && step && metric && value) {
          this.fast = { trial, step, metric, value };
          // In-place scanning needs keys written plainly in JSON and no status key to apply.
          const quoted = keys.map((k) => JSON.stringify(k));
          if (quoted.every((q, i) => q.length === keys[i]!.length + 2) && !keys.some((k) => this.role(k) === "status")) {
            const n = keys.length;
            const ix = (k: string) => keys.indexOf(k);
            this.json = { keys: quoted, t: ix(trial), s: ix(step), m: ix(metric), v: ix(value), kinds: new Uint8Array(n), from: new Int32Array(n), to: new Int32Array(n), tail: { after: -1, text: "" }, same: new Array<string | undefined>(n).fill(undefined), templates: [] };
            this.json.tail.after = Math.max(this.json.t, this.json.s, this.json.m, this.json.v);
          }
        }
      }
    }
    this.add(keys, Object.values(obj), line);
  }

  private fast?: { trial: string; step: string; metric: string; value: string };

  // Fast-path state: most rows repeat the previous row's trial and metric, so comparing in place
  // against them avoids creating (and hashing) those strings again.
  private lastTrial = "";
  private lastMetric = "";
  private json?: { keys: string[]; t: number; s: number; m: number; v: number; kinds: Uint8Array; from: Int32Array; to: Int32Array; tail: ScanTail; same: (string | undefined)[]; templates: LineTemplate[] };

  /** Append a measurement of a trial already created (the fast paths' direct column write). */
  private push(trial: string, step: number, metric: string, value: number): void {
    if (metric !== this.lastMetric) {
      this.lastMetric = metric;
      this.metricOrder.add(metric);
    }
    const c = this.builder.cols;
    c.trial.push(trial);
    c.step.push(step);
    c.metric.push(metric);
    c.value.push(value);
  }

  /** `s[a, b)` as an interned string, reusing `last` when the text is the same (no allocation). */
  private spanString(s: string, a: number, b: number, last: string): string {
    return b - a === last.length && s.startsWith(last, a) ? last : this.intern.get(s.slice(a, b));
  }

  /**
   * The CSV fast path for long-shape files (`trial, step, metric, value` once each, no status
   * column): a plain line of a trial already seen is parsed in place into the columns. Any other
   * line returns false and goes through {@link RecordSink.add}, which warns exactly as before.
   *
   * @example
   * await forEachCsvRow(path, sink.log, (h, r, n) => sink.add(h, r, n), undefined, (h, d) => sink.csvLineFastPath(h, d));
   */
  csvLineFastPath(header: readonly string[], delimiter: string): CsvLineFn | undefined {
    const count = (r: Role) => header.filter((k) => this.role(k) === r).length;
    if (count("trial") !== 1 || count("step") !== 1 || count("metric") !== 1 || count("value") !== 1 || count("status") !== 0) return undefined;
    const at = (r: Role) => header.findIndex((k) => this.role(k) === r);
    const [ti, si, mi, vi] = [at("trial"), at("step"), at("metric"), at("value")];
    const K = header.length;
    const last = Math.max(ti, si, mi, vi);
    const from = new Int32Array(K);
    const to = new Int32Array(K);
    // The text after the last field read, on the last line whose field count was checked: a line
    // with the same tail (the trial's hyperparameters, usually) has the same field count.
    let tailText = "";
    let haveTail = false;
    const templates: LineTemplate[] = [];
    const stepFirst = si < vi;
    const [n1i, n2i] = stepFirst ? [si, vi] : [vi, si];
    return (s, start, end) => {
      if (this.shape !== "long") return false; // the first row (through add) sets the shape
      for (let k = 0; k < templates.length; k++) {
        const g = templates[k]!;
        const p = start + g.a.length;
        if (p > end || s.slice(start, p) !== g.a) continue;
        let e1 = s.indexOf(delimiter, p);
        if (e1 === -1 || e1 > end) e1 = end;
        const q = e1 + g.b.length;
        if (q > end || s.slice(e1, q) !== g.b) continue;
        let e2 = s.indexOf(delimiter, q);
        if (e2 === -1 || e2 > end) e2 = end;
        if (end - e2 !== g.c.length || s.slice(e2, end) !== g.c) continue;
        const n1 = parseDecimal(s, p, e1) ?? parseNumber(s.slice(p, e1));
        const n2 = parseDecimal(s, q, e2) ?? parseNumber(s.slice(q, e2));
        const step = stepFirst ? n1 : n2;
        const value = stepFirst ? n2 : n1;
        if (step === undefined || !Number.isFinite(step) || value === undefined) break;
        this.push(g.trial, step, g.metric, value);
        return true;
      }
      let a = start;
      for (let f = 0; f <= last; f++) {
        let j = s.indexOf(delimiter, a);
        if (j === -1 || j > end) j = end;
        from[f] = a;
        to[f] = j;
        if (j === end && f !== K - 1) return false;
        a = j + 1;
      }
      const t0 = to[last]!;
      // slice + === compares flat strings with memcmp (startsWith goes character by character).
      if (!(haveTail && end - t0 === tailText.length && s.slice(t0, end) === tailText)) {
        // Count the remaining fields.
        let f = last + 1;
        let j = t0;
        while (j < end) {
          j = s.indexOf(delimiter, j + 1);
          if (j === -1 || j > end) j = end;
          f++;
        }
        if (f !== K) return false;
        tailText = detach(s.slice(t0, end));
        haveTail = true;
      }
      if (to[ti]! === from[ti]! || to[mi]! === from[mi]!) return false;
      const trial = this.spanString(s, from[ti]!, to[ti]!, this.lastTrial);
      if (trial !== this.lastTrial) {
        if (!this.seen.has(trial)) return false;
        this.lastTrial = trial;
      }
      const step = parseDecimal(s, from[si]!, to[si]!) ?? parseNumber(s.slice(from[si]!, to[si]!));
      if (step === undefined || !Number.isFinite(step)) return false;
      const value = parseDecimal(s, from[vi]!, to[vi]!) ?? parseNumber(s.slice(from[vi]!, to[vi]!));
      if (value === undefined) return false;
      const metric = this.spanString(s, from[mi]!, to[mi]!, this.lastMetric);
      rememberTemplate(templates, { a: s.slice(start, from[n1i]!), b: s.slice(to[n1i]!, from[n2i]!), c: s.slice(to[n2i]!, end), stepFirst, trial, metric });
      this.push(trial, step, metric, value);
      return true;
    };
  }

  /**
   * The JSONL fast path: once the first object has fixed a long shape, a line with exactly the
   * first line's keys in the same order, flat values and a trial already seen is parsed in place
   * (the same checks as {@link RecordSink.addObject}'s fast path). Returns false for anything
   * else; the caller then parses the line with JSON.parse and calls addObject.
   *
   * @example
   * if (!sink.jsonLineFastPath(text, start, end)) sink.addObject(JSON.parse(text.slice(start, end)), n);
   */
  jsonLineFastPath(s: string, start: number, end: number): boolean {
    const j = this.json;
    if (j === undefined) return false;
    for (let k = 0; k < j.templates.length; k++) {
      const g = j.templates[k]!;
      const p = start + g.a.length;
      if (p > end || s.slice(start, p) !== g.a) continue;
      const e1 = scanNumber(s, p, end);
      if (e1 < 0) continue;
      const q = e1 + g.b.length;
      if (q > end || s.slice(e1, q) !== g.b) continue;
      const e2 = scanNumber(s, q, end);
      if (e2 < 0 || end - e2 !== g.c.length || s.slice(e2, end) !== g.c) continue;
      const n1 = parseDecimal(s, p, e1) ?? Number(s.slice(p, e1));
      const n2 = parseDecimal(s, q, e2) ?? Number(s.slice(q, e2));
      const step = g.stepFirst ? n1 : n2;
      if (!Number.isFinite(step)) break;
      this.push(g.trial, step, g.metric, g.stepFirst ? n2 : n1);
      return true;
    }
    const same = j.same;
    if (!scanFlatObject(s, start, end, j.keys, j.kinds, j.from, j.to, j.v, j.tail, same)) return false;
    const { kinds, from, to } = j;
    if (kinds[j.t] !== JsonKind.String || kinds[j.m] !== JsonKind.String || kinds[j.s] !== JsonKind.Number) return false;
    if (to[j.t]! === from[j.t]! || to[j.m]! === from[j.m]!) return false;
    let trial = same[j.t];
    if (trial === undefined) {
      trial = this.intern.get(s.slice(from[j.t]!, to[j.t]!));
      if (!this.seen.has(trial)) return false;
    }
    const step = parseDecimal(s, from[j.s]!, to[j.s]!) ?? Number(s.slice(from[j.s]!, to[j.s]!));
    if (!Number.isFinite(step)) return false;
    const kv = kinds[j.v];
    let value: number | undefined;
    if (kv === JsonKind.Number) value = parseDecimal(s, from[j.v]!, to[j.v]!) ?? Number(s.slice(from[j.v]!, to[j.v]!));
    else if (kv === JsonKind.String || kv === JsonKind.NonFinite) value = parseNumber(s.slice(from[j.v]!, to[j.v]!));
    if (value === undefined) return false;
    const metric = same[j.m] ?? this.intern.get(s.slice(from[j.m]!, to[j.m]!));
    // Remember both (checked strings) so the next line's identical values are not scanned.
    same[j.t] = trial;
    same[j.m] = metric;
    if (kv === JsonKind.Number) {
      const stepFirst = from[j.s]! < from[j.v]!;
      const [f1, t1, f2, t2] = stepFirst ? [from[j.s]!, to[j.s]!, from[j.v]!, to[j.v]!] : [from[j.v]!, to[j.v]!, from[j.s]!, to[j.s]!];
      rememberTemplate(j.templates, { a: s.slice(start, f1), b: s.slice(t1, f2), c: s.slice(t2, end), stepFirst, trial, metric });
    }
    this.push(trial, step, metric, value);
    return true;
  }

  private trialIdOf(v: unknown, line: number, field: string): string | undefined {
    if (typeof v === "string" && v !== "") return this.intern.get(v);
    if (typeof v === "number" && Number.isFinite(v)) return this.intern.get(String(v));
    this.log.add(line, field, `expected a trial id (text or number), found ${describe(v)}`);
    return undefined;
  }

  private addMeasurementRow(keys: readonly string[], values: readonly unknown[], line: number): void {
    const b = this.builder;
    let trial: string | undefined = this.fixedTrial;
    let step: number | undefined;
    let metric: string | undefined;
    let rawValue: unknown;
    let valueKey = "value";
    let stepKey = "step";
    let hasStep = false;
    let hasTrial = false;
    let status: unknown;
    let group: unknown;
    // First pass: trial, step (needed before anything is stored).
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const r = this.role(k);
      if (r === "trial") {
        hasTrial = true;
        trial = this.trialIdOf(values[i], line, k);
        if (trial === undefined) return;
      } else if (r === "step") {
        hasStep = true;
        stepKey = k;
        const v = values[i];
        step = typeof v === "number" ? v : parseNumber(v);
        if (step === undefined || !Number.isFinite(step)) {
          this.log.add(line, k, `expected a finite number for the step, ${whyNotNumber(v)}`);
          return;
        }
      } else if (r === "metric") {
        const v = values[i];
        if (typeof v !== "string" || v === "") {
          this.log.add(line, k, `expected a metric name, found ${describe(v)}`);
          return;
        }
        metric = this.intern.get(v);
      } else if (r === "value") {
        rawValue = values[i];
        valueKey = k;
      } else if (r === "status") status = values[i];
      else if (r === "group") group = values[i];
    }
    if (!hasStep) {
      this.log.add(line, stepKey, `missing step`);
      return;
    }
    if (!hasTrial && this.trialKeyExpected) {
      this.log.add(line, "trial", `missing trial id`);
      return;
    }
    const id = trial!;
    const first = !this.seen.has(id);
    if (first) {
      this.seen.add(id);
      const hp = safeRecord<HpValue>();
      const attrs = safeRecord<unknown>();
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const r = this.role(k);
        if (r === "hp") {
          if (!isBlank(values[i])) hp[hpName(k)] = keep(toHpValue(values[i]));
        } else if (r === "hpObject") flattenHparams(values[i], hp);
      }
      b.trial({ id, hparams: hp, attrs, group: typeof group === "string" && group !== "" ? detach(group) : undefined });
    }
    if (!isBlank(status)) this.applyStatus(id, status, line);
    if (this.shape === "long") {
      if (metric === undefined) {
        this.log.add(line, "metric", `missing metric name`);
        return;
      }
      const v = typeof rawValue === "number" ? rawValue : parseNumber(rawValue);
      if (v === undefined) {
        this.log.add(line, valueKey, `expected a number (or NaN/Infinity), ${whyNotNumber(rawValue)}`);
        return;
      }
      this.metricOrder.add(metric);
      b.measure(id, step!, metric, v);
      return;
    }
    // Wide: every other key holding a number is a metric.
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (this.role(k) !== "other") continue;
      const raw = values[i];
      if (isBlank(raw)) continue;
      const v = typeof raw === "number" ? raw : parseNumber(raw);
      if (v === undefined) {
        if (this.metricOrder.has(k)) this.log.add(line, k, `expected a number (or NaN/Infinity), ${whyNotNumber(raw)}; value skipped`, false);
        // Text on a measurement row (a note, a tag): keep it once as a trial attribute.
        else if (first && (typeof raw === "string" || typeof raw === "boolean")) b.trial({ id, attrs: { [k]: keep(raw) } });
        continue;
      }
      const m = this.intern.get(k);
      this.metricOrder.add(m);
      b.measure(id, step!, m, v);
    }
  }

  private applyStatus(id: string, raw: unknown, line: number): void {
    const s = parseStatus(raw);
    if (s === undefined) {
      const word = String(raw);
      if (!this.unknownStatus.has(word)) {
        this.unknownStatus.add(word);
        this.log.add(line, "status", `unknown status "${word}" (expected complete, failed, diverged, oom or running); kept the trial, status from its values`, false);
      }
      this.builder.trial({ id, attrs: { rawStatus: word } });
      return;
    }
    if (this.lastStatus.get(id) !== s) {
      this.lastStatus.set(id, s);
      this.builder.trial({ id, status: s });
    }
  }

  private addTrialRow(keys: readonly string[], values: readonly unknown[], line: number): void {
    const plan = this.plan!;
    const get = (k: string | undefined): unknown => {
      if (k === undefined) return undefined;
      const i = keys.indexOf(k);
      return i < 0 ? undefined : values[i];
    };
    this.records++;
    let id: string;
    if (plan.idKeys.length === 0) id = String(this.records);
    else {
      const parts: string[] = [];
      for (const k of plan.idKeys) {
        const v = get(k);
        if (isBlank(v) || (typeof v !== "string" && typeof v !== "number")) {
          this.log.add(line, k, `expected a trial id, found ${describe(v)}`);
          return;
        }
        parts.push(String(v));
      }
      id = this.intern.get(parts.join("/"));
    }
    const num = (k: string | undefined): number | null => {
      const v = get(k);
      if (isBlank(v)) return null;
      const n = typeof v === "number" ? v : parseNumber(v);
      if (n === undefined) {
        this.log.add(line, k, `expected a number (or NaN/Infinity), ${whyNotNumber(v)}; left empty`, false);
        return null;
      }
      return n;
    };
    const final = num(plan.finalKey);
    let best = num(plan.bestKey);
    if (!plan.bestKey) best = final;
    const steps = num(plan.stepsKey);
    const hp = safeRecord<HpValue>();
    const attrs = safeRecord<unknown>();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const r = this.role(k);
      const v = values[i];
      if (r === "hp") {
        if (!isBlank(v)) hp[hpName(k)] = keep(toHpValue(v));
      } else if (r === "hpObject") flattenHparams(v, hp);
      else if (!plan.used.has(k) && !isBlank(v)) attrs[k] = typeof v === "string" ? keep(toHpValue(v)) : v;
    }
    let status: TrialStatus | undefined;
    const rawStatus = get(plan.statusKey);
    if (!isBlank(rawStatus)) {
      status = parseStatus(rawStatus);
      if (status === undefined) {
        const word = String(rawStatus);
        attrs.rawStatus = word;
        if (!this.unknownStatus.has(word)) {
          this.unknownStatus.add(word);
          this.log.add(line, plan.statusKey, `unknown status "${word}" (expected complete, failed, diverged, oom or running); kept the trial, status from its values`, false);
        }
      }
    }
    if (plan.divergedKey && parseBool(get(plan.divergedKey)) === true) status = "diverged";
    if (plan.directionKey) {
      const d = parseDirectionCell(get(plan.directionKey), plan.directionKey);
      if (d) {
        attrs.objectiveDirection = d;
        const own = get(plan.metricKey);
        attrs.objectiveMetric = typeof own === "string" && own !== "" ? `validation/${own}` : plan.metric;
        this.directions[d]++;
      }
    }
    for (const k of plan.idKeys) attrs[k] = get(k);
    const groupRaw = get(plan.groupKey);
    this.builder.trial({
      id,
      status,
      hparams: hp,
      final,
      best,
      bestStep: null,
      steps,
      group: typeof groupRaw === "string" && groupRaw !== "" ? groupRaw : typeof groupRaw === "number" ? String(groupRaw) : undefined,
      attrs,
    });
    this.seen.add(id);
  }

  /** Number of trials so far. */
  get trials(): number {
    return this.builder.trialCount;
  }

  /**
   * Build the study. Throws a TunebookError naming the first problem when nothing valid was read.
   */
  finish(): Study {
    const b = this.builder;
    if (this.shape === undefined || b.trialCount === 0 || (this.shape !== "trial" && b.cols.value.length === 0)) {
      const first = this.log.first;
      if (first) throw new TunebookError(`no valid records (${this.log.skipped} skipped); first problem: ${first.message}`, first.file, first.line, first.field);
      throw new TunebookError(`no data rows (only a header)`, this.file);
    }
    if (this.shape === "trial") {
      if (!this.options.direction && this.directions.minimize + this.directions.maximize > 0)
        b.objective = { metric: b.objective.metric, direction: this.directions.maximize > this.directions.minimize ? "maximize" : "minimize" };
    } else {
      const metrics = [...this.metricOrder];
      if (this.options.objective) {
        b.objective = { metric: this.options.objective, direction: this.options.direction ?? guessDirection(this.options.objective) };
        if (!this.metricOrder.has(this.options.objective))
          this.log.add(undefined, this.options.objective, `objective metric "${this.options.objective}" is not in the file (metrics: ${metrics.slice(0, 10).join(", ")})`, false);
      } else {
        const m = defaultObjectiveMetric(metrics);
        b.objective = { metric: m, direction: this.options.direction ?? guessDirection(m) };
      }
    }
    for (const issue of this.log.finish()) b.warnings.push(issue);
    return b.build();
  }
}

/**
 * The objective a measurement log most likely optimizes: the first validation metric that is not
 * a count or a timing (accuracy-like before loss-like), else `loss`, else the first metric.
 *
 * @example
 * defaultObjectiveMetric(["train/loss", "validation/loss", "validation/accuracy"]); // "validation/accuracy"
 */
export function defaultObjectiveMetric(metrics: readonly string[]): string {
  const val = metrics.filter((m) => /^(validation|valid|val|eval)([/_.-]|$)/i.test(m) && !/num_examples|count|time|duration|examples/i.test(m));
  const good = val.find((m) => guessDirection(m) === "maximize");
  if (good) return good;
  const loss = val.find((m) => /loss/i.test(m));
  if (loss) return loss;
  if (val[0]) return val[0];
  if (metrics.includes("loss")) return "loss";
  return metrics[0] ?? "objective";
}

/**
 * Short description of a bad value for messages.
 *
 * @example
 * describe(""); // "an empty string"
 */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return v === "" ? "an empty string" : `"${v.length > 40 ? v.slice(0, 40) + "…" : v}"`;
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return String(v);
}
