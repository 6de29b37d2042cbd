/**
 * Adam tuning budget (playbook FAQ "How should Adam's hyperparameters be tuned?"):
 *
 * > - If < 10 trials in a study, only tune the (base) learning rate.
 * > - If 10-25 trials, tune learning rate and β1.
 * > - If 25+ trials, tune the learning rate, β1 and ε.
 * > - If one can run substantially more than 25 trials, additionally tune β2.
 *
 * The text overlaps at 25 ("10-25" and "25+"); we read 25 as the top of the β1 band, so ε starts
 * at 26. "Substantially more than 25" has no number in the playbook: we use more than
 * {@link ADAM_BETA2_THRESHOLD} (= 50, twice the ε threshold) by default, configurable.
 *
 * This module is the rule itself (study design uses it); the check of a loaded study against it is
 * `adamBudgetCheck` in analysis/adamBudget.ts.
 */
import { finding, type Finding } from "../core/findings.js";

/** Adam hyperparameters, in the order the playbook adds them to a study. */
export type AdamHyperparameter = "learning_rate" | "beta1" | "epsilon" | "beta2";

export const ADAM_HYPERPARAMETERS: readonly AdamHyperparameter[] = ["learning_rate", "beta1", "epsilon", "beta2"];

/** Default number of trials above which β2 is tuned too ("substantially more than 25"). */
export const ADAM_BETA2_THRESHOLD = 50;

export interface AdamBudgetAdvice {
  /** Trials in the study the advice is for. */
  trials: number;
  /** Hyperparameters worth tuning (nuisance) at this budget, in the playbook's order. */
  tune: AdamHyperparameter[];
  /** Hyperparameters to keep fixed (e.g. at Adam's defaults β1=0.9, β2=0.999, ε=1e-8). */
  fixed: AdamHyperparameter[];
  /** Which playbook rule applied, in its words. */
  rule: string;
  findings: Finding[];
}

/** Adam's usual defaults, for the hyperparameters the advice says to keep fixed. */
export const ADAM_DEFAULTS: Readonly<Record<Exclude<AdamHyperparameter, "learning_rate">, number>> = {
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

/**
 * Which Adam hyperparameters to tune for a study of `trials` trials.
 *
 * @example
 * adamBudgetAdvice(8).tune   // ["learning_rate"]
 * adamBudgetAdvice(20).tune  // ["learning_rate", "beta1"]
 * adamBudgetAdvice(40).tune  // ["learning_rate", "beta1", "epsilon"]
 * adamBudgetAdvice(200).tune // ["learning_rate", "beta1", "epsilon", "beta2"]
 */
export function adamBudgetAdvice(trials: number, opts: { beta2Threshold?: number } = {}): AdamBudgetAdvice {
  const beta2Threshold = opts.beta2Threshold ?? ADAM_BETA2_THRESHOLD;
  let count: number;
  let rule: string;
  if (!(trials >= 10)) {
    count = 1;
    rule = "If < 10 trials in a study, only tune the (base) learning rate.";
  } else if (trials <= 25) {
    count = 2;
    rule = "If 10-25 trials, tune learning rate and β1.";
  } else if (trials <= beta2Threshold) {
    count = 3;
    rule = "If 25+ trials, tune the learning rate, β1 and ε.";
  } else {
    count = 4;
    rule = `If one can run substantially more than 25 trials (here > ${beta2Threshold}), additionally tune β2.`;
  }
  const tune = ADAM_HYPERPARAMETERS.slice(0, count);
  const fixed = ADAM_HYPERPARAMETERS.slice(count);
  const message =
    `With ${trials} trials, tune ${tune.join(", ")}` +
    (fixed.length ? `; keep ${fixed.join(", ")} fixed (playbook: ${rule})` : ` (playbook: ${rule})`);
  return {
    trials,
    tune,
    fixed,
    rule,
    findings: [finding("info", "adam.budget", message, { trials, tune, fixed, beta2Threshold })],
  };
}
