/**
 * Trial variance and adopting changes (playbook: "Determining whether to adopt a training pipeline
 * change or hyperparameter configuration"): the spread of one configuration retrained with different
 * seeds, and whether a candidate beats the baseline by more than that noise.
 */
import type { Study } from "../study/study.js";
import type { Direction, HpValue, TrialRow } from "../study/types.js";
import { TunebookError } from "../core/errors.js";
import { SEED_LIKE, safeRecord } from "../core/values.js";
import { type Finding, finding } from "./finding.js";
import { type ObjectiveBy, fmt, isFeasibleRow, meanStd, objectiveOf, trialValue } from "./common.js";
import { quantileSorted } from "../stats/quantileSorted.js";
import { welchTTest } from "../stats/welchTTest.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";

export { SEED_LIKE } from "../core/values.js";

export interface TrialVarianceOptions {
  /** Key identifying a configuration (default: its group without repeat segments such as `study_0`,
   *  its team/submission attributes, and every non-seed-like hyperparameter). */
  configKey?: (t: TrialRow) => string;
  /** Hyperparameters to ignore in the default key (default {@link SEED_LIKE}). */
  ignore?: RegExp | string[];
  /** Attributes that are part of a configuration's identity in the default key (default team, submission). */
  keyAttrs?: string[];
  /** Configurations with fewer repeats are listed but not used for the noise estimate (default 2). */
  minRepeats?: number;
  by?: ObjectiveBy;
}

/** Repeats of one configuration. */
export interface ConfigVariance {
  key: string;
  hparams: Record<string, HpValue>;
  group: string | null;
  trials: string[];
  /** Objective values of the feasible repeats. */
  values: number[];
  /** Repeats (all), and infeasible repeats. */
  count: number;
  infeasible: number;
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface TrialVarianceResult {
  configs: ConfigVariance[];
  /** Configurations with at least `minRepeats` feasible repeats. */
  repeated: number;
  /** Pooled standard deviation over repeated configurations: sqrt(Σ(n−1)s² / Σ(n−1)). */
  pooledStd: number | null;
  medianStd: number | null;
  /** Spread between configurations' means (their std), to compare with the seed noise. */
  betweenStd: number | null;
  findings: Finding[];
}

/** The options of `trialVariance` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const trialVarianceOptions = {
  by: commonOptions.by,
  minRepeats: option.int("repeats a configuration needs to count towards the noise estimate", { default: 2, min: 2 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(trialVarianceOptions);

/**
 * Group trials that share their hyperparameters (ignoring seed-like keys) and measure the spread of
 * each configuration's objective across repeats. Accepts a Study, or precomputed groups.
 *
 * @example
 * const tv = trialVariance(study);
 * tv.pooledStd;            // seed noise of one trial's result
 * tv.configs[0].values;    // the repeats of the first configuration
 */
export function trialVariance(input: Study | ReadonlyArray<{ key: string; values: number[] }>, options: TrialVarianceOptions = {}): TrialVarianceResult {
  const minRepeats = options.minRepeats ?? D.minRepeats;
  let configs: ConfigVariance[];
  if (Array.isArray(input)) {
    configs = (input as ReadonlyArray<{ key: string; values: number[] }>).map((g) => summarize(g.key, safeRecord(), null, [], g.values.filter(Number.isFinite), g.values.length));
  } else {
    const study = input as Study;
    const by = options.by ?? D.by;
    const ignore = options.ignore ?? SEED_LIKE;
    const skip = (k: string) => (ignore instanceof RegExp ? ignore.test(k) : ignore.includes(k));
    const keyAttrs = options.keyAttrs ?? ["team", "submission"];
    const keyOf = options.configKey ?? ((t: TrialRow) => JSON.stringify([repeatFreeGroup(t.group), keyAttrs.map((k) => (typeof t.attrs[k] === "string" ? t.attrs[k] : null)), Object.keys(t.hparams).filter((k) => !skip(k) && t.hparams[k] !== null).sort().map((k) => [k, t.hparams[k]])]));
    const groups = new Map<string, TrialRow[]>();
    for (const r of study.trialRows()) {
      const k = keyOf(r);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(r);
    }
    configs = [...groups].map(([k, rs]) => {
      const hp = safeRecord<HpValue>();
      for (const [h, v] of Object.entries(rs[0]!.hparams)) if (!skip(h)) hp[h] = v;
      const feas = rs.filter((r) => isFeasibleRow(r, by));
      return summarize(k, hp, rs[0]!.group, rs.map((r) => r.id), feas.map((r) => objectiveOf(r, by)!), rs.length);
    });
  }
  const rep = configs.filter((c) => c.n >= minRepeats);
  let num = 0;
  let den = 0;
  for (const c of rep) {
    num += (c.n - 1) * c.std ** 2;
    den += c.n - 1;
  }
  const pooledStd = den > 0 ? Math.sqrt(num / den) : null;
  const stds = rep.map((c) => c.std).sort((a, b) => a - b);
  const medianStd = stds.length ? quantileSorted(stds, 0.5) : null;
  const means = rep.map((c) => c.mean);
  const betweenStd = means.length >= 2 ? meanStd(means).std : null;
  const findings: Finding[] = [];
  if (pooledStd !== null && medianStd !== null) {
    findings.push(
      finding("info", "variance.trial", `Trial (seed) variance: ${rep.length} configuration(s) repeated; typical seed std ${fmt(medianStd)} (median over configurations; pooled ${fmt(pooledStd)}). Differences smaller than about ${fmt(2 * medianStd)} between single trials are within seed noise.`, {
        repeated: rep.length,
        pooledStd,
        medianStd,
        betweenStd,
        maxStd: stds.length ? stds[stds.length - 1] : null,
      }),
    );
    // Robust spread of the configurations' means (IQR / 1.349), against the typical seed std.
    const ms = [...means].sort((a, b) => a - b);
    const robustBetween = ms.length >= 4 ? (quantileSorted(ms, 0.75) - quantileSorted(ms, 0.25)) / 1.349 : betweenStd;
    if (robustBetween !== null && medianStd > 0 && robustBetween < medianStd)
      findings.push(
        finding("warn", "variance.configs_within_noise", `The repeated configurations differ by less than the seed noise (spread of their means ${fmt(robustBetween)} vs typical seed std ${fmt(medianStd)}): a single trial per configuration cannot rank them; compare means over repeats.`, { spreadOfMeans: robustBetween, betweenStd, medianStd, pooledStd, repeated: rep.length }),
      );
  }
  const unstable = configs.filter((c) => c.infeasible > 0 && c.infeasible < c.count);
  if (unstable.length > 0)
    findings.push(
      finding("warn", "variance.unstable_config", `${unstable.length} configuration(s) diverge or fail in some repeats but not others (e.g. ${unstable.slice(0, 3).map((c) => `${c.infeasible} of ${c.count} repeats of ${c.trials[0] ? `the configuration of ${c.trials[0]}` : shortKey(c)}`).join("; ")}): they sit on the edge of stability, and a single good run of them is luck.`, {
        configs: unstable.slice(0, 20).map((c) => ({ key: c.key, hparams: c.hparams, count: c.count, infeasible: c.infeasible, trials: c.trials })),
        count: unstable.length,
      }),
    );
  return { configs, repeated: rep.length, pooledStd, medianStd, betweenStd, findings };
}

/**
 * A trial's group without the segments that name a repeat (`study_0`, `seed-3`, `run_2`…): AlgoPerf
 * groups such as `study_1/imagenet_resnet_jax` hold the same configurations as `study_0/…`.
 */
function repeatFreeGroup(group: string | null): string | null {
  if (group === null) return null;
  return group
    .split("/")
    .filter((seg) => !/^(study|seed|run|repeat|rep|replicate)[_-]?\d+$/i.test(seg))
    .join("/");
}

/** The repeated study a trial belongs to: `attrs.study`, else a `study_<k>`-like group segment. */
function repeatStudyOf(t: TrialRow): string | null {
  if (typeof t.attrs.study === "string" && t.attrs.study) return t.attrs.study;
  return t.group?.split("/").find((seg) => /^(study|seed|run|repeat|rep|replicate)[_-]?\d+$/i.test(seg)) ?? null;
}

function shortKey(c: ConfigVariance): string {
  const hp = Object.entries(c.hparams).filter(([, v]) => v !== null);
  return hp.length ? hp.slice(0, 4).map(([k, v]) => `${k}=${typeof v === "number" ? fmt(v) : String(v)}`).join(", ") + (hp.length > 4 ? ", …" : "") : c.key;
}

function summarize(key: string, hparams: Record<string, HpValue>, group: string | null, trials: string[], values: number[], count: number): ConfigVariance {
  const { mean, std } = meanStd(values);
  return { key, hparams, group, trials, values, count, infeasible: count - values.length, n: values.length, mean, std, min: values.length ? Math.min(...values) : NaN, max: values.length ? Math.max(...values) : NaN };
}

export interface CompareOptions {
  direction: Direction;
  /** One-sided significance level (default 0.05). */
  alpha?: number;
  /** Names of the baseline and the candidate in messages (default "A" and "B"). */
  names?: { baseline: string; candidate: string };
}

export interface CompareResult {
  /** True when B is better than A and the one-sided Welch test rejects "no improvement" at alpha. */
  better: boolean;
  nA: number;
  nB: number;
  meanA: number;
  meanB: number;
  stdA: number;
  stdB: number;
  /** Improvement of B over A in the objective's direction (positive = B better). */
  improvement: number;
  /** Welch's t statistic (for the improvement) and its Welch–Satterthwaite degrees of freedom. */
  t: number;
  df: number;
  /** One-sided p-value of "B is not better than A". */
  pValue: number;
  /** Pooled standard deviation and the improvement in its units (Cohen's d). */
  pooledStd: number;
  effectSize: number;
  alpha: number;
  findings: Finding[];
}

/** The options of `compareTrials` as the registry offers them (the `adoption` analysis), with their defaults. */
const adoptionOptions = {
  by: commonOptions.by,
  key: option.string("hyperparameter or attribute whose values name the two arms (e.g. optimizer, submission)"),
  baseline: option.string("the baseline's value of --key"),
  candidate: option.string("the candidate's value of --key"),
  alpha: option.number("significance level", { default: 0.05, min: 0, max: 1 }),
  unit: option.choice(["trial", "study", "auto"], "one observation: a trial, or the best trial of each repeated study (auto: studies when both arms have several)", { default: "auto" }),
};
/** The one set of defaults of the adoption test, read by the direct calls and the registry alike. */
const DA = optionDefaults(adoptionOptions);

/**
 * Is candidate B better than baseline A beyond the seed noise? Welch's two-sample t-test (unequal
 * variances), one-sided in the objective's direction, plus the effect size against the pooled std.
 * The test is stats/welchTTest (simple-statistics has only the equal-variance statistic).
 *
 * @example
 * const c = compareToBaseline([0.71, 0.72, 0.70], [0.75, 0.76, 0.74], { direction: "maximize" });
 * c.better;  // true
 * c.pValue;  // ≈ 0.001
 */
export function compareToBaseline(a: readonly number[], b: readonly number[], options: CompareOptions): CompareResult {
  const alpha = options.alpha ?? DA.alpha;
  const A = a.filter(Number.isFinite);
  const B = b.filter(Number.isFinite);
  const sa = meanStd(A);
  const sb = meanStd(B);
  const nA = A.length;
  const nB = B.length;
  const sign = options.direction === "minimize" ? -1 : 1;
  const improvement = sign * (sb.mean - sa.mean);
  // One-sided in the objective's direction: "is B's improvement over A positive?"
  const { t, df, pValue } = sign > 0 ? welchTTest(A, B) : welchTTest(A.map((x) => -x), B.map((x) => -x));
  const pooledStd = nA + nB > 2 ? Math.sqrt(((nA - 1) * (nA > 1 ? sa.std ** 2 : 0) + (nB - 1) * (nB > 1 ? sb.std ** 2 : 0)) / (nA + nB - 2)) : NaN;
  const effectSize = pooledStd > 0 ? improvement / pooledStd : improvement === 0 ? 0 : sign * Infinity;
  const better = improvement > 0 && pValue < alpha;
  const evidence = { nA, nB, meanA: sa.mean, meanB: sb.mean, stdA: sa.std, stdB: sb.std, improvement, t, df, pValue, alpha, pooledStd, effectSize, test: "Welch t-test, one-sided" };
  const A_ = options.names?.baseline ?? "A";
  const B_ = options.names?.candidate ?? "B";
  const findings: Finding[] = [];
  if (Number.isNaN(pValue))
    findings.push(finding("warn", "adoption.not_significant", `Cannot measure seed noise: need at least 2 finite repeats of each (have ${nA} and ${nB}). Rerun both configurations with different seeds before adopting.`, evidence));
  else if (better)
    findings.push(finding("info", "adoption.better", `${B_} beats ${A_} by ${fmt(improvement)} (means ${fmt(sb.mean)} vs ${fmt(sa.mean)}), beyond the seed noise (Welch t = ${fmt(t)}, df = ${fmt(df)}, one-sided p = ${fmt(pValue)} < ${alpha}; ${fmt(effectSize)} pooled std). Adopt ${B_} as the new baseline if the gain outweighs any complexity it adds.`, evidence));
  else
    findings.push(finding("info", "adoption.not_significant", improvement > 0
        ? `${B_} is ahead of ${A_} by ${fmt(improvement)} (means ${fmt(sb.mean)} vs ${fmt(sa.mean)}), which is within the seed noise (Welch p = ${fmt(pValue)} ≥ ${alpha}; ${fmt(effectSize)} pooled std). Keep the baseline, or run more repeats.`
        : `${B_} does not beat ${A_}: it is behind by ${fmt(-improvement)} (means ${fmt(sb.mean)} vs ${fmt(sa.mean)}; Welch p = ${fmt(pValue)}). Keep the baseline.`, evidence));
  return { better, nA, nB, meanA: sa.mean, meanB: sb.mean, stdA: sa.std, stdB: sb.std, improvement, t, df, pValue, pooledStd, effectSize, alpha, findings };
}

export { studentTCdf } from "../stats/studentTCdf.js";

export interface CompareTrialsOptions {
  /** Hyperparameter or trial attribute whose values name the two arms (e.g. `optimizer`, `submission`). */
  key: string;
  baseline: string | number | boolean;
  candidate: string | number | boolean;
  alpha?: number;
  by?: ObjectiveBy;
  /**
   * What one observation is: a trial ("trial"), or the best trial of each repeated study ("study",
   * for arms that are whole tuning studies, e.g. AlgoPerf submissions run as study_0…study_4).
   * Default "auto": "study" when both arms span several configurations and several repeated studies.
   */
  unit?: "trial" | "study" | "auto";
}

/** {@link compareToBaseline} on the trials of a study selected by a key's value, with the trial ids. */
export interface CompareTrialsResult extends CompareResult {
  key: string;
  baseline: string;
  candidate: string;
  baselineTrials: string[];
  candidateTrials: string[];
  /** Infeasible trials of each arm (not in the test, reported). */
  baselineInfeasible: number;
  candidateInfeasible: number;
  unit: "trial" | "study";
}

/**
 * Is the candidate arm better than the baseline arm beyond seed noise? The arms are the trials whose
 * `key` (hyperparameter or attribute) equals `baseline` / `candidate`, typically repeats of two
 * configurations with different seeds.
 *
 * @example
 * compareTrials(study, { key: "optimizer", baseline: "momentum", candidate: "adam" }).better;
 */
export function compareTrials(study: Study, options: CompareTrialsOptions): CompareTrialsResult {
  const by = options.by ?? DA.by;
  const arm = (v: string | number | boolean) => study.trialRows().filter((t) => String(trialValue(t, options.key)) === String(v));
  const a = arm(options.baseline);
  const b = arm(options.candidate);
  if (a.length === 0 || b.length === 0)
    throw new TunebookError(`no trial has ${options.key} = ${a.length === 0 ? options.baseline : options.candidate}`, undefined, undefined, options.key);
  const feasible = (rs: TrialRow[]) => rs.filter((t) => isFeasibleRow(t, by)).map((t) => objectiveOf(t, by)!);
  const configs = (rs: TrialRow[]) => new Set(rs.map((t) => JSON.stringify(Object.keys(t.hparams).filter((k) => !SEED_LIKE.test(k)).sort().map((k) => [k, t.hparams[k]])))).size;
  const studies = (rs: TrialRow[]) => new Set(rs.map(repeatStudyOf).filter((k) => k !== null)).size;
  let unit = options.unit ?? DA.unit;
  if (unit === "auto") unit = configs(a) > 1 && configs(b) > 1 && studies(a) > 1 && studies(b) > 1 ? "study" : "trial";
  const dir = study.objective.direction;
  const studyBests = (rs: TrialRow[]) => {
    const best = new Map<string, number>();
    for (const t of rs) {
      const k = repeatStudyOf(t);
      if (k === null || !isFeasibleRow(t, by)) continue;
      const y = objectiveOf(t, by)!;
      const cur = best.get(k);
      if (cur === undefined || (dir === "minimize" ? y < cur : y > cur)) best.set(k, y);
    }
    return [...best.values()];
  };
  const ya = unit === "study" ? studyBests(a) : feasible(a);
  const yb = unit === "study" ? studyBests(b) : feasible(b);
  const c = compareToBaseline(ya, yb, { direction: dir, alpha: options.alpha, names: { baseline: String(options.baseline), candidate: String(options.candidate) } });
  const prefix = `${options.key}${unit === "study" ? " (best trial of each repeated study)" : ""}: `;
  const extra = { key: options.key, baseline: String(options.baseline), candidate: String(options.candidate), baselineTrials: a.map((t) => t.id), candidateTrials: b.map((t) => t.id), baselineInfeasible: a.length - feasible(a).length, candidateInfeasible: b.length - feasible(b).length, unit };
  const findings = c.findings.map((f) => ({ ...f, message: prefix + f.message, evidence: { ...f.evidence, key: options.key, baseline: extra.baseline, candidate: extra.candidate, unit, baselineInfeasible: extra.baselineInfeasible, candidateInfeasible: extra.candidateInfeasible } }));
  return { ...c, ...extra, findings };
}

/** Trial (seed) variance as the tools run it (see ./registry.ts). */
export const trialVarianceAnalysis = defineAnalysis({
  name: "trialVariance",
  summary: "trial variance: the spread of one configuration retrained with different seeds",
  options: trialVarianceOptions,
  applies: (s, o) => (trialVariance(s, o).repeated > 0 ? true : "no configuration was trained more than once (with different seeds)"),
  run: (s, o) => trialVariance(s, o),
});

/** Adopting a change: candidate vs baseline beyond seed noise, only when asked (see ./registry.ts). */
export const adoptionAnalysis = defineAnalysis({
  name: "adoption",
  summary: "is the candidate better than the baseline beyond seed noise (Welch t-test on their trials)?",
  options: adoptionOptions,
  applies: (s, o) => {
    if (o.key === undefined || o.baseline === undefined || o.candidate === undefined) return "asked for only: pass key, baseline and candidate";
    const has = (v: string) => s.trialRows().some((t) => String(trialValue(t, o.key!)) === v);
    return !has(o.baseline) ? `no trial has ${o.key} = ${o.baseline}` : !has(o.candidate) ? `no trial has ${o.key} = ${o.candidate}` : true;
  },
  run: (s, o) => compareTrials(s, { key: o.key!, baseline: o.baseline!, candidate: o.candidate!, alpha: o.alpha, by: o.by, unit: o.unit }),
});
