/**
 * The Adam tuning budget checked against a loaded study: which of learning rate, β1, ε, β2 it
 * varies, and whether that is more than its number of configurations supports. The rule itself
 * (`adamBudgetAdvice`) is part of study design and lives in space/adamBudget.ts.
 */
import { SEED_LIKE } from "../core/values.js";
import { finding, type Finding } from "../core/findings.js";
import { ADAM_HYPERPARAMETERS, adamBudgetAdvice, type AdamBudgetAdvice, type AdamHyperparameter } from "../space/adamBudget.js";
import { mixesSearchSpaces } from "./applicability.js";
import { defineAnalysis } from "./registry.js";
import type { Study } from "../study/study.js";

export { ADAM_BETA2_THRESHOLD, ADAM_DEFAULTS, ADAM_HYPERPARAMETERS, adamBudgetAdvice, type AdamBudgetAdvice, type AdamHyperparameter } from "../space/adamBudget.js";

/** Names a log may use for each Adam hyperparameter (case-insensitive, `hp.`/`optimizer.` prefixes ignored). */
const ADAM_NAMES: Record<AdamHyperparameter, RegExp> = {
  learning_rate: /(^|[._/])(learning_rate|lr|base_lr)$/i,
  beta1: /(^|[._/])(beta_?1|one_minus_beta_?1|b1)$/i,
  beta2: /(^|[._/])(beta_?2|one_minus_beta_?2|b2)$/i,
  epsilon: /(^|[._/])(epsilon|eps|adam_eps)$/i,
};

/** What a study actually tunes among Adam's hyperparameters, compared with the budget advice. */
export interface AdamBudgetCheck extends AdamBudgetAdvice {
  /** Adam hyperparameters that vary in the study, by playbook name → the study's hyperparameter name. */
  tuned: Partial<Record<AdamHyperparameter, string>>;
  /** Tuned although the budget says keep fixed. */
  overTuned: AdamHyperparameter[];
}

/**
 * Check a study against the Adam budget rule: which of learning rate, β1, ε, β2 it varies, and
 * whether it tunes more of them than its budget supports (`adam.over_tuned`). The budget is the number
 * of distinct configurations (seed-like keys ignored), since repeats of one point explore nothing. Returns null when
 * the study varies no Adam-specific hyperparameter (β1, β2 or ε), i.e. the rule does not apply.
 *
 * @example
 * adamBudgetCheck(study)?.overTuned; // ["epsilon", "beta2"] for a 12-trial study that tunes all four
 */
export function adamBudgetCheck(study: { size: number; hyperparameters(): string[]; trialRows(): ReadonlyArray<{ hparams: Record<string, unknown> }> }): AdamBudgetCheck | null {
  const tuned: Partial<Record<AdamHyperparameter, string>> = {};
  for (const h of study.hyperparameters()) {
    const distinct = new Set(study.trialRows().map((r) => r.hparams[h] ?? null).filter((v) => v !== null));
    if (distinct.size < 2) continue;
    for (const a of ADAM_HYPERPARAMETERS) if (!tuned[a] && ADAM_NAMES[a].test(h)) tuned[a] = h;
  }
  if (!tuned.beta1 && !tuned.beta2 && !tuned.epsilon) return null;
  // The budget is the number of distinct configurations tried: seed repeats of one point do not explore.
  const configs = new Set(
    study.trialRows().map((r) =>
      JSON.stringify(
        Object.keys(r.hparams)
          .filter((k) => !SEED_LIKE.test(k))
          .sort()
          .map((k) => [k, r.hparams[k] ?? null]),
      ),
    ),
  ).size;
  const advice = adamBudgetAdvice(configs);
  const overTuned = ADAM_HYPERPARAMETERS.filter((a) => tuned[a] && advice.fixed.includes(a));
  const tunedNames = ADAM_HYPERPARAMETERS.filter((a) => tuned[a]);
  const findings: Finding[] = [];
  if (overTuned.length === 0)
    findings.push(
      finding("info", "adam.budget", `This study tunes ${tunedNames.map((a) => tuned[a]).join(", ")} over ${configs} distinct configuration(s): within the playbook's Adam budget (${advice.rule}).`, {
        trials: study.size,
        configurations: configs,
        tuned,
        advised: advice.tune,
      }),
    );
  else
    findings.push(
      finding("warn", "adam.over_tuned", `This study tunes ${overTuned.map((a) => tuned[a]).join(", ")} over only ${configs} distinct configuration(s) (${study.size} trials); the playbook's budget rule says to keep ${overTuned.join(", ")} fixed at this budget (${advice.rule}) and spend the trials on ${advice.tune.join(", ")}.`, {
        trials: study.size,
        configurations: configs,
        tuned,
        overTuned,
        advised: advice.tune,
      }),
    );
  return { ...advice, findings, tuned, overTuned };
}

/** The Adam budget check as the tools run it (see ./registry.ts). */
export const adamBudgetAnalysis = defineAnalysis({
  name: "adamBudget",
  summary: "Adam tuning budget: does the study tune more of learning rate, β1, ε, β2 than its number of configurations supports?",
  options: {},
  applies: (s: Study) => (mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space" : adamBudgetCheck(s) === null ? "no Adam-specific hyperparameter (β1, β2 or ε) varies" : true),
  run: (s: Study) => adamBudgetCheck(s)!,
});
