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
 */
import { finding, type Finding } from "./finding.js";
import { SEED_LIKE } from "./trialVariance.js";

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
