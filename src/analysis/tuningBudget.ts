/**
 * Tuning budget per scientific value (playbook: "Designing the next round of experiments"):
 * scientific values are compared fairly only when each got a similar budget of nuisance-tuning
 * trials; a value with far fewer feasible trials may look worse only because it was tuned less.
 */
import type { Study } from "../study/study.js";
import { type Finding, finding } from "./finding.js";
import { isFeasibleRow, trialValue, valueLabel } from "./common.js";
import { scientificCandidates } from "./applicability.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";

/** Trials and feasible trials of one scientific value. */
export interface ValueBudget {
  value: string;
  trials: number;
  feasible: number;
}

export interface TuningBudgetResult {
  scientific: string;
  budgets: ValueBudget[];
  /** Most feasible trials of a value ÷ fewest (Infinity when a value has none). */
  ratio: number;
  findings: Finding[];
}

/** The options of `tuningBudget` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const tuningBudgetOptions = {
  by: commonOptions.by,
  scientific: option.string("the scientific hyperparameter (default: the first categorical one with 2–10 values)"),
  maxRatio: option.number("largest acceptable ratio of feasible trials between two values", { default: 2, min: 1 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(tuningBudgetOptions);

/**
 * Feasible trials per value of `scientific`, and whether the values got comparable budgets.
 *
 * @example
 * tuningBudget(study, "activation", { maxRatio: 2 }).budgets; // [{ value: "relu", trials: 340, feasible: 301 }, …]
 */
export function tuningBudget(study: Study, scientific: string, o: { maxRatio?: number; by?: "best" | "final" } = {}): TuningBudgetResult {
  const maxRatio = o.maxRatio ?? D.maxRatio;
  const by = new Map<string, ValueBudget>();
  for (const r of study.trialRows()) {
    const v = trialValue(r, scientific);
    if (v === null) continue;
    const key = valueLabel(v);
    const b = by.get(key) ?? { value: key, trials: 0, feasible: 0 };
    b.trials++;
    if (isFeasibleRow(r, o.by ?? D.by)) b.feasible++;
    by.set(key, b);
  }
  const budgets = [...by.values()].sort((a, b) => b.feasible - a.feasible || a.value.localeCompare(b.value));
  const most = budgets[0]?.feasible ?? 0;
  const least = budgets[budgets.length - 1]?.feasible ?? 0;
  const ratio = least > 0 ? most / least : Infinity;
  const evidence = { scientific, ratio, maxRatio, most: budgets[0]?.value, least: budgets[budgets.length - 1]?.value, budgets };
  const findings =
    ratio > maxRatio
      ? [finding("warn", "tuning_budget.unequal", `${scientific} = ${budgets[budgets.length - 1]!.value} had ${least} feasible trials, ${budgets[0]!.value} had ${most} (${ratio === Infinity ? "none vs some" : `${ratio.toFixed(1)}×`}): the values were not tuned with comparable budgets, so the comparison may favour the better-tuned one. Give each value a similar number of trials.`, evidence)]
      : [finding("info", "tuning_budget.equal", `Each value of ${scientific} had ${least}–${most} feasible trials (within ${maxRatio}×): comparable tuning budgets.`, evidence)];
  return { scientific, budgets, ratio, findings };
}

export const tuningBudgetAnalysis = defineAnalysis({
  name: "tuningBudget",
  summary: "tuning budget per scientific value: did each value get a comparable number of feasible trials?",
  positional: "scientific",
  options: tuningBudgetOptions,
  applies: (s, o) => (o.scientific ?? scientificCandidates(s)[0]) !== undefined ? true : "no scientific hyperparameter (pass one)",
  run: (s, o) => tuningBudget(s, o.scientific ?? scientificCandidates(s)[0]!, o),
  table: (r) => r.budgets.map((b) => ({ [r.scientific]: b.value, trials: b.trials, feasible: b.feasible })),
});
