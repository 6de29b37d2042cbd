/**
 * Study variance measured from repeated studies (playbook: "hyperparameter search variance, or
 * study variance"): when the same study was run several times (AlgoPerf's `study_0…study_4`, or
 * quasi-random searches with different seeds), the spread of each study's best result. The
 * bootstrap ({@link bestOfNBootstrap}) estimates the same spread from a single study.
 */
import type { Study } from "../study/study.js";
import type { TrialRow } from "../study/types.js";
import { type Finding, finding } from "./finding.js";
import { type ObjectiveBy, fmt, isFeasibleRow, meanStd, objectiveOf } from "./common.js";
import { quantileSorted } from "../stats/quantileSorted.js";
import { commonDefaults, commonOptions, defineAnalysis } from "./registry.js";

export interface StudyVarianceOptions {
  /** Which repeated study a trial belongs to (default: `attrs.study`, else a `study_<k>`/`seed_<k>` segment of its group). */
  studyKey?: (t: TrialRow) => string | null;
  /** Compare separately per this key (default: `attrs.submission` when present, else one entry). */
  entryKey?: (t: TrialRow) => string | null;
  by?: ObjectiveBy;
}

/** The best trial of one repeated study. */
export interface StudyBest {
  study: string;
  best: number | null;
  trial: string | null;
  trials: number;
  infeasible: number;
}

/** The repeated studies of one entry (e.g. one submission on one workload). */
export interface StudyVarianceEntry {
  key: string;
  studies: StudyBest[];
  /** Mean, sample std, min and max of the studies' bests (studies without a feasible trial excluded). */
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface StudyVarianceResult {
  entries: StudyVarianceEntry[];
  /** Median over entries of the study-to-study std. */
  medianStd: number | null;
  findings: Finding[];
}

const REPEAT = /^(study|seed|run|repeat|rep|replicate)[_-]?\d+$/i;

/** Default repeated-study key: `attrs.study`, else a repeat-like segment of the group. */
export function defaultStudyKey(t: TrialRow): string | null {
  if (typeof t.attrs.study === "string" && t.attrs.study) return t.attrs.study;
  return t.group?.split("/").find((s) => REPEAT.test(s)) ?? null;
}

/**
 * Best result of each repeated study and their spread, per entry (submission).
 *
 * @example
 * const sv = studyVariance(perWorkload.get("imagenet_resnet_jax")!);
 * sv.entries.find((e) => e.key === "prize_qualification_baseline")!.std; // spread of the 5 studies' bests
 */
export function studyVariance(study: Study, options: StudyVarianceOptions = {}): StudyVarianceResult {
  const by = options.by ?? commonDefaults.by;
  const dir = study.objective.direction;
  const studyKey = options.studyKey ?? defaultStudyKey;
  const entryKey = options.entryKey ?? ((t: TrialRow) => (typeof t.attrs.submission === "string" ? t.attrs.submission : null));
  const byEntry = new Map<string, Map<string, TrialRow[]>>();
  for (const r of study.trialRows()) {
    const s = studyKey(r);
    if (s === null) continue;
    const e = entryKey(r) ?? "(all)";
    if (!byEntry.has(e)) byEntry.set(e, new Map());
    const m = byEntry.get(e)!;
    if (!m.has(s)) m.set(s, []);
    m.get(s)!.push(r);
  }
  const entries: StudyVarianceEntry[] = [];
  for (const [key, studies] of byEntry) {
    const bests: StudyBest[] = [...studies].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true })).map(([s, rows]) => {
      let best: TrialRow | null = null;
      for (const r of rows) {
        if (!isFeasibleRow(r, by)) continue;
        const y = objectiveOf(r, by)!;
        if (!best || (dir === "minimize" ? y < objectiveOf(best, by)! : y > objectiveOf(best, by)!)) best = r;
      }
      return { study: s, best: best ? objectiveOf(best, by) : null, trial: best?.id ?? null, trials: rows.length, infeasible: rows.filter((r) => !isFeasibleRow(r, by)).length };
    });
    const vals = bests.map((b) => b.best).filter((v): v is number => v !== null);
    const { mean, std } = meanStd(vals);
    entries.push({ key, studies: bests, n: vals.length, mean, std, min: vals.length ? Math.min(...vals) : NaN, max: vals.length ? Math.max(...vals) : NaN });
  }
  const rep = entries.filter((e) => e.n >= 2);
  const stds = rep.map((e) => e.std).sort((a, b) => a - b);
  const medianStd = stds.length ? quantileSorted(stds, 0.5) : null;
  const findings: Finding[] = [];
  if (rep.length > 0) {
    const widest = [...rep].sort((a, b) => b.std - a.std)[0]!;
    const what = rep.length === 1 && rep[0]!.key === "(all)" ? "" : ` (${rep.length} entries; widest: ${widest.key}, std ${fmt(widest.std)} over ${widest.n} studies, bests ${fmt(widest.min)}–${fmt(widest.max)})`;
    findings.push(
      finding("info", "variance.study", `Study-to-study variance: rerunning the same study changes its best ${study.objective.metric} by a typical std of ${fmt(medianStd)}${what}. Conclusions that go beyond single points in hyperparameter space need gaps larger than this.`, {
        medianStd,
        entries: rep.length,
        widest: widest.key,
        widestStd: widest.std,
        studies: widest.n,
        perEntry: rep.slice(0, 20).map((e) => ({ key: e.key, n: e.n, mean: e.mean, std: e.std, min: e.min, max: e.max })),
      }),
    );
  }
  return { entries, medianStd, findings };
}

/** Variance between repeated studies as the tools run it (see ./registry.ts). */
export const studyVarianceAnalysis = defineAnalysis({
  name: "studyVariance",
  summary: "study variance across repeated studies: how much the best result moves from one rerun of the study to the next",
  options: { by: commonOptions.by },
  applies: (s) => (new Set(s.trialRows().map(defaultStudyKey).filter((k) => k !== null)).size >= 2 ? true : "the trials come from one study (no repeated studies to compare)"),
  run: (s, o) => studyVariance(s, o),
});
