/**
 * Review: run every analysis that applies to a study and gather their findings, most severe first
 * (playbook: the questions to ask "before analyzing a given set of experiments").
 *
 * HOW TO ADD AN ANALYSIS: append one entry to {@link REVIEW_ANALYSES} (or call
 * {@link registerReviewAnalysis} from your module):
 *
 *   { name: "curves",                                   // key of its result in `review().results`
 *     applies: (study, opts) => study.measurementCount > 0,   // cheap check: does the study have what it needs?
 *     run: (study, opts) => curveDiagnostics(study, opts.analysis?.curves) }  // returns { findings, … }
 *
 * `run` gets the (per-group) study and the review options; analysis-specific options travel in
 * `opts.analysis[name]`. An analysis that throws is reported as a `review.analysis_failed` finding
 * instead of aborting the review.
 */
import type { Study } from "../study/study.js";
import type { Objective, TrialRow } from "../study/types.js";
import { adamBudgetCheck } from "./adamBudget.js";
import { axisPlotData } from "./axis.js";
import { bestOfNBootstrap } from "./bootstrap.js";
import { boundaries } from "./boundaries.js";
import { type ObjectiveBy, hparamScale, isFeasibleRow, trialValue } from "./common.js";
import { type Finding, finding, sortFindings } from "./finding.js";
import { importance } from "./importance.js";
import { fanova } from "./fanova.js";
import { infeasible } from "./infeasible.js";
import { isolation } from "./isolation.js";
import { defaultStudyKey, studyVariance } from "./studyVariance.js";
import { type CompareTrialsOptions, compareTrials, trialVariance } from "./trialVariance.js";
import { DYNAMICS_ANALYSES } from "./dynamicsReview.js";

export interface ReviewOptions {
  /** Per-trial objective: best over training (default) or final. */
  by?: ObjectiveBy;
  /** Scientific hyperparameter(s) for isolation and per-value boundary checks (default: see {@link scientificCandidates}). */
  scientific?: string | string[];
  /** Review each group separately (default "auto": when trials carry two or more groups). */
  split?: boolean | "auto";
  /** Group of a trial when splitting (default: `attrs.workload`, else `trial.group`). */
  groupKey?: (t: TrialRow) => string | null;
  /** Run only these analyses / skip these (by name). */
  only?: string[];
  skip?: string[];
  /** Seed and resamples for every resampling analysis (defaults 0 and 500). */
  seed?: number;
  resamples?: number;
  /** Analysis-specific options, by analysis name. */
  analysis?: Record<string, Record<string, unknown> | undefined>;
}

/** One analysis the review can run. */
export interface ReviewAnalysis {
  name: string;
  /** Does the study have what this analysis needs? */
  applies(study: Study, options: ReviewOptions): boolean;
  /** Why it does not apply (shown in the review's "not checked" list); default: a generic sentence. */
  why?(study: Study, options: ReviewOptions): string;
  /** Results may list checks they could not run in `notChecked` (e.g. one hyperparameter's edge check). */
  run(study: Study, options: ReviewOptions): { findings: Finding[]; notChecked?: Array<{ check?: string; reason: string }> };
}

/** A check the review could not run, and why: nothing is skipped silently. */
export interface NotChecked {
  analysis: string;
  /** The part that was not checked (a hyperparameter, a trial…), when only part of the analysis was skipped. */
  check?: string;
  reason: string;
  /** The group, in a split review. */
  group?: string;
}

export interface ReviewResult {
  study: string;
  objective: Objective;
  trials: number;
  /** All findings (of every group when split), most severe first. */
  findings: Finding[];
  /** Result of each analysis that ran, by name (unsplit review). */
  results: Record<string, { findings: Finding[] }>;
  /** Analyses that ran / did not apply. */
  ran: string[];
  skipped: string[];
  /** Every analysis or check that did not run, with the reason (analyses only asked for on request are not listed). */
  notChecked: NotChecked[];
  /** Per-group reviews when the study was split. */
  groups?: Record<string, ReviewResult>;
}

const opt = <T>(o: ReviewOptions, name: string): T => (o.analysis?.[name] ?? {}) as T;
const feasibleCount = (s: Study, o: ReviewOptions) => s.trialRows().filter((r) => isFeasibleRow(r, o.by ?? "best")).length;
/**
 * True when the trials come from several submissions/algorithms (e.g. one AlgoPerf workload across
 * teams): each has its own search space, so search-space analyses (boundaries, study variance,
 * importance, Adam budget) would mix unrelated spaces and are not run on the mix.
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
const varying = (s: Study) => s.hyperparameters().filter((h) => new Set(s.trialRows().map((r) => r.hparams[h] ?? null)).size > 1);

/**
 * The scientific hyperparameters a review compares when none is given: categorical hyperparameters
 * (or `submission`/`optimizer`-style attributes) with 2–10 values.
 *
 * @example
 * scientificCandidates(study); // ["activation", "model"]
 */
export function scientificCandidates(study: Study): string[] {
  const out: string[] = [];
  for (const h of varying(study)) {
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

function scientificOf(study: Study, o: ReviewOptions): string[] {
  if (o.scientific !== undefined) return Array.isArray(o.scientific) ? o.scientific : [o.scientific];
  return scientificCandidates(study);
}

/** Every analysis the review knows, in the order they run. Add yours here (see the module comment). */
export const REVIEW_ANALYSES: ReviewAnalysis[] = [
  { name: "infeasible", applies: (s) => s.size > 0, why: () => "the study has no trials", run: (s, o) => infeasible(s, { by: o.by, ...opt(o, "infeasible") }) },
  { name: "axis", applies: (s) => varying(s).length > 0, why: () => "no hyperparameter varies", run: (s, o) => axisPlotData(s, { by: o.by, ...opt(o, "axis") }) },
  {
    name: "boundaries",
    applies: (s, o) => !mixesSearchSpaces(s) && feasibleCount(s, o) >= 3 && varying(s).some((h) => hparamScale(s, h) !== "categorical"),
    why: (s, o) => (mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space" : feasibleCount(s, o) < 3 ? `only ${feasibleCount(s, o)} feasible trials (< 3)` : "no numeric hyperparameter varies"),
    run: (s, o) => {
      // Per scientific value only when the user named one (auto candidates would multiply findings).
      const named = o.scientific === undefined ? [] : Array.isArray(o.scientific) ? o.scientific : [o.scientific];
      const sci = named.find((h) => s.hyperparameters().includes(h));
      return boundaries(s, { by: o.by, ...(sci ? { perScientific: sci } : {}), ...opt(o, "boundaries") });
    },
  },
  {
    name: "isolation",
    applies: (s, o) => scientificOf(s, o).length > 0 && feasibleCount(s, o) >= 2,
    why: (s, o) => (scientificOf(s, o).length === 0 ? "no scientific hyperparameter (a categorical one with 2–10 values, or --scientific)" : `only ${feasibleCount(s, o)} feasible trial(s)`),
    run: (s, o) => {
      const per = scientificOf(s, o).map((sci) => isolation(s, { by: o.by, bootstrap: { resamples: o.resamples ?? 500, seed: o.seed ?? 0, level: 0.9 }, ...opt(o, "isolation"), scientific: sci }));
      return { findings: per.flatMap((r) => r.findings), byScientific: per };
    },
  },
  { name: "bootstrap", applies: (s, o) => !mixesSearchSpaces(s) && s.size >= 10 && feasibleCount(s, o) >= 2, why: (s) => (mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space" : `only ${s.size} trials (< 10)`), run: (s, o) => bestOfNBootstrap(s, { by: o.by, seed: o.seed ?? 0, resamples: o.resamples ?? 500, ...opt(o, "bootstrap") }) },
  {
    name: "trialVariance",
    applies: (s, o) => trialVariance(s, { by: o.by, ...opt(o, "trialVariance") }).repeated > 0,
    why: () => "no configuration was trained more than once (with different seeds)",
    run: (s, o) => trialVariance(s, { by: o.by, ...opt(o, "trialVariance") }),
  },
  {
    name: "studyVariance",
    applies: (s) => new Set(s.trialRows().map(defaultStudyKey).filter((k) => k !== null)).size >= 2,
    why: () => "the trials come from one study (no repeated studies to compare)",
    run: (s, o) => studyVariance(s, { by: o.by, ...opt(o, "studyVariance") }),
  },
  {
    // Only on request: review(study, { analysis: { adoption: { key, baseline, candidate } } }).
    name: "adoption",
    applies: (s, o) => {
      const a = o.analysis?.adoption as Partial<CompareTrialsOptions> | undefined;
      if (!a || typeof a.key !== "string") return false;
      const has = (v: unknown) => s.trialRows().some((t) => String(trialValue(t, a.key!)) === String(v));
      return has(a.baseline) && has(a.candidate);
    },
    run: (s, o) => compareTrials(s, { by: o.by, ...(opt(o, "adoption") as CompareTrialsOptions) }),
  },
  { name: "importance", applies: (s, o) => !mixesSearchSpaces(s) && feasibleCount(s, o) >= 20 && varying(s).length >= 2, why: (s, o) => (mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space" : varying(s).length < 2 ? "fewer than 2 hyperparameters vary" : `only ${feasibleCount(s, o)} feasible trials (< 20)`), run: (s, o) => importance(s, { by: o.by, ...opt(o, "importance") }) },
  {
    // fANOVA on a random forest: interactions, intervals, conditional subspaces, feasibility (issue 22).
    name: "fanova",
    applies: (s, o) => !mixesSearchSpaces(s) && feasibleCount(s, o) >= 20 && varying(s).length >= 2,
    why: (s, o) => (mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space" : varying(s).length < 2 ? "fewer than 2 hyperparameters vary" : `only ${feasibleCount(s, o)} feasible trials (< 20)`),
    // 32 trees; on large studies leaves of ≥ 3 trials (same ranking, a third of the cells to integrate).
    run: (s, o) => fanova(s, { by: o.by, seed: o.seed ?? 0, trees: 32, pdPoints: 20, minSamplesLeaf: s.size >= 500 ? 3 : 1, ...opt(o, "fanova") }),
  },
  { name: "adamBudget", applies: (s) => !mixesSearchSpaces(s) && adamBudgetCheck(s) !== null, why: (s) => (mixesSearchSpaces(s) ? "the trials come from several submissions" : "no Adam-specific hyperparameter (β1, β2 or ε) varies"), run: (s) => adamBudgetCheck(s)! },
  // Training dynamics (issue 5): curves, checkpoints, clipping, instability + warmup, trainingSteps.
  ...DYNAMICS_ANALYSES,
];

/**
 * Add an analysis to every later review (no-op when one with the same name exists).
 *
 * @example
 * registerReviewAnalysis({ name: "curves", applies: (s) => s.measurementCount > 0, run: (s) => curveDiagnostics(s) });
 */
export function registerReviewAnalysis(a: ReviewAnalysis): void {
  if (!REVIEW_ANALYSES.some((x) => x.name === a.name)) REVIEW_ANALYSES.push(a);
}

/**
 * Run every analysis that applies and return the findings, most severe first, with each
 * analysis's result. When trials carry several groups (e.g. AlgoPerf workloads with different
 * objectives), each group is reviewed as its own study (with its own objective) and its findings
 * are labelled with the group (`evidence.group`, and a `[group]` prefix on the message).
 *
 * @example
 * const r = review(await loadStudy("datasets/deepcave_mnist/run_1"));
 * r.findings[0];            // { severity: "warn", code: "boundary.mostly_infeasible", … }
 * r.results.isolation;      // the isolation result per scientific hyperparameter
 */
export function review(study: Study, options: ReviewOptions = {}): ReviewResult {
  const key = options.groupKey ?? ((t: TrialRow) => (typeof t.attrs.workload === "string" ? t.attrs.workload : t.group));
  const groups = new Set(study.trialRows().map(key).filter((g) => g !== null));
  const split = options.split === undefined || options.split === "auto" ? groups.size >= 2 : options.split;
  if (split && groups.size >= 1) {
    const parts = study.splitBy(key, (_k, rows) => recordedObjective(rows) ?? study.objective);
    const out: ReviewResult = { study: study.name, objective: study.objective, trials: study.size, findings: [], results: {}, ran: [], skipped: [], notChecked: [], groups: {} };
    const all: Finding[] = [];
    for (const [g, sub] of [...parts].sort((a, b) => a[0].localeCompare(b[0]))) {
      const r = reviewOne(sub, options);
      r.findings = r.findings.map((f) => ({ ...f, message: `[${g}] ${f.message}`, evidence: { group: g, ...f.evidence } }));
      out.groups![g] = r;
      all.push(...r.findings);
      out.notChecked.push(...r.notChecked.map((n) => ({ ...n, group: g })));
    }
    out.findings = sortFindings(all);
    return out;
  }
  return reviewOne(study, options);
}

function reviewOne(study: Study, options: ReviewOptions): ReviewResult {
  const res: ReviewResult = { study: study.name, objective: study.objective, trials: study.size, findings: [], results: {}, ran: [], skipped: [], notChecked: [] };
  const all: Finding[] = [];
  if (study.size === 0) all.push(finding("warn", "review.empty", "The study has no trials: nothing to review.", {}));
  for (const a of REVIEW_ANALYSES) {
    if ((options.only && !options.only.includes(a.name)) || options.skip?.includes(a.name)) continue;
    try {
      if (!a.applies(study, options)) {
        res.skipped.push(a.name);
        if (a.name !== "adoption") res.notChecked.push({ analysis: a.name, reason: a.why?.(study, options) ?? "the study does not have what this analysis needs" });
        continue;
      }
      const r = a.run(study, options);
      res.results[a.name] = r;
      res.ran.push(a.name);
      all.push(...r.findings);
      for (const n of r.notChecked ?? []) res.notChecked.push({ analysis: a.name, ...n });
    } catch (err) {
      res.skipped.push(a.name);
      res.notChecked.push({ analysis: a.name, reason: `failed: ${(err as Error)?.message ?? String(err)}` });
      all.push(finding("warn", "review.analysis_failed", `The ${a.name} analysis failed: ${(err as Error)?.message ?? String(err)}`, { analysis: a.name }));
    }
  }
  res.findings = sortFindings(all);
  return res;
}

/** The objective recorded on trials by loaders that mix objectives (`attrs.objectiveMetric`/`objectiveDirection`), by majority. */
function recordedObjective(rows: readonly TrialRow[]): Objective | undefined {
  const tally = new Map<string, number>();
  for (const r of rows) {
    const m = r.attrs.objectiveMetric;
    const d = r.attrs.objectiveDirection;
    if (typeof m === "string" && (d === "minimize" || d === "maximize")) tally.set(`${m}\u0001${d}`, (tally.get(`${m}\u0001${d}`) ?? 0) + 1);
  }
  const top = [...tally].sort((a, b) => b[1] - a[1])[0];
  if (!top) return undefined;
  const [metric, direction] = top[0].split("\u0001") as [string, Objective["direction"]];
  return { metric, direction };
}
