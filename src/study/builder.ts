/**
 * StudyBuilder: the one way loaders turn records into a Study. It owns the rules every format
 * shares: statuses, diverged detection from NaN/Inf, final/best from curves, safe keys.
 */
import { numberFrom, whyNotNumber } from "../core/numbers.js";
import type { SearchSpace } from "../space/spec.js";
import { Study, summarizeCurve, type MeasurementColumns, type StudySource } from "./study.js";
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
  readonly cols: MeasurementColumns = { trial: [], step: [], metric: [], value: [] };
  readonly warnings: LoadIssue[] = [];
  /**
   * Line (or record index) of each measurement, 0 when the loader gave none (for the warnings on
   * repeated measurements). A typed array grown by doubling: a million lines cost 4 MB and no GC work.
   */
  private lineBuf = new Int32Array(1024);
  private lineCount = 0;
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
    if (!this.trials.has(trial)) this.trial({ id: trial });
    this.cols.trial.push(trial);
    this.cols.step.push(step);
    this.cols.metric.push(metric);
    this.cols.value.push(value);
    this.addLine(line);
  }

  /** Record the line of a measurement appended to {@link StudyBuilder.cols} directly (the loaders' fast paths). */
  addLine(line: number): void {
    if (this.lineCount === this.lineBuf.length) {
      const bigger = new Int32Array(this.lineBuf.length * 2);
      bigger.set(this.lineBuf);
      this.lineBuf = bigger;
    }
    this.lineBuf[this.lineCount++] = line;
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
   * Cheap when there are none: one pass checks that each trial's rows come together with steps
   * that never go back and no metric twice at one step; only trials where that fails are looked
   * at closely.
   */
  private resolveRepeats(): void {
    const { trial, step, metric, value } = this.cols;
    const n = trial.length;
    let suspects: Set<string> | undefined;
    const finished = new Set<string>();
    let cur: string | undefined;
    let runStart = 0; // first row of the current trial's run of rows at one step
    for (let i = 0; i < n; i++) {
      const t = trial[i]!;
      const s = step[i]!;
      if (t !== cur) {
        if (cur !== undefined) finished.add(cur);
        cur = t;
        runStart = i;
        if (finished.has(t)) (suspects ??= new Set()).add(t); // the trial's rows are not together
        continue;
      }
      const prev = step[i - 1]!;
      if (s > prev) runStart = i;
      else if (s === prev && i - runStart < 64) {
        // Same step as the row before: fine while its metric is new within this step's rows
        // (a linear scan over a few metrics is cheaper than a map per row).
        const m = metric[i]!;
        for (let j = runStart; j < i; j++)
          if (metric[j] === m) {
            (suspects ??= new Set()).add(t);
            break;
          }
      } else (suspects ??= new Set()).add(t); // steps go back (or too many rows at one step): look closely
    }
    if (!suspects) return;
    const groups = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const t = trial[i]!;
      if (!suspects.has(t)) continue;
      const key = `${t}\u0000${metric[i]}\u0000${step[i]}`;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    }
    const drop = new Uint8Array(n);
    let merged = 0;
    let conflicts = 0;
    let firstMerged: number[] | undefined;
    let firstConflict: number[] | undefined;
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      const kept = g[g.length - 1]!;
      const same = g.every((i) => Object.is(value[i], value[kept]) || (Number.isNaN(value[i]!) && Number.isNaN(value[kept]!)));
      for (const i of g) if (i !== kept) drop[i] = 1;
      if (same) {
        merged += g.length - 1;
        firstMerged ??= g;
      } else {
        conflicts += g.length - 1;
        firstConflict ??= g;
      }
    }
    if (merged + conflicts === 0) return;
    const file = this.file ?? this.source.path ?? this.name;
    const hasLines = this.lineCount === n;
    const lines = this.lineBuf;
    const at = (i: number): string => (hasLines && lines[i]! > 0 ? ` (line ${lines[i]})` : "");
    const where = (g: number[]): string => `trial ${JSON.stringify(trial[g[0]!])}, step ${step[g[0]!]}, metric ${JSON.stringify(metric[g[0]!])}`;
    const lineOf = (g: number[]): number | undefined => (hasLines && lines[g[0]!]! > 0 ? lines[g[0]!] : undefined);
    if (firstConflict) {
      const shown = firstConflict.map((i) => `${value[i]}${at(i)}`).join(", ");
      this.warnings.push({
        severity: "warn",
        file,
        line: lineOf(firstConflict),
        message: `${conflicts} measurement${conflicts === 1 ? " repeats" : "s repeat"} a (trial, step, metric) with a different value; the last written of each is kept, the others are discarded (first: ${where(firstConflict)}: ${shown})`,
      });
    }
    if (firstMerged) {
      this.warnings.push({
        severity: "warn",
        file,
        line: lineOf(firstMerged),
        message: `${merged} measurement${merged === 1 ? " repeats" : "s repeat"} a (trial, step, metric) with the same value; merged (first: ${where(firstMerged)}${hasLines && lines[firstMerged[0]!]! > 0 ? `, lines ${firstMerged.map((i) => lines[i]).join(", ")}` : ""})`,
      });
    }
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (drop[i]) continue;
      trial[w] = trial[i]!;
      step[w] = step[i]!;
      metric[w] = metric[i]!;
      value[w] = value[i]!;
      if (hasLines) lines[w] = lines[i]!;
      w++;
    }
    trial.length = step.length = metric.length = value.length = w;
    if (hasLines) this.lineCount = w;
  }

  /** Finish: resolve repeated measurements, compute per-trial objective summaries and statuses, then freeze into a Study. */
  build(): Study {
    this.resolveRepeats();
    const { trial, step, metric, value } = this.cols;
    const obj = this.objective;
    // Per trial: objective curve and whether any loss/objective value is non-finite.
    const curveSteps = new Map<string, number[]>();
    const curveVals = new Map<string, number[]>();
    const nonFinite = new Map<string, { step: number; metric: string }>();
    const lastStep = new Map<string, number>();
    // Loaders append a trial's rows together, so the per-trial state is looked up only when the
    // trial changes from one row to the next (a million Map lookups fewer), and the loss-metric
    // regex runs once per metric name.
    const lossLike = new Map<string, boolean>();
    let cur: string | undefined;
    let curLast = -Infinity;
    let cs: number[] | undefined;
    let cv: number[] | undefined;
    const flush = (): void => {
      if (cur !== undefined && curLast > -Infinity) lastStep.set(cur, curLast);
    };
    for (let i = 0; i < trial.length; i++) {
      const t = trial[i]!;
      if (t !== cur) {
        flush();
        cur = t;
        curLast = lastStep.get(t) ?? -Infinity;
        cs = curveSteps.get(t);
        cv = curveVals.get(t);
      }
      const s = step[i]!;
      if (s > curLast) curLast = s;
      const m = metric[i]!;
      const v = value[i]!;
      if (m === obj.metric) {
        if (!cs) {
          curveSteps.set(t, (cs = []));
          curveVals.set(t, (cv = []));
        }
        cs.push(s);
        cv!.push(v);
      }
      if (!Number.isFinite(v)) {
        let loss = lossLike.get(m);
        if (loss === undefined) lossLike.set(m, (loss = divergenceMetric(m, obj.metric)));
        if (loss) {
          const prev = nonFinite.get(t);
          if (!prev || s < prev.step) nonFinite.set(t, { step: s, metric: m });
        }
      }
    }
    flush();
    const rows: TrialRow[] = this.order.map((id) => {
      const t = this.trials.get(id)!;
      const cs = curveSteps.get(id);
      let final = t.final ?? null;
      let best = t.best ?? null;
      let bestStep = t.bestStep ?? null;
      let steps = t.steps ?? lastStep.get(id) ?? null;
      if (cs) {
        const sum = summarizeCurve(cs, curveVals.get(id)!, obj.direction);
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
      measurements: this.cols,
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
