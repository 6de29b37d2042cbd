/**
 * Measurement storage: the long table (trial, step, metric, value) as typed columns, laid out as
 * curves end to end. A loader appends rows to a {@link MeasurementBuffer} in file order; `finish`
 * sorts them once into curves (every (trial, metric) pair's rows together, by step) and hands a
 * {@link Measurements} to the study. After that the trial and metric of a row are implied by the
 * curve it sits in, so a row costs its value and its step only:
 *
 * - values: Float64Array (8 bytes), so NaN and ±Infinity stay first-class;
 * - steps: Int32Array (4 bytes) while every step is an integer in range — nearly every log counts
 *   steps — promoted to Float64Array on the first fractional, huge or NaN step (epochs as 0.5);
 * - trials and metrics: interned names (dictionaries) and, per curve, their codes and start row.
 *
 * 12 bytes a row for integer steps (16 with fractional ones), against about 44 for four plain
 * JavaScript arrays. Per-row trial/metric codes exist only while loading (2 + 2 bytes, promoted to
 * 4 when a study has more than 65,535 trials or metrics) and, on request, in {@link Measurements.trialCodes}.
 * The line each row was read from (for messages about repeated measurements) is kept as runs —
 * "from row r, k rows a line, starting at line L" — so a file with one measurement per line (or
 * k metrics per line) costs a few numbers per skipped line, not 4 bytes a row.
 */
import * as aq from "arquero";
import type { ColumnTable } from "arquero";

/** A step column: Int32Array while every step is an integer that fits, Float64Array otherwise. */
export type StepArray = Int32Array | Float64Array;

/** The measurement columns as plain arrays (one entry per row), for small studies, tests and writers. */
export interface MeasurementArrays {
  trial: string[];
  step: number[];
  metric: string[];
  value: number[];
}

/** Trial or metric codes: Uint16Array while there are at most 65,536 names, Uint32Array after. */
export type CodeArray = Uint16Array | Uint32Array;

const INITIAL = 1024;

/**
 * The line of every appended row, as runs: run j covers rows from `row[j]`, the first on line
 * `line[j]`, with `per[j]` rows on each line after that (0: the run stays on one line). A long
 * file (one row a line) is one run per skipped line; a wide one (k metrics a line) the same.
 */
class LineRuns {
  private readonly row: number[] = [];
  private readonly line: number[] = [];
  private readonly per: number[] = [];
  private cur = -1; // line of the last row
  private inLine = 0; // rows on that line so far
  /** True once some row had a line (not 0). */
  any = false;

  push(i: number, line: number): void {
    const j = this.row.length - 1;
    if (j >= 0) {
      const k = this.per[j]!;
      if (line === this.cur && (k === 0 || this.inLine < k)) {
        this.inLine++;
        return;
      }
      if (line === this.cur + 1 && this.cur !== 0 && (k === 0 ? true : this.inLine === k)) {
        if (k === 0) this.per[j] = this.inLine;
        this.cur = line;
        this.inLine = 1;
        return;
      }
    }
    this.row.push(i);
    this.line.push(line);
    this.per.push(0);
    this.cur = line;
    this.inLine = 1;
    if (line !== 0) this.any = true;
  }

  /** Rows i .. i + n - 1 on lines line .. line + n - 1 (one row a line). */
  pushRange(i: number, line: number, n: number): void {
    if (n === 0) return;
    if (line === 0) {
      for (let k = 0; k < n; k++) this.push(i + k, 0);
      return;
    }
    const j = this.row.length - 1;
    // The last run goes on with one row a line: extend it (a one-row run becomes one).
    if (j >= 0 && line === this.cur + 1 && this.cur !== 0 && this.inLine === 1 && this.per[j]! <= 1) this.per[j] = 1;
    else {
      this.row.push(i);
      this.line.push(line);
      this.per.push(n > 1 ? 1 : 0);
      this.any = true;
    }
    this.cur = line + n - 1;
    this.inLine = 1;
  }

  /** Line of appended row i (0 when its loader gave none). */
  lineOf(i: number): number {
    let lo = 0;
    let hi = this.row.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.row[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    const k = this.per[lo]!;
    return k === 0 ? this.line[lo]! : this.line[lo]! + Math.floor((i - this.row[lo]!) / k);
  }
}

/** The sorted columns of a buffer, before repeated measurements are dropped (see {@link MeasurementBuffer.finish}). */
export interface CurveLayout {
  step: StepArray;
  value: Float64Array;
  /** Line of row i of this layout (0 when the loader gave none); absent when no loader gave one. */
  lineOf?: (row: number) => number;
  /** Rows of curve c are curveStart[c] .. curveStart[c + 1] - 1 (length curves + 1). */
  curveStart: Uint32Array;
  curveTrial: Uint32Array;
  curveMetric: Uint32Array;
  trialNames: string[];
  metricNames: string[];
}

/**
 * Append-only measurement columns for a loader: grown by doubling (or sized up front with
 * {@link MeasurementBuffer.reserve}), trial and metric names interned to integer codes.
 *
 * @example
 * const buf = new MeasurementBuffer();
 * const t = buf.trialCode("t0"), m = buf.metricCode("loss");
 * buf.push(t, 1, m, 0.5, 2);
 * buf.add("t0", 2, "loss", 0.4);
 * buf.length; // 2
 */
export class MeasurementBuffer {
  length = 0;
  private cap = 0;
  private value = new Float64Array(0);
  private step: StepArray = new Int32Array(0);
  private trial: CodeArray = new Uint16Array(0);
  private metric: CodeArray = new Uint16Array(0);
  private readonly lines = new LineRuns();
  readonly trialNames: string[] = [];
  readonly metricNames: string[] = [];
  private readonly trialCodes = new Map<string, number>();
  private readonly metricCodes = new Map<string, number>();
  // Rows of one trial and metric come in runs: the last name looked up is compared first.
  private lastTrial: string | undefined;
  private lastTrialCode = 0;
  private lastMetric: string | undefined;
  private lastMetricCode = 0;

  /** The integer code of a trial id (interned on first use). */
  trialCode(id: string): number {
    if (id === this.lastTrial) return this.lastTrialCode;
    let c = this.trialCodes.get(id);
    if (c === undefined) {
      c = this.trialNames.length;
      this.trialNames.push(id);
      this.trialCodes.set(id, c);
      if (c === 0x10000 && this.trial instanceof Uint16Array) this.trial = Uint32Array.from(this.trial);
    }
    this.lastTrial = id;
    this.lastTrialCode = c;
    return c;
  }

  /** The integer code of a metric name (interned on first use). */
  metricCode(name: string): number {
    if (name === this.lastMetric) return this.lastMetricCode;
    let c = this.metricCodes.get(name);
    if (c === undefined) {
      c = this.metricNames.length;
      this.metricNames.push(name);
      this.metricCodes.set(name, c);
      if (c === 0x10000 && this.metric instanceof Uint16Array) this.metric = Uint32Array.from(this.metric);
    }
    this.lastMetric = name;
    this.lastMetricCode = c;
    return c;
  }

  /** Make room for `rows` more rows at once (a loader that can estimate its row count from the file size). */
  reserve(rows: number): void {
    if (this.length + rows > this.cap) this.resize(this.length + rows);
  }

  private resize(cap: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(0, this.length) as never);
      return b;
    };
    this.value = grow(this.value, (k) => new Float64Array(k));
    this.step = this.step instanceof Int32Array ? grow(this.step, (k) => new Int32Array(k)) : grow(this.step, (k) => new Float64Array(k));
    this.trial = this.trial instanceof Uint16Array ? grow(this.trial, (k) => new Uint16Array(k)) : grow(this.trial, (k) => new Uint32Array(k));
    this.metric = this.metric instanceof Uint16Array ? grow(this.metric, (k) => new Uint16Array(k)) : grow(this.metric, (k) => new Uint32Array(k));
    this.cap = cap;
  }

  /** Append one row by codes (see {@link MeasurementBuffer.trialCode}); `line` 0 when unknown. */
  push(trial: number, step: number, metric: number, value: number, line: number): void {
    const i = this.length;
    if (i === this.cap) this.resize(Math.max(INITIAL, this.cap * 2));
    this.value[i] = value;
    if (this.step instanceof Int32Array && (step | 0) !== step) this.step = Float64Array.from(this.step);
    this.step[i] = step;
    this.trial[i] = trial;
    this.metric[i] = metric;
    this.lines.push(i, line);
    this.length = i + 1;
  }

  /**
   * Append rows `0 .. n - 1` of batch columns (trial and metric codes, steps, values) read from
   * consecutive lines `line, line + 1, …` — a loader's fast path writes rows into batches and
   * hands them over at once.
   */
  pushBatch(trial: CodeArray, step: StepArray, metric: CodeArray, value: Float64Array, n: number, line: number): void {
    if (n === 0) return;
    const i = this.length;
    if (i + n > this.cap) this.resize(Math.max(INITIAL, this.cap * 2, i + n));
    this.value.set(value.subarray(0, n), i);
    // Typed-array copies between arrays of one type are a memcpy; the batch's types follow the buffer's.
    if (this.step instanceof Int32Array && !(step instanceof Int32Array)) {
      let ints = true;
      for (let k = 0; k < n; k++) {
        const x = step[k]!;
        if ((x | 0) !== x) {
          ints = false;
          break;
        }
      }
      if (!ints) this.step = Float64Array.from(this.step);
    }
    this.step.set(step.subarray(0, n), i);
    this.trial.set(trial.subarray(0, n), i);
    this.metric.set(metric.subarray(0, n), i);
    this.lines.pushRange(i, line, n);
    this.length = i + n;
  }

  /** Append one row by names. */
  add(trial: string, step: number, metric: string, value: number, line = 0): void {
    this.push(this.trialCode(trial), step, this.metricCode(metric), value, line);
  }

  /** The value and step of the rows of one trial appended so far, for one metric (in append order). */
  rowsOf(trial: string, metric: string): { steps: number[]; values: number[] } {
    const t = this.trialCodes.get(trial);
    const m = this.metricCodes.get(metric);
    const steps: number[] = [];
    const values: number[] = [];
    if (t === undefined || m === undefined) return { steps, values };
    for (let i = 0; i < this.length; i++)
      if (this.trial[i] === t && this.metric[i] === m) {
        steps.push(this.step[i]!);
        values.push(this.value[i]!);
      }
    return { steps, values };
  }

  /** Names of the metrics one trial has rows of, in first-seen order. */
  metricsOf(trial: string): string[] {
    const t = this.trialCodes.get(trial);
    if (t === undefined) return [];
    const seen = new Set<number>();
    for (let i = 0; i < this.length; i++) if (this.trial[i] === t) seen.add(this.metric[i]!);
    return [...seen].sort((a, b) => a - b).map((c) => this.metricNames[c]!);
  }

  /**
   * Sort the rows into curves — by trial code, then metric code (both first-seen order), then
   * step, stable, so repeats of a (trial, step, metric) stay in the order they were written — and
   * release the buffer. Rows already in that order (a loader writing each metric's curve in one
   * run) are only trimmed to size; otherwise one counting sort moves every column once.
   */
  finish(): CurveLayout {
    const n = this.length;
    const M = Math.max(1, this.metricNames.length);
    const { trial, metric, step, value, lines } = this;
    const layout = (s: StepArray, v: Float64Array, l: CurveLayout["lineOf"], starts: number[], keys: number[]): CurveLayout => {
      starts.push(n);
      return {
        step: s,
        value: v,
        lineOf: l,
        curveStart: Uint32Array.from(starts),
        curveTrial: Uint32Array.from(keys, (k) => Math.floor(k / M)),
        curveMetric: Uint32Array.from(keys, (k) => k % M),
        trialNames: this.trialNames,
        metricNames: this.metricNames,
      };
    };
    // One pass: are the rows already curve after curve, in key order, steps never going back?
    const starts: number[] = [];
    const keys: number[] = [];
    let inOrder = true;
    let prevKey = -1;
    for (let i = 0; i < n; i++) {
      const key = trial[i]! * M + metric[i]!;
      if (key !== prevKey) {
        if (key < prevKey) {
          inOrder = false;
          break;
        }
        starts.push(i);
        keys.push(key);
        prevKey = key;
      } else if (!(step[i]! >= step[i - 1]!)) {
        inOrder = false;
        break;
      }
    }
    this.release();
    if (inOrder) {
      // Trimmed copies: a buffer grown by doubling may be up to twice the rows it holds.
      const cut = <T extends StepArray>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
      return layout(cut(step), value.length === n ? value : value.slice(0, n), lines.any ? (r) => lines.lineOf(r) : undefined, starts, keys);
    }
    const T = this.trialNames.length;
    // Counting sort by curve key. The key space trials × metrics is addressed directly when it is
    // small (almost always); otherwise keys get dense ids through a map.
    let slot: Uint32Array | undefined; // row -> dense curve id (sparse case only)
    let keyOf: number[]; // dense id -> key
    let count: Uint32Array;
    if (T * M <= n + 65536) {
      count = new Uint32Array(T * M + 1);
      for (let i = 0; i < n; i++) count[trial[i]! * M + metric[i]!]!++;
      keyOf = [];
      for (let k = 0; k < T * M; k++) if (count[k]! > 0) keyOf.push(k);
    } else {
      const id = new Map<number, number>();
      const raw: number[] = [];
      slot = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const key = trial[i]! * M + metric[i]!;
        let c = id.get(key);
        if (c === undefined) {
          id.set(key, (c = raw.length));
          raw.push(key);
        }
        slot[i] = c;
      }
      const order = raw.map((_, c) => c).sort((a, b) => raw[a]! - raw[b]!);
      const rank = new Uint32Array(raw.length);
      order.forEach((c, r) => (rank[c] = r));
      for (let i = 0; i < n; i++) slot[i] = rank[slot[i]!]!;
      keyOf = order.map((c) => raw[c]!);
      count = new Uint32Array(keyOf.length + 1);
      for (let i = 0; i < n; i++) count[slot[i]!]!++;
    }
    // Start row of each curve, then the permutation (stable: rows are visited in order).
    const curveStarts: number[] = [];
    const pos = new Uint32Array(slot ? keyOf.length : T * M);
    let at = 0;
    for (let c = 0; c < keyOf.length; c++) {
      const k = slot ? c : keyOf[c]!;
      curveStarts.push(at);
      pos[k] = at;
      at += count[k]!;
    }
    const perm = new Uint32Array(n);
    if (slot) for (let i = 0; i < n; i++) perm[pos[slot[i]!]!++] = i;
    else for (let i = 0; i < n; i++) perm[pos[trial[i]! * M + metric[i]!]!++] = i;
    // Within each curve, by step (stable; NaN steps last). Most curves are sorted already.
    for (let c = 0; c < curveStarts.length; c++) {
      const a = curveStarts[c]!;
      const b = c + 1 < curveStarts.length ? curveStarts[c + 1]! : n;
      let sorted = true;
      for (let k = a + 1; k < b; k++)
        if (!(step[perm[k]!]! >= step[perm[k - 1]!]!)) {
          sorted = false;
          break;
        }
      if (sorted) continue;
      const rows = Array.from(perm.subarray(a, b));
      rows.sort((x, y) => {
        const sx = step[x]!;
        const sy = step[y]!;
        if (sx === sy) return x - y;
        if (Number.isNaN(sx)) return Number.isNaN(sy) ? x - y : 1;
        if (Number.isNaN(sy)) return -1;
        return sx - sy;
      });
      perm.set(rows, a);
    }
    const gather = <T extends StepArray>(src: T, make: (k: number) => T): T => {
      const out = make(n);
      for (let k = 0; k < n; k++) out[k] = src[perm[k]!]!;
      return out;
    };
    const v = gather(value, (k) => new Float64Array(k));
    const s: StepArray = step instanceof Int32Array ? gather(step, (k) => new Int32Array(k)) : gather(step, (k) => new Float64Array(k));
    return layout(s, v, lines.any ? (r) => lines.lineOf(perm[r]!) : undefined, curveStarts, keyOf);
  }

  private release(): void {
    this.value = new Float64Array(0);
    this.step = new Int32Array(0);
    this.trial = new Uint16Array(0);
    this.metric = new Uint16Array(0);
    this.cap = 0;
    this.length = 0;
  }
}

/**
 * Drop the rows marked in `drop` from a layout (repeated measurements), keeping curve order.
 *
 * @example
 * const kept = dropRows(layout, drop); // layout without the rows where drop[i] === 1
 */
export function dropRows(l: CurveLayout, drop: Uint8Array): CurveLayout {
  const n = l.value.length;
  let kept = 0;
  for (let i = 0; i < n; i++) if (!drop[i]) kept++;
  const value = new Float64Array(kept);
  const step: StepArray = l.step instanceof Int32Array ? new Int32Array(kept) : new Float64Array(kept);
  const C = l.curveTrial.length;
  const curveStart = new Uint32Array(C + 1);
  let w = 0;
  for (let c = 0; c < C; c++) {
    curveStart[c] = w;
    for (let i = l.curveStart[c]!; i < l.curveStart[c + 1]!; i++) {
      if (drop[i]) continue;
      value[w] = l.value[i]!;
      step[w] = l.step[i]!;
      w++;
    }
  }
  curveStart[C] = w;
  // Lines are only asked for before rows are dropped (the repeats' messages).
  return { ...l, value, step, lineOf: undefined, curveStart };
}

/**
 * A study's measurements, read only: typed columns sorted into curves (see the module comment).
 * The rows of curve `c` — one metric of one trial, by step — are `curveStart[c]` up to
 * `curveStart[c + 1]`; {@link Measurements.steps} and {@link Measurements.values} are views of
 * them (no copy).
 *
 * @example
 * const m = study.measurementColumns();
 * const c = m.curveOf("t0", "loss");
 * if (c >= 0) m.values(c); // Float64Array view of t0's loss values, by step
 * m.length;                // number of rows
 */
export class Measurements {
  readonly length: number;
  readonly step: StepArray;
  readonly value: Float64Array;
  /** Trial ids by code. */
  readonly trialNames: readonly string[];
  /** Metric names by code. */
  readonly metricNames: readonly string[];
  readonly curveStart: Uint32Array;
  readonly curveTrial: Uint32Array;
  readonly curveMetric: Uint32Array;
  /** Curves of trial code t are trialCurves[t] .. trialCurves[t + 1] - 1 (curves are sorted by trial). */
  private readonly trialCurves: Uint32Array;
  private codes?: Map<string, number>;
  private table?: ColumnTable;

  constructor(l: Omit<CurveLayout, "lineOf">) {
    this.step = l.step;
    this.value = l.value;
    this.length = l.value.length;
    this.trialNames = l.trialNames;
    this.metricNames = l.metricNames;
    this.curveStart = l.curveStart;
    this.curveTrial = l.curveTrial;
    this.curveMetric = l.curveMetric;
    const T = l.trialNames.length;
    this.trialCurves = new Uint32Array(T + 1);
    for (let c = 0; c < l.curveTrial.length; c++) this.trialCurves[l.curveTrial[c]! + 1]!++;
    for (let t = 0; t < T; t++) this.trialCurves[t + 1]! += this.trialCurves[t]!;
  }

  /** No rows. */
  static empty(): Measurements {
    return new Measurements({ step: new Int32Array(0), value: new Float64Array(0), curveStart: new Uint32Array(1), curveTrial: new Uint32Array(0), curveMetric: new Uint32Array(0), trialNames: [], metricNames: [] });
  }

  /**
   * Measurements from plain arrays (one entry per row, any order).
   *
   * @example
   * Measurements.from({ trial: ["a", "a"], step: [2, 1], metric: ["loss", "loss"], value: [0.4, 0.5] }).values(0); // [0.5, 0.4]
   */
  static from(cols: MeasurementArrays): Measurements {
    const b = new MeasurementBuffer();
    b.reserve(cols.value.length);
    for (let i = 0; i < cols.value.length; i++) b.add(cols.trial[i]!, cols.step[i]!, cols.metric[i]!, cols.value[i]!);
    return new Measurements(b.finish());
  }

  /** Number of curves (trial × metric pairs with rows). */
  get curveCount(): number {
    return this.curveTrial.length;
  }

  /** Heap bytes held by the columns and the curve index. */
  get bytes(): number {
    return this.step.byteLength + this.value.byteLength + this.curveStart.byteLength + this.curveTrial.byteLength + this.curveMetric.byteLength + this.trialCurves.byteLength;
  }

  /** Code of a trial id, or -1 when it has no rows. */
  trialCode(trial: string): number {
    if (!this.codes) {
      this.codes = new Map();
      this.trialNames.forEach((t, i) => this.codes!.set(t, i));
    }
    return this.codes.get(trial) ?? -1;
  }

  /** The curve of one metric of one trial, or -1 when the trial has no rows of it. */
  curveOf(trial: string, metric: string): number {
    const t = this.trialCode(trial);
    if (t < 0) return -1;
    for (let c = this.trialCurves[t]!; c < this.trialCurves[t + 1]!; c++) if (this.metricNames[this.curveMetric[c]!] === metric) return c;
    return -1;
  }

  /** Curves of one trial (a range of curve numbers: first, end). */
  curvesOfTrial(trial: string): [number, number] {
    const t = this.trialCode(trial);
    return t < 0 ? [0, 0] : [this.trialCurves[t]!, this.trialCurves[t + 1]!];
  }

  /** Trial id of curve c. */
  curveTrialName(c: number): string {
    return this.trialNames[this.curveTrial[c]!]!;
  }

  /** Metric name of curve c. */
  curveMetricName(c: number): string {
    return this.metricNames[this.curveMetric[c]!]!;
  }

  /** Steps of curve c, ascending (a view: do not change). */
  steps(c: number): StepArray {
    return this.step.subarray(this.curveStart[c]!, this.curveStart[c + 1]!);
  }

  /** Values of curve c, in step order (a view: do not change). */
  values(c: number): Float64Array {
    return this.value.subarray(this.curveStart[c]!, this.curveStart[c + 1]!);
  }

  /** Trial code of every row (4 bytes a row, made on each call). */
  trialCodes(): Uint32Array {
    return this.perRow(this.curveTrial);
  }

  /** Metric code of every row (4 bytes a row, made on each call). */
  metricCodes(): Uint32Array {
    return this.perRow(this.curveMetric);
  }

  private perRow(ofCurve: Uint32Array): Uint32Array {
    const out = new Uint32Array(this.length);
    for (let c = 0; c < ofCurve.length; c++) out.fill(ofCurve[c]!, this.curveStart[c]!, this.curveStart[c + 1]!);
    return out;
  }

  /** Every row as plain arrays (trial and metric names repeated per row): for small studies and writers. */
  toArrays(): MeasurementArrays {
    const out: MeasurementArrays = { trial: [], step: [], metric: [], value: [] };
    for (let c = 0; c < this.curveCount; c++) {
      const t = this.curveTrialName(c);
      const m = this.curveMetricName(c);
      for (let i = this.curveStart[c]!; i < this.curveStart[c + 1]!; i++) {
        out.trial.push(t);
        out.metric.push(m);
        out.step.push(this.step[i]!);
        out.value.push(this.value[i]!);
      }
    }
    return out;
  }

  /** The long table (trial, step, metric, value) as an arquero table, built on first use. */
  toTable(): ColumnTable {
    if (!this.table) {
      const trial = new Array<string>(this.length);
      const metric = new Array<string>(this.length);
      for (let c = 0; c < this.curveCount; c++) {
        trial.fill(this.curveTrialName(c), this.curveStart[c]!, this.curveStart[c + 1]!);
        metric.fill(this.curveMetricName(c), this.curveStart[c]!, this.curveStart[c + 1]!);
      }
      this.table = aq.table({ trial, step: this.step instanceof Int32Array ? Float64Array.from(this.step) : this.step, metric, value: this.value });
    }
    return this.table;
  }

  /** Only the rows of the given trials (curve order kept). */
  select(trials: ReadonlySet<string>): Measurements {
    const keepCurves: number[] = [];
    let rows = 0;
    for (let c = 0; c < this.curveCount; c++)
      if (trials.has(this.curveTrialName(c))) {
        keepCurves.push(c);
        rows += this.curveStart[c + 1]! - this.curveStart[c]!;
      }
    if (keepCurves.length === this.curveCount) return this;
    const value = new Float64Array(rows);
    const step: StepArray = this.step instanceof Int32Array ? new Int32Array(rows) : new Float64Array(rows);
    const names: string[] = [];
    const code = new Map<number, number>();
    const curveStart = new Uint32Array(keepCurves.length + 1);
    const curveTrial = new Uint32Array(keepCurves.length);
    const curveMetric = new Uint32Array(keepCurves.length);
    let w = 0;
    keepCurves.forEach((c, k) => {
      const t = this.curveTrial[c]!;
      let nt = code.get(t);
      if (nt === undefined) {
        code.set(t, (nt = names.length));
        names.push(this.trialNames[t]!);
      }
      curveTrial[k] = nt;
      curveMetric[k] = this.curveMetric[c]!;
      curveStart[k] = w;
      const a = this.curveStart[c]!;
      const b = this.curveStart[c + 1]!;
      value.set(this.value.subarray(a, b), w);
      step.set(this.step.subarray(a, b) as never, w);
      w += b - a;
    });
    curveStart[keepCurves.length] = w;
    return new Measurements({ step, value, curveStart, curveTrial, curveMetric, trialNames: names, metricNames: this.metricNames as string[] });
  }
}
