/**
 * The study model: one columnar table of trials and one long table of measurements
 * (DESIGN.md "The study is columnar"). Loaders build a Study through {@link StudyBuilder};
 * analyses read it through the accessors below.
 */
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import type { SearchSpace } from "../space/spec.js";
import {
  type Direction,
  type HpValue,
  type LoadIssue,
  type Measurement,
  type Objective,
  type TrialRow,
  type TrialStatus,
  TRIAL_STATUSES,
  isBetter,
  isInfeasible,
  safeRecord,
} from "./types.js";

/** Step/value arrays of one metric of one trial, sorted by step. */
export interface Curve {
  trial: string;
  metric: string;
  steps: number[];
  values: number[];
}

/** Columnar storage for measurements: parallel arrays, appended by loaders. */
export interface MeasurementColumns {
  trial: string[];
  step: number[];
  metric: string[];
  value: number[];
}

export interface StudyInit {
  name: string;
  objective: Objective;
  space?: SearchSpace;
  trials: TrialRow[];
  measurements?: MeasurementColumns;
  warnings?: LoadIssue[];
  /** Where the study came from (path, format), for reports. */
  source?: { path?: string; format?: string };
}

/** Summary counts by status, every status present (0 when absent). */
export type StatusCounts = Record<TrialStatus, number>;

/** Observed range of one hyperparameter over the trials that use it. */
export interface HparamSummary {
  name: string;
  kind: "numeric" | "categorical";
  min: number | null;
  max: number | null;
  distinct: number;
  /** Values (up to 20) when categorical or with few distinct values. */
  values?: HpValue[];
  /** `log` when all values are > 0 and span at least two decades, or the declared space says so. */
  scale: "linear" | "log" | "categorical";
  /** Trials where the hyperparameter is absent (conditional / not used). */
  missing: number;
}

/**
 * A set of trials run to answer one question.
 *
 * @example
 * const study = await loadStudy("datasets/algoperf_v05/raw_logdir/prize_qualification_baseline");
 * study.size;                 // 10
 * study.bestTrial()?.id;      // id of the best trial for the objective
 * study.curve(study.trialIds()[0], "validation/accuracy");
 */
export class Study {
  readonly name: string;
  readonly objective: Objective;
  readonly space?: SearchSpace;
  readonly warnings: LoadIssue[];
  readonly source: { path?: string; format?: string };
  private readonly rows: TrialRow[];
  private readonly cols: MeasurementColumns;
  private index?: Map<string, Map<string, number[]>>;
  private trialsTable?: ColumnTable;
  private measurementsTable?: ColumnTable;

  constructor(init: StudyInit) {
    this.name = init.name;
    this.objective = init.objective;
    this.space = init.space;
    this.rows = init.trials;
    this.cols = init.measurements ?? { trial: [], step: [], metric: [], value: [] };
    this.warnings = init.warnings ?? [];
    this.source = init.source ?? {};
  }

  /** Number of trials. */
  get size(): number {
    return this.rows.length;
  }

  /** Number of measurement rows. */
  get measurementCount(): number {
    return this.cols.value.length;
  }

  /** Trials as plain rows (the model's own objects: do not mutate). */
  trialRows(): readonly TrialRow[] {
    return this.rows;
  }

  trialIds(): string[] {
    return this.rows.map((r) => r.id);
  }

  trial(id: string): TrialRow | undefined {
    return this.rows.find((r) => r.id === id);
  }

  /** Raw measurement columns (parallel arrays). */
  measurementColumns(): Readonly<MeasurementColumns> {
    return this.cols;
  }

  /** Names of every hyperparameter seen in any trial, in first-seen order. */
  hyperparameters(): string[] {
    const seen = new Set<string>();
    for (const p of this.space?.params ?? []) seen.add(p.name);
    for (const r of this.rows) for (const k of Object.keys(r.hparams)) seen.add(k);
    return [...seen];
  }

  /** Names of every metric measured, sorted. */
  metrics(): string[] {
    return [...new Set(this.cols.metric)].sort();
  }

  /** Trials by status. */
  statusCounts(): StatusCounts {
    const c = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as StatusCounts;
    for (const r of this.rows) c[r.status]++;
    return c;
  }

  /** Trials table as an arquero table: id, status, final, best, best_step, steps, group, hp.<name>… */
  get trials(): ColumnTable {
    if (!this.trialsTable) {
      const cols: Record<string, unknown[]> = {
        id: this.rows.map((r) => r.id),
        status: this.rows.map((r) => r.status),
        final: this.rows.map((r) => r.final),
        best: this.rows.map((r) => r.best),
        best_step: this.rows.map((r) => r.bestStep),
        steps: this.rows.map((r) => r.steps),
        group: this.rows.map((r) => r.group),
      };
      for (const h of this.hyperparameters()) cols[`hp.${h}`] = this.rows.map((r) => r.hparams[h] ?? null);
      this.trialsTable = aq.table(cols);
    }
    return this.trialsTable;
  }

  /** Long measurements table: trial, step, metric, value (NaN/±Infinity kept). */
  get measurements(): ColumnTable {
    if (!this.measurementsTable) this.measurementsTable = aq.table({ ...this.cols });
    return this.measurementsTable;
  }

  private curveIndex(): Map<string, Map<string, number[]>> {
    if (!this.index) {
      const idx = new Map<string, Map<string, number[]>>();
      const { trial, metric } = this.cols;
      for (let i = 0; i < trial.length; i++) {
        let m = idx.get(trial[i]!);
        if (!m) idx.set(trial[i]!, (m = new Map()));
        let a = m.get(metric[i]!);
        if (!a) m.set(metric[i]!, (a = []));
        a.push(i);
      }
      this.index = idx;
    }
    return this.index;
  }

  /** The curve of one metric of one trial, sorted by step (empty when absent). */
  curve(trial: string, metric: string = this.objective.metric): Curve {
    const ids = this.curveIndex().get(trial)?.get(metric) ?? [];
    const pairs = ids.map((i) => [this.cols.step[i]!, this.cols.value[i]!] as const);
    pairs.sort((a, b) => a[0] - b[0]);
    return { trial, metric, steps: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) };
  }

  /** Curves of a metric for every trial that has it (or the given trials). */
  curves(metric: string = this.objective.metric, trials?: string[]): Curve[] {
    const ids = trials ?? this.trialIds();
    return ids.map((t) => this.curve(t, metric)).filter((c) => c.steps.length > 0);
  }

  /** Metrics measured for one trial. */
  trialMetrics(trial: string): string[] {
    return [...(this.curveIndex().get(trial)?.keys() ?? [])].sort();
  }

  /** A study with only the trials for which `pred` is true (measurements follow). */
  filter(pred: (t: TrialRow) => boolean, name: string = this.name): Study {
    const rows = this.rows.filter(pred);
    const keep = new Set(rows.map((r) => r.id));
    const cols: MeasurementColumns = { trial: [], step: [], metric: [], value: [] };
    for (let i = 0; i < this.cols.trial.length; i++) {
      if (!keep.has(this.cols.trial[i]!)) continue;
      cols.trial.push(this.cols.trial[i]!);
      cols.step.push(this.cols.step[i]!);
      cols.metric.push(this.cols.metric[i]!);
      cols.value.push(this.cols.value[i]!);
    }
    return new Study({ name, objective: this.objective, space: this.space, trials: rows, measurements: cols, warnings: this.warnings, source: this.source });
  }

  /** Feasible trials (status complete or running) with a finite objective. */
  feasible(): TrialRow[] {
    return this.rows.filter((r) => !isInfeasible(r.status) && r.best !== null && Number.isFinite(r.best));
  }

  /** Trials whose status is diverged, failed or oom. */
  infeasible(): TrialRow[] {
    return this.rows.filter((r) => isInfeasible(r.status));
  }

  /** The `k` best feasible trials by their best objective value (ties keep load order). */
  topK(k: number, by: "best" | "final" = "best"): TrialRow[] {
    const dir = this.objective.direction;
    const ok = this.rows.filter((r) => !isInfeasible(r.status) && r[by] !== null && Number.isFinite(r[by]!));
    const sign = dir === "minimize" ? 1 : -1;
    return [...ok].sort((a, b) => sign * (a[by]! - b[by]!)).slice(0, k);
  }

  /** The best feasible trial, or undefined when there is none. */
  bestTrial(by: "best" | "final" = "best"): TrialRow | undefined {
    return this.topK(1, by)[0];
  }

  /** Split into one study per value of `key` (the trial's group, or a hyperparameter / attribute). */
  splitBy(key: (t: TrialRow) => string | null, objectiveFor?: (groupKey: string, trials: TrialRow[]) => Objective): Map<string, Study> {
    const groups = new Map<string, TrialRow[]>();
    for (const r of this.rows) {
      const k = key(r) ?? "(none)";
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(r);
    }
    const out = new Map<string, Study>();
    for (const [k, rows] of groups) {
      const ids = new Set(rows.map((r) => r.id));
      const sub = this.filter((r) => ids.has(r.id), `${this.name}/${k}`);
      const obj = objectiveFor?.(k, rows);
      out.set(k, obj ? sub.withObjective(obj) : sub);
    }
    return out;
  }

  /**
   * The same trials under another objective: final/best/bestStep are recomputed from the
   * measurements when the trials have curves of that metric, and kept otherwise.
   */
  withObjective(objective: Objective): Study {
    const rows = this.rows.map((r) => {
      const c = this.curve(r.id, objective.metric);
      if (c.steps.length === 0) return { ...r };
      const s = summarizeCurve(c.steps, c.values, objective.direction);
      return { ...r, final: s.final, best: s.best, bestStep: s.bestStep, steps: Math.max(r.steps ?? 0, s.lastStep) };
    });
    return new Study({ name: this.name, objective, space: this.space, trials: rows, measurements: this.cols, warnings: this.warnings, source: this.source });
  }

  /** Observed range and scale of each hyperparameter. */
  hparamSummaries(): HparamSummary[] {
    return this.hyperparameters().map((name) => summarizeHparam(name, this.rows, this.space));
  }

  /** Trials as plain objects: id, status, final, best, bestStep, steps, group and `hp.<name>` keys. */
  toRows(): Array<Record<string, unknown>> {
    const hs = this.hyperparameters();
    return this.rows.map((r) => {
      const o: Record<string, unknown> = safeRecord();
      o.id = r.id;
      o.status = r.status;
      o.final = r.final;
      o.best = r.best;
      o.bestStep = r.bestStep;
      o.steps = r.steps;
      o.group = r.group;
      for (const h of hs) o[`hp.${h}`] = r.hparams[h] ?? null;
      return o;
    });
  }

  /** Measurements joined to their trial's status and hyperparameters (long form). */
  joinCurves(metric?: string): ColumnTable {
    const m = metric ? this.measurements.filter(aq.escape((d: { metric: string }) => d.metric === metric)) : this.measurements;
    return m.join_left(this.trials.rename({ id: "trial" }), "trial");
  }

  /** All measurements as plain objects. */
  measurementRows(): Measurement[] {
    const { trial, step, metric, value } = this.cols;
    return trial.map((t, i) => ({ trial: t, step: step[i]!, metric: metric[i]!, value: value[i]! }));
  }
}

/** Final, best (direction-aware, finite only) and last step of a curve. */
export function summarizeCurve(steps: number[], values: number[], direction: Direction): { final: number | null; best: number | null; bestStep: number | null; lastStep: number; nonFinite: boolean } {
  let best: number | null = null;
  let bestStep: number | null = null;
  let nonFinite = false;
  let lastStep = -Infinity;
  let final: number | null = null;
  for (let i = 0; i < steps.length; i++) {
    const v = values[i]!;
    if (steps[i]! >= lastStep) {
      lastStep = steps[i]!;
      final = v;
    }
    if (!Number.isFinite(v)) {
      nonFinite = true;
      continue;
    }
    if (best === null || isBetter(v, best, direction)) {
      best = v;
      bestStep = steps[i]!;
    }
  }
  return { final, best, bestStep, lastStep: Number.isFinite(lastStep) ? lastStep : 0, nonFinite };
}

function summarizeHparam(name: string, rows: readonly TrialRow[], space?: SearchSpace): HparamSummary {
  const vals: HpValue[] = [];
  let missing = 0;
  for (const r of rows) {
    const v = r.hparams[name];
    if (v === null || v === undefined) missing++;
    else vals.push(v);
  }
  const distinctSet = new Set(vals);
  const numeric = vals.length > 0 && vals.every((v) => typeof v === "number");
  const declared = space?.params.find((p) => p.name === name);
  let min: number | null = null;
  let max: number | null = null;
  let scale: HparamSummary["scale"] = "categorical";
  if (numeric) {
    const nums = vals as number[];
    min = Math.min(...nums);
    max = Math.max(...nums);
    scale = min > 0 && max / min >= 100 ? "log" : "linear";
  }
  if (declared && (declared.type === "float" || declared.type === "int")) scale = declared.scale;
  else if (declared && declared.type === "categorical") scale = "categorical";
  const distinct = distinctSet.size;
  const summary: HparamSummary = { name, kind: numeric ? "numeric" : "categorical", min, max, distinct, scale, missing };
  if (!numeric || distinct <= 10) summary.values = [...distinctSet].slice(0, 20);
  return summary;
}
