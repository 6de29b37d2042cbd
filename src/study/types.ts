/** Core value types of the study model. See DESIGN.md "Concepts". */

/**
 * Status of a trial. `diverged`, `failed` and `oom` are the infeasible statuses. `pruned` is a
 * trial its tuner stopped early on purpose (Optuna's PRUNED): it ran correctly, so it is feasible,
 * and its objective is the last value it reported.
 */
export type TrialStatus = "complete" | "pruned" | "diverged" | "failed" | "oom" | "running";
export const TRIAL_STATUSES: readonly TrialStatus[] = ["complete", "pruned", "diverged", "failed", "oom", "running"];
export const INFEASIBLE_STATUSES: readonly TrialStatus[] = ["diverged", "failed", "oom"];

export type Direction = "minimize" | "maximize";

/** What a study optimizes: one metric and its direction. */
export interface Objective {
  metric: string;
  direction: Direction;
}

/** A hyperparameter value as loaded. `null` means "not used by this trial" (inactive/conditional). */
export type HpValue = number | string | boolean | null;

/** One trial as a plain object (a row of the trials table, hyperparameters gathered). */
export interface TrialRow {
  id: string;
  status: TrialStatus;
  /** Null-prototype object: keys such as `__proto__` are plain keys here. */
  hparams: Record<string, HpValue>;
  /** Objective at the last recorded step (or the value the log reports as final). */
  final: number | null;
  /** Best objective over the trial, in the objective's direction (non-finite values ignored). */
  best: number | null;
  /** Step at which `best` was reached. */
  bestStep: number | null;
  /** Last step recorded (training length). */
  steps: number | null;
  /** Optional grouping label (e.g. AlgoPerf `study_2/imagenet_resnet_jax`, or a workload). */
  group: string | null;
  /** Anything else the log said about the trial (seed, team, error message…). */
  attrs: Record<string, unknown>;
}

/** One measurement: metric value of a trial at a step. NaN and ±Infinity are kept. */
export interface Measurement {
  trial: string;
  step: number;
  metric: string;
  value: number;
}

/** A problem found while loading. Loaders collect these instead of throwing where data can be kept. */
export interface LoadIssue {
  severity: "warn" | "error";
  file: string;
  /** 1-based line (text formats) or record index (binary formats). */
  line?: number;
  field?: string;
  message: string;
}

/** Raised when nothing sensible can be loaded. The CLI prints `message` without a stack trace. */
export class TunebookError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(formatLocation({ file, line, field }) + message);
    this.name = "TunebookError";
  }
}

/** `file:line: field "x": ` prefix used by every error and warning. */
export function formatLocation(loc: { file?: string; line?: number; field?: string }): string {
  let s = "";
  if (loc.file) s += loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (s) s += ": ";
  if (loc.field) s += `field "${loc.field}": `;
  return s;
}

export function formatIssue(issue: LoadIssue): string {
  return `${issue.severity}: ${formatLocation(issue)}${issue.message}`;
}

/** A record with no prototype, so user keys like `__proto__` or `constructor` are plain data. */
export function safeRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** True for statuses that count as infeasible (diverged, failed, oom). */
export function isInfeasible(status: TrialStatus): boolean {
  return status === "diverged" || status === "failed" || status === "oom";
}

/** Is `a` better than `b` in `direction`? Non-finite values are never better. */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  if (!Number.isFinite(a)) return false;
  if (!Number.isFinite(b)) return true;
  return direction === "minimize" ? a < b : a > b;
}
