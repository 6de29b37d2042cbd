/**
 * Facts about a study that decide which analyses apply to it (used by the analysis definitions'
 * `applies` and by the review): which hyperparameters vary, how many trials are feasible, whether
 * the trials come from several submissions, each with its own search space, which hyperparameters look scientific.
 */
import type { Study } from "../study/study.js";
import { type ObjectiveBy, hparamScale, isFeasibleRow, trialValue } from "./common.js";

/**
 * Feasible trials of a study (status and objective).
 *
 * @example
 * feasibleCount(study); // 47
 */
export function feasibleCount(study: Study, by: ObjectiveBy = "best"): number {
  return study.trialRows().filter((r) => isFeasibleRow(r, by)).length;
}

/**
 * Hyperparameters that take at least two values over the trials.
 *
 * @example
 * varyingHparams(study); // ["learning_rate", "activation"]
 */
export function varyingHparams(study: Study): string[] {
  return study.hyperparameters().filter((h) => new Set(study.trialRows().map((r) => r.hparams[h] ?? null)).size > 1);
}

/**
 * True when the trials come from several submissions/algorithms (e.g. one AlgoPerf workload across
 * teams): each has its own search space, so search-space analyses (boundaries, study variance,
 * importance, Adam budget) would mix unrelated spaces and are not run on the mix.
 *
 * @example
 * mixesSearchSpaces(study); // false for a single tuning study
 */
export function mixesSearchSpaces(study: Study): boolean {
  for (const a of ["submission", "algorithm"]) {
    const vals = new Set<unknown>();
    for (const r of study.trialRows()) {
      const v = r.attrs[a];
      if (typeof v === "string") vals.add(v);
      if (vals.size > 1) return true;
    }
  }
  return false;
}

/**
 * The scientific hyperparameters a review compares when none is given: categorical hyperparameters
 * (or `submission`/`optimizer`-style attributes) with 2–10 values.
 *
 * @example
 * scientificCandidates(study); // ["activation", "model"]
 */
export function scientificCandidates(study: Study): string[] {
  const out: string[] = [];
  for (const h of varyingHparams(study)) {
    if (hparamScale(study, h) !== "categorical") continue;
    const vals = study.trialRows().map((r) => r.hparams[h] ?? null).filter((v) => v !== null);
    const n = new Set(vals).size;
    // Used by (nearly) every trial: a hyperparameter of one submission among several is not a study-wide question.
    if (n >= 2 && n <= 10 && vals.length >= 0.9 * study.size) out.push(h);
  }
  for (const a of ["submission", "algorithm", "optimizer"]) {
    if (out.includes(a)) continue;
    if (study.hyperparameters().includes(a)) continue; // a hyperparameter: judged above by its coverage
    const n = new Set(study.trialRows().map((r) => trialValue(r, a)).filter((v) => v !== null)).size;
    if (n >= 2 && n <= 20) out.push(a);
  }
  return out;
}
