/**
 * Review: run every analysis of the registry (./analyses.ts) that applies to a study and gather
 * their findings, most severe first (playbook: the questions to ask "before analyzing a given set
 * of experiments"). To add an analysis, see ./registry.ts: the review picks it up from ANALYSES.
 *
 * Options are validated once, before anything runs: an unknown analysis name in `only`, `skip` or
 * `analysis`, or an unknown or ill-typed option, is a TunebookError with a did-you-mean. An analysis
 * that throws while running is reported as a `review.analysis_failed` finding instead of aborting.
 */
import type { Study } from "../study/study.js";
import type { Objective, TrialRow } from "../study/types.js";
import { TunebookError } from "../core/errors.js";
import { ANALYSES, type AnalysisName, type AnalysisResults, analysisNames } from "./analyses.js";
import type { ObjectiveBy } from "./common.js";
import { type Finding, finding, sortFindings } from "./finding.js";
import { type AnyAnalysis, parseOptions } from "./registry.js";
import { didYouMean } from "../util/suggest.js";

export { mixesSearchSpaces, scientificCandidates } from "./applicability.js";

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
  /** Seed and resamples for every resampling analysis (defaults 0 and 500, as each analysis's own). */
  seed?: number;
  resamples?: number;
  /** Options of single analyses, by analysis name (the names of their `options`, e.g. `{ isolation: { level: 0.8 } }`). */
  analysis?: Partial<Record<AnalysisName, Record<string, unknown>>>;
}

export interface ReviewResult {
  study: string;
  /** The study (or group of trials) this review ran on: figures are drawn from it with {@link ReviewResult.results}. */
  subject: Study;
  objective: Objective;
  trials: number;
  /** All findings (of every group when split), most severe first. */
  findings: Finding[];
  /** Result of each analysis that ran, by name (unsplit review). */
  results: AnalysisResults;
  /** The validated options each analysis ran with (defaults filled in), by name. */
  options: Partial<Record<AnalysisName, Record<string, unknown>>>;
  /** Analyses that ran / did not apply, and why each did not. */
  ran: AnalysisName[];
  skipped: AnalysisName[];
  skippedWhy: Partial<Record<AnalysisName, string>>;
  /** Every analysis or check that did not run, with the reason (adoption, run only on request, is not listed). */
  notChecked: NotChecked[];
  /** Per-group reviews when the study was split. */
  groups?: Record<string, ReviewResult>;
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

/** Options shared by the review and the analyses that take them (one meaning each, see registry.ts commonOptions). */
const SHARED = ["by", "seed", "resamples", "scientific"] as const;

/**
 * The validated options of every analysis for a review (defaults filled in), or a TunebookError
 * for an unknown analysis or option. The same function gives the report, magics and CLI their
 * options, so every tool runs an analysis with the same values.
 *
 * @example
 * reviewAnalysisOptions({ seed: 3 }).isolation?.seed; // 3
 */
export function reviewAnalysisOptions(options: ReviewOptions = {}): Partial<Record<AnalysisName, Record<string, unknown>>> {
  const names = analysisNames() as string[];
  const check = (what: string, list: readonly string[] | undefined) => {
    for (const n of list ?? []) if (!names.includes(n)) throw new TunebookError(`review: ${what}: unknown analysis "${n}"${didYouMean(n, names, { form: "aside" })} (known: ${names.join(", ")})`);
  };
  check("only", options.only);
  check("skip", options.skip);
  check("analysis", Object.keys(options.analysis ?? {}));
  const out: Partial<Record<AnalysisName, Record<string, unknown>>> = {};
  for (const a of ANALYSES as readonly AnyAnalysis[]) {
    const raw: Record<string, unknown> = {};
    for (const k of SHARED) {
      if (!(k in a.options) || options[k] === undefined) continue;
      raw[k] = k === "scientific" && !Array.isArray(options.scientific) ? [options.scientific] : options[k];
    }
    Object.assign(raw, (options.analysis as Record<string, Record<string, unknown> | undefined> | undefined)?.[a.name]);
    out[a.name as AnalysisName] = parseOptions(a, raw) as Record<string, unknown>;
  }
  return out;
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
  const parsed = reviewAnalysisOptions(options);
  const key = options.groupKey ?? ((t: TrialRow) => (typeof t.attrs.workload === "string" ? t.attrs.workload : t.group));
  const groups = new Set(study.trialRows().map(key).filter((g) => g !== null));
  const split = options.split === undefined || options.split === "auto" ? groups.size >= 2 : options.split;
  if (split && groups.size >= 1) {
    const parts = study.splitBy(key, (_k, rows) => recordedObjective(rows) ?? study.objective);
    const out: ReviewResult = { study: study.name, subject: study, objective: study.objective, trials: study.size, findings: [], results: {}, options: parsed, ran: [], skipped: [], skippedWhy: {}, notChecked: [], groups: {} };
    const all: Finding[] = [];
    for (const [g, sub] of [...parts].sort((a, b) => a[0].localeCompare(b[0]))) {
      const r = reviewOne(sub, options, parsed);
      r.findings = r.findings.map((f) => ({ ...f, message: `[${g}] ${f.message}`, evidence: { group: g, ...f.evidence } }));
      out.groups![g] = r;
      all.push(...r.findings);
      out.notChecked.push(...r.notChecked.map((n) => ({ ...n, group: g })));
    }
    out.findings = sortFindings(all);
    return out;
  }
  return reviewOne(study, options, parsed);
}

function reviewOne(study: Study, options: ReviewOptions, parsed: Partial<Record<AnalysisName, Record<string, unknown>>>): ReviewResult {
  const res: ReviewResult = { study: study.name, subject: study, objective: study.objective, trials: study.size, findings: [], results: {}, options: parsed, ran: [], skipped: [], skippedWhy: {}, notChecked: [] };
  const all: Finding[] = [];
  if (study.size === 0) all.push(finding("warn", "review.empty", "The study has no trials: nothing to review.", {}));
  for (const a of ANALYSES as readonly AnyAnalysis[]) {
    const name = a.name as AnalysisName;
    if ((options.only && !options.only.includes(name)) || options.skip?.includes(name)) continue;
    const o = parsed[name]!;
    try {
      const applies = a.applies(study, o);
      if (applies !== true) {
        res.skipped.push(name);
        res.skippedWhy[name] = applies;
        if (name !== "adoption") res.notChecked.push({ analysis: name, reason: applies });
        continue;
      }
      const r = a.run(study, o) as { findings: Finding[]; notChecked?: Array<{ check?: string; reason: string }> };
      (res.results as Record<string, unknown>)[name] = r;
      res.ran.push(name);
      all.push(...r.findings);
      for (const n of r.notChecked ?? []) res.notChecked.push({ analysis: name, ...n });
    } catch (err) {
      res.skipped.push(name);
      res.skippedWhy[name] = `failed: ${(err as Error)?.message ?? String(err)}`;
      res.notChecked.push({ analysis: name, reason: res.skippedWhy[name]! });
      all.push(finding("warn", "review.analysis_failed", `The ${name} analysis failed: ${(err as Error)?.message ?? String(err)}`, { analysis: name }));
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
