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
  space?: SearchSpace;
  source: StudySource = {};

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

  /** Append one measurement; creates the trial if needed. NaN/±Infinity are kept. */
  measure(trial: string, step: number, metric: string, value: number): void {
    if (!this.trials.has(trial)) this.trial({ id: trial });
    this.cols.trial.push(trial);
    this.cols.step.push(step);
    this.cols.metric.push(metric);
    this.cols.value.push(value);
  }

  warn(issue: Omit<LoadIssue, "severity"> & { severity?: LoadIssue["severity"] }): void {
    this.warnings.push({ severity: "warn", ...issue });
  }

  get trialCount(): number {
    return this.order.length;
  }

  /** Finish: compute per-trial objective summaries and statuses, then freeze into a Study. */
  build(): Study {
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

/** Turn a loaded cell into a hyperparameter value: numbers stay numbers, blanks become null. */
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
  return JSON.stringify(v);
}
