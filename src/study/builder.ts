/**
 * StudyBuilder: the one way loaders turn records into a Study. It owns the rules every format
 * shares: statuses, diverged detection from NaN/Inf, final/best from curves, safe keys.
 */
import { numberFrom, whyNotNumber } from "../core/numbers.js";
import type { SearchSpace } from "../space/spec.js";
import { type CurveLayout, MeasurementBuffer, Measurements, dropRows } from "./measurements.js";
import { Study, summarizeCurve, type StudySource } from "./study.js";
import {
  type HpValue,
  type LoadIssue,
  type Objective,
  type TrialRow,
  type TrialStatus,
  safeRecord,
} from "./types.js";
import { divergenceMetric, withDivergence } from "./status.js";

export interface TrialInput {
  id: string;
  status?: TrialStatus;
  hparams?: Record<string, HpValue>;
  /** Objective values given by the log itself (one-row-per-trial formats). */
  final?: number | null;
  best?: number | null;
  bestStep?: number | null;
  steps?: number | null;
  group?: string | null;
  attrs?: Record<string, unknown>;
}

export { isLossMetric } from "./status.js";

/**
 * @example
 * const b = new StudyBuilder("demo", { metric: "loss", direction: "minimize" });
 * b.trial({ id: "t0", hparams: { lr: 0.1 } });
 * b.measure("t0", 1, "loss", 0.5);
 * const study = b.build();
 */
export class StudyBuilder {
  private readonly trials = new Map<string, TrialInput>();
  private readonly order: string[] = [];
  /** The measurement rows so far: typed columns, trial and metric names interned (see ./measurements.ts). */
  readonly columns = new MeasurementBuffer();
  readonly warnings: LoadIssue[] = [];
  /** The trial of the last measurement (a trial's rows come together: its existence is checked once per run). */
  private lastMeasured: string | undefined;
  space?: SearchSpace;
  source: StudySource = {};
  /** The file build-time warnings name (default: `source.path`). */
  file?: string;

  constructor(
    public name: string,
    public objective: Objective,
  ) {}

  /** Add or update a trial (fields given later override earlier ones; hparams merge). */
  trial(t: TrialInput): void {
    const prev = this.trials.get(t.id);
    if (!prev) {
      this.order.push(t.id);
      const hp = safeRecord<HpValue>();
      if (t.hparams) for (const [k, v] of Object.entries(t.hparams)) hp[k] = v;
      const attrs = safeRecord<unknown>();
      if (t.attrs) for (const [k, v] of Object.entries(t.attrs)) attrs[k] = v;
      this.trials.set(t.id, { ...t, hparams: hp, attrs });
      return;
    }
    const { hparams, attrs, ...rest } = t;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (prev as unknown as Record<string, unknown>)[k] = v;
    if (hparams) for (const [k, v] of Object.entries(hparams)) prev.hparams![k] = v;
    if (attrs) for (const [k, v] of Object.entries(attrs)) prev.attrs![k] = v;
  }

  hasTrial(id: string): boolean {
    return this.trials.has(id);
  }

  /**
   * Append one measurement, read at `line` of the file; creates the trial if needed. NaN/±Infinity
   * are kept. A repeated (trial, step, metric) is resolved in {@link StudyBuilder.build}.
   */
  measure(trial: string, step: number, metric: string, value: number, line = 0): void {
    if (trial !== this.lastMeasured) {
      if (!this.trials.has(trial)) this.trial({ id: trial });
      this.lastMeasured = trial;
    }
    this.columns.add(trial, step, metric, value, line);
  }

  /**
   * Append one measurement by interned codes ({@link MeasurementBuffer.trialCode} and
   * `metricCode` of {@link StudyBuilder.columns}) for a trial already added: the loaders' fast paths.
   */
  push(trialCode: number, step: number, metricCode: number, value: number, line: number): void {
    this.columns.push(trialCode, step, metricCode, value, line);
  }

  warn(issue: Omit<LoadIssue, "severity"> & { severity?: LoadIssue["severity"] }): void {
    this.warnings.push({ severity: "warn", ...issue });
  }

  get trialCount(): number {
    return this.order.length;
  }

  /**
   * Repeated measurements: the same (trial, step, metric) logged more than once. Identical repeats
   * are merged; conflicting ones follow one policy, **the last written wins**, with a warning that
   * counts them and shows the first. The discarded rows leave the columns, so no analysis sees them.
   * The layout is sorted into curves by step (stable), so repeats are neighbours in one curve.
   */
  private resolveRepeats(l: CurveLayout): CurveLayout {
    const { step, value, lineOf, curveStart } = l;
    const C = l.curveTrial.length;
    let drop: Uint8Array | undefined;
    let merged = 0;
    let conflicts = 0;
    let firstMerged: number[] | undefined;
    let firstConflict: number[] | undefined;
    // "First" is the repeat met first in the file: the smallest line when lines are known.
    const earlier = (g: number[], than: number[] | undefined): boolean => !than || (lineOf !== undefined && lineOf(g[0]!) < lineOf(than[0]!));
    for (let c = 0; c < C; c++) {
      const end = curveStart[c + 1]!;
      for (let i = curveStart[c]! + 1; i < end; i++) {
        if (step[i] !== step[i - 1]) continue;
        let j = i;
        while (j + 1 < end && step[j + 1] === step[i]) j++;
        const g: number[] = [];
        for (let k = i - 1; k <= j; k++) g.push(k);
        const kept = value[j]!;
        const same = g.every((k) => Object.is(value[k], kept) || (Number.isNaN(value[k]!) && Number.isNaN(kept)));
        drop ??= new Uint8Array(value.length);
        for (let k = i - 1; k < j; k++) drop[k] = 1;
        if (same) {
          merged += g.length - 1;
          if (earlier(g, firstMerged)) firstMerged = g;
        } else {
          conflicts += g.length - 1;
          if (earlier(g, firstConflict)) firstConflict = g;
        }
        i = j;
      }
    }
    if (!drop) return l;
    const file = this.file ?? this.source.path ?? this.name;
    const curveAt = (i: number): number => {
      let lo = 0;
      let hi = C - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (curveStart[mid]! <= i) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const line = (i: number): number => (lineOf ? lineOf(i) : 0);
    const at = (i: number): string => (line(i) > 0 ? ` (line ${line(i)})` : "");
    const where = (g: number[]): string => {
      const c = curveAt(g[0]!);
      return `trial ${JSON.stringify(l.trialNames[l.curveTrial[c]!])}, step ${step[g[0]!]}, metric ${JSON.stringify(l.metricNames[l.curveMetric[c]!])}`;
    };
    const firstLine = (g: number[]): number | undefined => (line(g[0]!) > 0 ? line(g[0]!) : undefined);
    if (firstConflict) {
      const shown = firstConflict.map((i) => `${value[i]}${at(i)}`).join(", ");
      this.warnings.push({
        severity: "warn",
        file,
        line: firstLine(firstConflict),
        message: `${conflicts} measurement${conflicts === 1 ? " repeats" : "s repeat"} a (trial, step, metric) with a different value; the last written of each is kept, the others are discarded (first: ${where(firstConflict)}: ${shown})`,
      });
    }
    if (firstMerged) {
      this.warnings.push({
        severity: "warn",
        file,
        line: firstLine(firstMerged),
        message: `${merged} measurement${merged === 1 ? " repeats" : "s repeat"} a (trial, step, metric) with the same value; merged (first: ${where(firstMerged)}${line(firstMerged[0]!) > 0 ? `, lines ${firstMerged.map((i) => line(i)).join(", ")}` : ""})`,
      });
    }
    return dropRows(l, drop);
  }

  /** Finish: sort the measurements into curves, resolve repeats, compute per-trial objective summaries and statuses, then freeze into a Study. */
  build(): Study {
    const layout = this.resolveRepeats(this.columns.finish());
    const m = new Measurements(layout);
    const obj = this.objective;
    // Per trial, from its curves (contiguous, sorted by step): the objective curve's summary, the
    // last step of any metric, and the first step where a loss-like metric is non-finite.
    const objCurve = new Map<string, number>();
    const nonFinite = new Map<string, { step: number; metric: string }>();
    const lastStep = new Map<string, number>();
    const lossLike = m.metricNames.map((name) => divergenceMetric(name, obj.metric));
    for (let c = 0; c < m.curveCount; c++) {
      const t = m.curveTrialName(c);
      const mc = m.curveMetric[c]!;
      const a = m.curveStart[c]!;
      const b = m.curveStart[c + 1]!;
      let last = -Infinity;
      for (let i = b - 1; i >= a; i--) {
        const s = m.step[i]!;
        if (s === s) {
          last = s;
          break;
        }
      }
      if (last > (lastStep.get(t) ?? -Infinity)) lastStep.set(t, last);
      if (m.metricNames[mc] === obj.metric) objCurve.set(t, c);
      if (lossLike[mc]) {
        for (let i = a; i < b; i++) {
          const v = m.value[i]!;
          if (v === v && v !== Infinity && v !== -Infinity) continue;
          const s = m.step[i]!;
          const prev = nonFinite.get(t);
          if (!prev || s < prev.step) nonFinite.set(t, { step: s, metric: m.metricNames[mc]! });
          break;
        }
      }
    }
    const rows: TrialRow[] = this.order.map((id) => {
      const t = this.trials.get(id)!;
      const oc = objCurve.get(id);
      let final = t.final ?? null;
      let best = t.best ?? null;
      let bestStep = t.bestStep ?? null;
      let steps = t.steps ?? lastStep.get(id) ?? null;
      if (oc !== undefined) {
        const sum = summarizeCurve(m.steps(oc), m.values(oc), obj.direction);
        if (t.final === undefined || t.final === null) final = sum.final;
        if (t.best === undefined || t.best === null) {
          best = sum.best;
          bestStep = sum.bestStep;
        }
        steps = t.steps ?? Math.max(sum.lastStep, lastStep.get(id) ?? 0);
      }
      let status: TrialStatus = t.status ?? "complete";
      const attrs = t.attrs!;
      const nf = nonFinite.get(id);
      const objectiveNonFinite = (final !== null && !Number.isFinite(final)) || (best !== null && !Number.isFinite(best));
      const diverged = withDivergence(status, Boolean(nf || objectiveNonFinite));
      if (diverged !== status) {
        status = diverged;
        if (nf) {
          attrs.divergedStep = nf.step;
          attrs.divergedMetric = nf.metric;
        }
      }
      // A diverged trial has no usable best; keep `final` as the raw (non-finite) value.
      if (best !== null && !Number.isFinite(best)) best = null;
      return { id, status, hparams: t.hparams!, final, best, bestStep, steps, group: t.group ?? null, attrs };
    });
    return new Study({
      name: this.name,
      objective: this.objective,
      space: this.space,
      trials: rows,
      measurements: m,
      warnings: this.warnings,
      source: this.source,
    });
  }
}

/**
 * A number from a loaded value, only when it is written as one (see src/core/numbers.ts):
 * JSON numbers, decimals, and the NaN/Infinity spellings; never booleans, hexadecimal or
 * decimal commas. Returns undefined for anything else (the caller reports the field, with
 * {@link whyNotNumber} saying why).
 *
 * @example
 * parseNumber("+inf"); // Infinity
 * parseNumber(true); // undefined
 */
export const parseNumber = numberFrom;
export { whyNotNumber };

/** How deep a loaded value may nest before it is cut (JSON.stringify and recursion stay safe). */
export const MAX_NESTING = 64;
/** What a value nested deeper than {@link MAX_NESTING} levels becomes. */
export const TOO_DEEP = `[nested deeper than ${MAX_NESTING} levels]`;

/**
 * True when arrays/objects in `v` nest deeper than `limit` levels (checked without recursion).
 *
 * @example
 * nestedDeeperThan([[[1]]], 2); // true
 */
export function nestedDeeperThan(v: unknown, limit: number): boolean {
  if (v === null || typeof v !== "object") return false;
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length) {
    const [o, d] = stack.pop()!;
    if (d > limit) return true;
    for (const k of Object.keys(o as object)) {
      const c = (o as Record<string, unknown>)[k];
      if (c !== null && typeof c === "object") stack.push([c, d + 1]);
    }
  }
  return false;
}

/**
 * Turn a loaded cell into a hyperparameter value: numbers stay numbers, blanks become null,
 * `true`/`false` words become booleans (a categorical hyperparameter, not a number), arrays and
 * objects their JSON text ({@link TOO_DEEP} when nested too deep to print).
 *
 * @example
 * toHpValue(" 0.1 "); // 0.1
 * toHpValue("0x10"); // "0x10"
 */
export function toHpValue(v: unknown): HpValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.trim();
    if (s === "") return null;
    if (s === "True" || s === "true") return true;
    if (s === "False" || s === "false") return false;
    const n = parseNumber(s);
    return n !== undefined ? n : s;
  }
  if (nestedDeeperThan(v, MAX_NESTING)) return TOO_DEEP;
  return JSON.stringify(v) ?? null;
}
