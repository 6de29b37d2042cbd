/**
 * Study design (playbook "Designing the next round of experiments"): every value (or
 * combination of values) of the scientific hyperparameters is paired with the *same*
 * quasi-random points of the nuisance hyperparameters, so the comparison between scientific
 * values is fair; fixed hyperparameters are filled in. When the optimizer is Adam, the playbook's
 * Adam budget advice is applied to the trials available per scientific value.
 */
import { adamBudgetAdvice, ADAM_DEFAULTS, type AdamBudgetAdvice, type AdamHyperparameter } from "./adamBudget.js";
import { finding, type Finding } from "../core/findings.js";
import { TunebookError } from "../core/errors.js";
import { safeRecord, type HpValue } from "../core/values.js";
import { haltonPoints } from "./halton.js";
import { counterUniform } from "./prng.js";
import { activeRecord, compileSpace, mapUnit, type Trial } from "./sample.js";
import type { Param, SearchSpace } from "./spec.js";

export interface DesignOptions {
  space: SearchSpace;
  /** Scientific hyperparameters (default: the parameters whose role is "scientific"). */
  scientific?: string[];
  /** Total number of trials available. */
  budget: number;
  seed?: number;
  /** Values to compare for a scientific parameter (required for floats and wide int ranges). */
  values?: Record<string, HpValue[]>;
  /** Values for parameters with role "fixed" but a range (default: the parameter's `default`). */
  fixed?: Record<string, HpValue>;
  /** Nuisance sampler (default "halton"). */
  sampler?: "halton" | "random";
  scramble?: boolean;
  /** Is the optimizer Adam? Default "auto": an `optimizer` parameter with an Adam value, or beta/epsilon parameters. */
  adam?: boolean | "auto";
  /** Fix the Adam hyperparameters that the budget advice says not to tune (at `default` or Adam's default). */
  applyAdamAdvice?: boolean;
}

export interface DesignedTrial {
  /** Position in the plan (run order). */
  trial: number;
  /** Index into `combinations`. */
  combination: number;
  /** Index of the shared nuisance point (the same for every combination). */
  nuisanceIndex: number;
  hparams: Trial;
}

export interface StudyDesign {
  scientific: string[];
  nuisance: string[];
  fixed: string[];
  /** Scientific values of each combination. */
  combinations: Trial[];
  trialsPerCombination: number;
  /** Nuisance-major order: nuisance point 0 for every combination, then point 1, … so any prefix stays balanced. */
  trials: DesignedTrial[];
  /** Budget left over (budget − combinations × trialsPerCombination). */
  unused: number;
  /** Present when the optimizer is Adam: the advice for `trialsPerCombination` trials. */
  adam?: AdamBudgetAdvice;
  findings: Finding[];
}

const ADAM_NAMES: Record<AdamHyperparameter, RegExp> = {
  learning_rate: /^(learning_rate|learning-rate|lr|base_lr|base_learning_rate)$/i,
  beta1: /^(adam_)?(beta_?1|b1)$/i,
  beta2: /^(adam_)?(beta_?2|b2)$/i,
  epsilon: /^(adam_)?(eps|epsilon)$/i,
};

/** The space parameter playing Adam hyperparameter `hp`, by its usual names. */
function adamParam(space: SearchSpace, hp: AdamHyperparameter): Param | undefined {
  return space.params.find((p) => ADAM_NAMES[hp].test(p.name));
}

function isAdamSpace(space: SearchSpace): boolean {
  const opt = space.params.find((p) => /optimi[sz]er/i.test(p.name));
  const adamish = (v: unknown) => typeof v === "string" && /adam/i.test(v);
  if (opt && (opt.type === "categorical" ? opt.values.some(adamish) : opt.type === "fixed" && adamish(opt.value))) return true;
  return adamParam(space, "beta1") !== undefined || adamParam(space, "beta2") !== undefined;
}

function scientificValues(p: Param, given: HpValue[] | undefined): HpValue[] {
  if (given) {
    if (!given.length) throw new TunebookError(`values for scientific parameter "${p.name}" are empty`);
    return given;
  }
  switch (p.type) {
    case "categorical":
    case "discrete":
      return [...p.values];
    case "int":
      if (p.high - p.low + 1 <= 20) return Array.from({ length: p.high - p.low + 1 }, (_, k) => p.low + k);
      break;
    case "fixed":
      throw new TunebookError(`"${p.name}" is fixed (type fixed) and cannot be scientific`);
    default:
      break;
  }
  throw new TunebookError(
    `scientific parameter "${p.name}" is a ${p.type} range: give the values (or bucket centres) to compare, e.g. values: {${p.name}: [..]}`,
  );
}

/**
 * Plan a study: each scientific combination gets the same `floor(budget / combinations)`
 * quasi-random nuisance points.
 *
 * @example
 * const plan = designStudy({ space, scientific: ["optimizer"], budget: 40, seed: 1 });
 * plan.trialsPerCombination; // 20 when optimizer ∈ {adam, sgd}
 * plan.trials[0].hparams;    // {learning_rate: …, optimizer: "adam", beta1: …, weight_decay: 0}
 */
export function designStudy(opts: DesignOptions): StudyDesign {
  const { space, budget } = opts;
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(budget) || budget < 1) throw new TunebookError(`budget must be a positive integer, not ${budget}`);
  const c = compileSpace(space);
  const byName = new Map(space.params.map((p) => [p.name, p]));
  const findings: Finding[] = [];
  const scientific = opts.scientific ?? space.params.filter((p) => p.role === "scientific").map((p) => p.name);
  for (const s of scientific) {
    if (!byName.has(s)) throw new TunebookError(`unknown scientific parameter "${s}" (parameters: ${[...byName.keys()].join(", ")})`);
  }
  for (const name of Object.keys(opts.values ?? {})) {
    if (!scientific.includes(name)) throw new TunebookError(`values given for "${name}", which is not scientific in this design`);
  }
  const sciSet = new Set(scientific);
  // Roles in this design.
  const role = new Map<string, "scientific" | "nuisance" | "fixed">();
  for (const p of space.params) {
    if (sciSet.has(p.name)) role.set(p.name, "scientific");
    else if (p.type === "fixed" || p.role === "fixed") role.set(p.name, "fixed");
    else {
      role.set(p.name, "nuisance");
      if (p.role === "scientific") {
        findings.push(
          finding("info", "design.scientific_as_nuisance", `${p.name} is declared scientific but is not compared in this design; it is tuned as a nuisance hyperparameter.`, {
            param: p.name,
          }),
        );
      }
    }
  }
  const fixedValue = new Map<string, HpValue>();
  const resolveFixed = (p: Param): HpValue => {
    if (p.type === "fixed") return p.value;
    const v = opts.fixed?.[p.name] ?? p.default;
    if (v === undefined) throw new TunebookError(`"${p.name}" has role fixed but a ${p.type} range: give its value with \`default\` in the space or in the design's fixed values`);
    return v;
  };

  for (const p of space.params) if (role.get(p.name) === "fixed") fixedValue.set(p.name, resolveFixed(p));

  // Combinations of scientific values (first scientific parameter varies slowest), one per
  // distinct set of *active* scientific values (a nuisance parent counts as active).
  const sciParams = scientific.map((s) => byName.get(s)!);
  const lists = sciParams.map((p) => scientificValues(p, opts.values?.[p.name]));
  let combos: HpValue[][] = [[]];
  for (const list of lists) combos = combos.flatMap((cmb) => list.map((v) => [...cmb, v]));
  const combinations: Trial[] = [];
  const keptCombos: HpValue[][] = [];
  const comboKeys = new Set<string>();
  for (const cmb of combos) {
    const on = new Uint8Array(space.params.length);
    for (const i of c.order) {
      const p = space.params[i]!;
      const par = c.parentOf[i]!;
      if (par < 0 || !p.condition) on[i] = 1;
      else {
        const parent = space.params[par]!;
        const r = role.get(parent.name);
        const pv = r === "scientific" ? cmb[scientific.indexOf(parent.name)]! : r === "fixed" ? fixedValue.get(parent.name)! : undefined;
        on[i] = on[par] && (pv === undefined || (p.condition.in as HpValue[]).includes(pv)) ? 1 : 0;
      }
    }
    const sci = safeRecord<HpValue>();
    for (const s of scientific) if (on[space.params.indexOf(byName.get(s)!)]) sci[s] = cmb[scientific.indexOf(s)]!;
    const key = JSON.stringify(scientific.map((s) => (s in sci ? sci[s] : "\u0000inactive")));
    if (comboKeys.has(key)) continue;
    comboKeys.add(key);
    combinations.push(sci);
    keptCombos.push(cmb);
  }
  const C = keptCombos.length;
  const perCombo = Math.floor(budget / C);
  if (perCombo < 1) throw new TunebookError(`budget ${budget} is smaller than the ${C} scientific combinations: raise the budget or compare fewer values`);

  // Adam budget advice, applied to the trials each scientific value gets.
  const adamOn = opts.adam === undefined || opts.adam === "auto" ? isAdamSpace(space) : opts.adam;
  let adam: AdamBudgetAdvice | undefined;
  if (adamOn) {
    adam = adamBudgetAdvice(perCombo);
    findings.push(...adam.findings);
    for (const hp of adam.fixed) {
      const p = adamParam(space, hp);
      if (!p || role.get(p.name) !== "nuisance") continue;
      if (opts.applyAdamAdvice) {
        role.set(p.name, "fixed");
        const dflt = hp === "learning_rate" ? undefined : ADAM_DEFAULTS[hp];
        let v = p.default ?? dflt ?? null;
        if (typeof v === "number" && (p.type === "float" || p.type === "int")) v = Math.min(p.high, Math.max(p.low, v));
        fixedValue.set(p.name, v);
        findings.push(finding("info", "adam.fixed_by_budget", `${p.name} is fixed at ${v}: with ${perCombo} trials per scientific value the playbook does not tune it.`, { param: p.name, value: v, trials: perCombo }));
      } else {
        findings.push(
          finding("warn", "adam.over_budget", `${p.name} is tuned, but with ${perCombo} trials per scientific value the playbook tunes only ${adam.tune.join(", ")}: consider fixing it (applyAdamAdvice) or raising the budget.`, {
            param: p.name,
            trials: perCombo,
            tune: adam.tune,
          }),
        );
      }
    }
    for (const hp of adam.tune) {
      const p = adamParam(space, hp);
      if (!p || role.get(p.name) === "fixed") {
        findings.push(finding("info", "adam.could_tune", `The budget (${perCombo} trials per scientific value) allows tuning ${hp} as well.`, { hyperparameter: hp, trials: perCombo }));
      }
    }
  }

  const nuisanceIdx = space.params.map((_, i) => i).filter((i) => role.get(space.params[i]!.name) === "nuisance");
  const D = nuisanceIdx.length;
  const sampler = opts.sampler ?? "halton";
  const pts =
    sampler === "random"
      ? Float64Array.from({ length: perCombo * D }, (_, k) => counterUniform(seed, Math.floor(k / D), k % D))
      : haltonPoints(perCombo, D, { seed, scramble: opts.scramble });

  const trials: DesignedTrial[] = [];
  for (let j = 0; j < perCombo; j++) {
    for (let k = 0; k < keptCombos.length; k++) {
      const cmb = keptCombos[k]!;
      const vals: HpValue[] = space.params.map((p, i) => {
        const r = role.get(p.name);
        if (r === "scientific") return cmb[scientific.indexOf(p.name)]!;
        if (r === "fixed") return fixedValue.get(p.name)!;
        return mapUnit(p, pts[j * D + nuisanceIdx.indexOf(i)]!);
      });
      trials.push({ trial: trials.length, combination: k, nuisanceIndex: j, hparams: activeRecord(c, vals) });
    }
  }
  const unused = budget - keptCombos.length * perCombo;
  findings.push(
    finding("info", "design.plan", `${keptCombos.length} scientific combination(s) × ${perCombo} shared nuisance point(s) = ${trials.length} trials${unused ? ` (${unused} of the budget unused)` : ""}.`, {
      combinations: keptCombos.length,
      trialsPerCombination: perCombo,
      unused,
    }),
  );
  const names = (r: string) => space.params.filter((p) => role.get(p.name) === r).map((p) => p.name);
  return {
    scientific,
    nuisance: names("nuisance"),
    fixed: names("fixed"),
    combinations,
    trialsPerCombination: perCombo,
    trials,
    unused,
    adam,
    findings,
  };
}
