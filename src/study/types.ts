/** Core value types of the study model. See DESIGN.md "Concepts". */
import { formatLocation } from "../core/locations.js";
import type { HpValue } from "../core/values.js";

// Shared with space/ and analysis/: defined in core/, re-exported here for the study-side import path.
export { TunebookError } from "../core/errors.js";
export { formatLocation, type Location } from "../core/locations.js";
export { type HpValue, safeRecord } from "../core/values.js";

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
  /**
   * The issue is the file's last line, which has no newline yet: a writer may be in the middle
   * of it. `watchStudy` holds such an issue back until the line stays the same at two loads.
   */
  openLastLine?: boolean;
}

export function formatIssue(issue: LoadIssue): string {
  return `${issue.severity}: ${formatLocation(issue)}${issue.message}`;
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
