/**
 * Records → Study, shared by the JSONL and CSV loaders: {@link RecordSink} takes records (a CSV
 * row with its header, or a JSON object) and fills a StudyBuilder, warning with file, line and
 * field for every value it cannot take. Which shape the records have and what each key means is
 * decided in ./schema.ts; lines shaped like the ones before are read in place by ./fastpath.ts.
 * Blank cells are "not logged" (a hyperparameter a trial does not use).
 */
import { overflowMessage, overflowed, whyNotNumber } from "../../core/numbers.js";
import { MAX_NESTING, StudyBuilder, TOO_DEEP, nestedDeeperThan, parseNumber, toHpValue } from "../builder.js";
import type { Study } from "../study.js";
import { type HpValue, type TrialStatus, TunebookError, safeRecord } from "../types.js";
import { CsvByteScanner, type FastSink, JsonByteScanner, JsonLineScanner, csvLineFastPath, fastPathsOn } from "./fastpath.js";
import { guessDirection, type ReadOptions } from "./format.js";
import {
  type RecordShape,
  type Role,
  type TrialPlan,
  type TrialPlanner,
  defaultObjectiveMetric,
  describe,
  flattenHparams,
  hpName,
  parseBool,
  parseDirectionCell,
  planTrialColumns,
  roleOf,
  shapeOf,
} from "./schema.js";
import { type CsvByteLineFn, type CsvLineFn, IssueLog, Interner, detach, parseStatus } from "./text.js";

// The schema functions moved to ./schema.ts; re-exported for the loaders and tests that used them here.
export { type RecordShape, type TrialPlan, type TrialPlanner, defaultObjectiveMetric, describe, flattenHparams, planTrialColumns, roleOf, shapeOf };

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
export class RecordSink implements FastSink {
  readonly builder: StudyBuilder;
  readonly log: IssueLog;
  shape?: RecordShape;
  private plan?: TrialPlan;
  private readonly roles = new Map<string, Role>();
  private readonly names = new Interner();
  /** Text values of wide-shape columns that are not metrics, per trial (kept as attributes). */
  private readonly textAttrs = new Map<string, Map<string, unknown>>();
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
    /** A format's own one-row-per-trial layouts, tried before the generic rules (AlgoPerf's trials_summary). */
    private readonly planners: readonly TrialPlanner[] = [],
  ) {
    this.builder = new StudyBuilder(name, { metric: options.objective ?? "objective", direction: options.direction ?? "minimize" });
    this.builder.file = file;
    this.log = new IssueLog(file);
    this.fixedTrial = name;
  }

  /** The role of a key (cached per key). */
  role(key: string): Role {
    let r = this.roles.get(key);
    if (r === undefined) this.roles.set(key, (r = roleOf(key)));
    return r;
  }

  knows(trial: string): boolean {
    return this.seen.has(trial);
  }

  intern(s: string): string {
    return this.names.get(s);
  }

  /** Fix the shape from the first record's keys (CSV: the header). */
  setShape(keys: readonly string[]): RecordShape {
    this.shape = shapeOf(keys);
    this.trialKeyExpected = keys.some((k) => this.role(k) === "trial");
    if (this.shape === "long" && !keys.some((k) => this.role(k) === "step"))
      throw new TunebookError(`missing column "step" (or "global_step"): records with metric and value need a step`, this.file, 1, "step");
    if (this.shape === "trial") {
      this.plan = planTrialColumns(keys, this.options, this.file, this.planners);
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
        if (value !== undefined && value !== Infinity && value !== -Infinity) {
          this.push(this.names.get(t), st, this.names.get(m), value, line);
          return;
        }
      }
    }
    const keys = Object.keys(obj);
    if (this.shape === undefined) {
      this.setShape(keys);
      if (this.shape === "long") {
        const find = (r: Role) => keys.find((key) => this.role(key) === r);
        const trial = find("trial");
        const step = find("step");
        const metric = find("metric");
        const value = find("value");
        if (trial && step && metric && value && fastPathsOn()) this.fast = { trial, step, metric, value };
        this.scanner = JsonLineScanner.from(this, keys);
      }
    }
    this.add(keys, Object.values(obj), line);
  }

  private fast?: { trial: string; step: string; metric: string; value: string };
  private scanner?: JsonLineScanner;
  /** The metric of the last measurement (the fast paths compare the next line's text with it). */
  lastMetric = "";

  /**
   * The JSONL fast path (./fastpath.ts): true when the line was read in place; false to parse it
   * with JSON.parse and call {@link RecordSink.addObject}.
   *
   * @example
   * if (!sink.jsonLineFastPath(text, start, end, n)) sink.addObject(JSON.parse(text.slice(start, end)), n);
   */
  jsonLineFastPath(s: string, start: number, end: number, line: number): boolean {
    return this.scanner !== undefined && this.scanner.line(s, start, end, line);
  }

  /** The byte-level JSONL fast path, once the first object has set up the line scanner (./fastpath.ts). */
  jsonByteScanner(): JsonByteScanner | undefined {
    return this.scanner && new JsonByteScanner(this, this.scanner);
  }

  /** Append a measurement of a trial already created (the fast paths' direct column write). */
  push(trial: string, step: number, metric: string, value: number, line: number): void {
    if (metric !== this.lastMetric) {
      this.lastMetric = metric;
      this.metricOrder.add(metric);
    }
    // The trial exists (fast paths take only known trials): write the columns directly.
    this.lastMetricCode = -1;
    this.builder.columns.add(trial, step, metric, value, line);
  }

  private lastMetricCode = -1;

  pushCodes(trial: number, step: number, metric: number, value: number, line: number): void {
    if (metric !== this.lastMetricCode) {
      this.lastMetricCode = metric;
      this.lastMetric = this.builder.columns.metricNames[metric]!;
      this.metricOrder.add(this.lastMetric);
    }
    this.builder.columns.push(trial, step, metric, value, line);
  }

  reserve(rows: number): void {
    this.builder.columns.reserve(rows);
  }

  pushBatch(trial: Uint32Array, step: Float64Array, metric: Uint32Array, value: Float64Array, n: number, line: number): void {
    this.builder.columns.pushBatch(trial, step, metric, value, n, line);
  }

  noteMetric(code: number): void {
    this.lastMetricCode = -1;
    this.metricOrder.add(this.builder.columns.metricNames[code]!);
  }

  trialCode(trial: string): number {
    return this.builder.columns.trialCode(this.names.get(trial));
  }

  metricCode(metric: string): number {
    return this.builder.columns.metricCode(this.names.get(metric));
  }



  /**
   * Warn when a value read as ±Infinity was a decimal too large for a double (`1e400`; from
   * JSON.parse, which has no Infinity literal, any ±Infinity number). The value is kept.
   */
  private checkOverflow(n: number, raw: unknown, line: number, field: string | undefined): void {
    if ((n === Infinity || n === -Infinity) && overflowed(raw)) this.log.add(line, field, overflowMessage(raw), false);
  }

  /** A hyperparameter cell as a value, warning when a number in it overflowed. */
  private hpOf(raw: unknown, line: number, key: string): HpValue {
    const v = toHpValue(raw);
    if (typeof v === "number") this.checkOverflow(v, raw, line, key);
    return v;
  }

  private trialIdOf(v: unknown, line: number, field: string): string | undefined {
    if (typeof v === "string" && v !== "") return this.names.get(v);
    if (typeof v === "number" && Number.isFinite(v)) return this.names.get(String(v));
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
          this.log.add(line, k, `expected a finite number for the step, ${step !== undefined && overflowed(v) ? overflowMessage(v) : whyNotNumber(v)}`);
          return;
        }
      } else if (r === "metric") {
        const v = values[i];
        if (typeof v !== "string" || v === "") {
          this.log.add(line, k, `expected a metric name, found ${describe(v)}`);
          return;
        }
        metric = this.names.get(v);
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
          if (!isBlank(values[i])) hp[hpName(k)] = keep(this.hpOf(values[i], line, k));
        } else if (r === "hpObject" && flattenHparams(values[i], hp)) this.log.add(line, k, `hyperparameters nested deeper than ${MAX_NESTING} levels; the deeper part is kept as the text "${TOO_DEEP}"`, false);
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
      this.checkOverflow(v, rawValue, line, valueKey);
      this.metricOrder.add(metric);
      b.measure(id, step!, metric, v, line);
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
        // A value a metric column cannot hold (a list, an object), or text in a metric column.
        if (this.metricOrder.has(k) || (raw !== null && typeof raw === "object")) {
          this.log.add(line, k, `expected a number (or NaN/Infinity), ${whyNotNumber(raw)}; value skipped`, false);
          continue;
        }
        // Text on a measurement row (a note, a tag): a trial attribute, the same on every row.
        let seen = this.textAttrs.get(id);
        if (!seen) this.textAttrs.set(id, (seen = new Map()));
        if (!seen.has(k)) {
          seen.set(k, raw);
          b.trial({ id, attrs: { [k]: keep(raw) } });
        } else if (seen.get(k) !== raw)
          this.log.add(line, k, `text ${whyNotNumber(raw).replace(/^found /, "")} differs from this trial's first value ${JSON.stringify(seen.get(k))} in a column that holds no numbers; kept the first`, false);
        continue;
      }
      this.checkOverflow(v, raw, line, k);
      const m = this.names.get(k);
      if (this.textAttrs.get(id)?.has(m)) this.log.add(line, k, `a number in a column this trial used for text; read as a metric`, false);
      this.metricOrder.add(m);
      b.measure(id, step!, m, v, line);
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
      id = this.names.get(parts.join("/"));
    }
    const num = (k: string | undefined): number | null => {
      const v = get(k);
      if (isBlank(v)) return null;
      const n = typeof v === "number" ? v : parseNumber(v);
      if (n === undefined) {
        this.log.add(line, k, `expected a number (or NaN/Infinity), ${whyNotNumber(v)}; left empty`, false);
        return null;
      }
      this.checkOverflow(n, v, line, k);
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
        if (!isBlank(v)) hp[hpName(k)] = keep(this.hpOf(v, line, k));
      } else if (r === "hpObject") {
        if (flattenHparams(v, hp)) this.log.add(line, k, `hyperparameters nested deeper than ${MAX_NESTING} levels; the deeper part is kept as the text "${TOO_DEEP}"`, false);
      }
      else if (!plan.used.has(k) && !isBlank(v)) attrs[k] = typeof v === "string" ? keep(toHpValue(v)) : nestedDeeperThan(v, MAX_NESTING) ? TOO_DEEP : v;
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

  /**
   * The CSV fast path (./fastpath.ts) for this sink's header, or undefined when the header does
   * not allow one.
   *
   * @example
   * await forEachCsvRow(path, sink.log, (h, r, n) => sink.add(h, r, n), undefined, (h, d) => sink.csvLineFastPath(h, d));
   */
  csvLineFastPath(header: readonly string[], delimiter: string): CsvLineFn | undefined {
    return csvLineFastPath(this, header, delimiter);
  }

  /** The byte-level CSV fast path (./fastpath.ts) for UTF-8 files, or undefined. */
  csvByteFastPath(header: readonly string[], delimiter: string): CsvByteLineFn | undefined {
    return CsvByteScanner.from(this, header, delimiter);
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
    if (this.shape === undefined || b.trialCount === 0 || (this.shape !== "trial" && b.columns.length === 0)) {
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
