/**
 * AlgoPerf benchmark scoring: time to target per submission, workload and study; the tuning
 * ruleset's aggregation; held-out workload variants; performance ratios; the performance profile
 * ρ(τ) and the benchmark score (its normalized area).
 *
 * Follows the benchmark's own scoring code (mlcommons/algorithmic-efficiency,
 * `scoring/performance_profile.py` and `scoring/score_submissions.py` as used for v0.5, commit
 * 414e82e2), step by step:
 *
 * 1. A trial's time to target is the `accumulated_submission_time` of its first evaluation whose
 *    validation metric meets the workload's target (≤ for losses and error rates, ≥ otherwise;
 *    NaN never meets it). A trial that never meets it has time ∞.
 * 2. A study's time is that of its fastest trial. The benchmark picks the trial that reaches the
 *    target in the fewest *evaluations* (`idxmin` of the first-hit index) and takes its time;
 *    `trialChoice: "fewestEvals"` (the default) does the same, breaking ties by time where the
 *    benchmark breaks them by folder-listing order. `"fastest"` takes the smallest time instead.
 * 3. A workload's time is the median over studies (numpy's median: ∞ when half or more miss).
 *    A workload a submission has no logs for is missing (NaN in the benchmark).
 * 4. Held-out variants: a variant whose base workload is ∞ or missing becomes ∞.
 * 5. Any time above 4× the fastest submission's time on that workload becomes ∞.
 * 6. A base workload whose sampled held-out variant is ∞ or missing becomes ∞ (the variant must
 *    be trained to target for the base workload to count).
 * 7. Only the 8 base workloads are scored. Performance ratio r = time / fastest time.
 * 8. ρ(τ) = (number of base workloads with r ≤ τ) / 8, on 100 points of τ from 1 to 4; the score
 *    is the trapezoidal area under ρ divided by 3 (so 1 means fastest everywhere).
 *
 * Where this departs from the benchmark code (documented in docs/algoperf.md): the maximum
 * runtime. The benchmark does not check it at scoring time (its runner stops training once the
 * budget is spent, but the evaluation that crosses it still counts). `maxRuntime: "enforce"`
 * drops evaluations after the budget (3× the external budget under the self-tuning ruleset);
 * the default `"runner"` counts what the runner logged, as the published scores do.
 */
import type { AlgoPerfLogs, AlgoPerfRuleset, AlgoPerfTrial, AlgoPerfWorkload } from "../study/formats/algoperfEvals.js";
import { finding, sortFindings, type Finding } from "../core/findings.js";
import { fmt } from "./common.js";

export interface AlgoPerfScoreOptions {
  /** How a study's time is taken from its trials (see the module comment). Default "fewestEvals". */
  trialChoice?: "fewestEvals" | "fastest";
  /** "runner" (default, as the published scores) or "enforce" the workload's maximum runtime. */
  maxRuntime?: "runner" | "enforce";
  /** Cap of the performance profile's τ (the benchmark uses 4, for both the 4× rule and ρ). */
  maxTau?: number;
  /** Points of τ from 1 to maxTau (the benchmark uses 100). */
  points?: number;
  /** Skip rule 6 (a base workload counts only if its held-out variant does); for measuring its effect. */
  skipHeldOutRule?: boolean;
}

/** Why a workload has no finite performance ratio. */
export type AlgoPerfMiss =
  | "missed" // the median over studies is ∞: most studies never met the target
  | "absent" // no logs for this workload
  | "over_cap" // slower than maxTau × the fastest submission
  | "base_missed" // a held-out variant whose base workload is ∞ or absent
  | "variant_missed"; // a base workload whose held-out variant is ∞ or absent

export interface AlgoPerfStudyTime {
  study: string;
  /** Seconds; Infinity when no trial met the target. */
  time: number;
  /** The trial whose time counts (null when none met the target). */
  trial: string | null;
  trials: number;
  /** Per trial: seconds to target (Infinity if never). */
  trialTimes: Record<string, number>;
}

export interface AlgoPerfWorkloadScore {
  workload: string;
  base: string;
  heldOut: boolean;
  target: number;
  metric: string;
  studies: AlgoPerfStudyTime[];
  /** Median over studies before the benchmark's rules (NaN if absent). */
  medianTime: number;
  /** Time after the held-out and 4× rules (Infinity when it does not count). */
  time: number;
  /** time / fastest time over submissions; Infinity when it does not count. Base workloads only. */
  ratio: number;
  miss: AlgoPerfMiss | null;
}

export interface AlgoPerfSubmissionScore {
  submission: string;
  /** The benchmark score: area under ρ(τ) over [1, maxTau], divided by maxTau − 1. */
  score: number;
  rank: number;
  /** Base workloads with a finite ratio (counted at τ = maxTau). */
  workloadsSolved: number;
  /** Base workloads where this submission is the fastest (ratio 1). */
  fastestOn: string[];
  /** Base workloads that do not count only because their held-out variant missed its target. */
  lostToHeldOut: string[];
  /** The score with rule 6 off for every submission (what the held-out rule cost this submission). */
  scoreWithoutHeldOutRule: number;
}

export interface AlgoPerfScoreResult {
  ruleset: AlgoPerfRuleset;
  baseWorkloads: string[];
  heldOutWorkloads: string[];
  submissions: string[];
  /** Per submission, best first. */
  scores: Record<string, AlgoPerfSubmissionScore>;
  /** ρ(τ) per submission on the grid `tau`. */
  profiles: { tau: number[]; rho: Record<string, number[]> };
  /** Per submission, per workload (base and held-out). */
  perWorkload: Record<string, Record<string, AlgoPerfWorkloadScore>>;
  /** Fastest time per workload over submissions (after the held-out rule, before 4×). */
  fastest: Record<string, { time: number; submission: string | null }>;
  options: Required<AlgoPerfScoreOptions>;
  findings: Finding[];
}

/**
 * numpy's median (mean of the two middle values), as the benchmark takes it over studies. Not
 * stats/median: its type-7 interpolation computes ∞ + 0·(∞ − ∞) = NaN when the middle study is ∞,
 * where numpy (and the score) need ∞.
 */
function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Index of the first evaluation meeting the target (−1 if none), within the runtime budget. */
export function firstHit(trial: Pick<AlgoPerfTrial, "time" | "value">, spec: AlgoPerfWorkload, budgetSec = Infinity): number {
  const { value, time } = trial;
  for (let i = 0; i < value.length; i++) {
    if (time[i]! > budgetSec) return -1;
    const v = value[i]!;
    if (spec.higherIsBetter ? v >= spec.validationTarget : v <= spec.validationTarget) return i;
  }
  return -1;
}

/**
 * Score AlgoPerf submissions as the benchmark does (see the module comment for each rule).
 *
 * @example
 * const logs = await readAlgoPerfLogs("datasets/algoperf_v05");
 * const r = algoperfScore(logs);
 * r.scores.shampoo_submission.score; // 0.778…
 */
export function algoperfScore(logs: AlgoPerfLogs, options: AlgoPerfScoreOptions = {}): AlgoPerfScoreResult {
  const opts: Required<AlgoPerfScoreOptions> = {
    trialChoice: options.trialChoice ?? "fewestEvals",
    maxRuntime: options.maxRuntime ?? "runner",
    maxTau: options.maxTau ?? 4,
    points: options.points ?? 100,
    skipHeldOutRule: options.skipHeldOutRule ?? false,
  };
  const { benchmark, ruleset } = logs;
  const base = benchmark.baseWorkloads;
  const held = benchmark.heldOutWorkloads;
  const scored = [...base, ...held];
  const findings: Finding[] = [];
  const budgetFactor = ruleset === "self" ? 3 : 1;

  // 1–3: per submission, workload, study.
  const groups = new Map<string, Map<string, Map<string, AlgoPerfTrial[]>>>();
  const frameworks = new Map<string, Set<string>>();
  for (const t of logs.trials) {
    if (!groups.has(t.submission)) groups.set(t.submission, new Map());
    const g = groups.get(t.submission)!;
    if (!g.has(t.workload)) g.set(t.workload, new Map());
    const w = g.get(t.workload)!;
    if (!w.has(t.study)) w.set(t.study, []);
    w.get(t.study)!.push(t);
    const fk = `${t.submission}\u0000${t.workload}`;
    if (!frameworks.has(fk)) frameworks.set(fk, new Set());
    frameworks.get(fk)!.add(t.workloadDir);
  }
  for (const [fk, dirs] of frameworks)
    if (dirs.size > 1) {
      const [sub, wl] = fk.split("\u0000");
      findings.push(finding("warn", "algoperf.two_frameworks", `${sub} has ${wl} in more than one framework (${[...dirs].join(", ")}); their trials are pooled per study.`, { submission: sub, workload: wl, folders: [...dirs] }));
    }
  const submissions = [...groups.keys()].sort();
  const perWorkload: Record<string, Record<string, AlgoPerfWorkloadScore>> = Object.create(null);
  let overBudget = 0;
  for (const sub of submissions) {
    perWorkload[sub] = Object.create(null);
    for (const wl of scored) {
      const spec = benchmark.workloads[wl]!;
      const studiesMap = groups.get(sub)!.get(wl);
      const studies: AlgoPerfStudyTime[] = [];
      for (const [study, trials] of [...(studiesMap ?? new Map<string, AlgoPerfTrial[]>())].sort((a, b) => a[0].localeCompare(b[0]))) {
        const budget = opts.maxRuntime === "enforce" ? spec.maxRuntimeSec * budgetFactor : Infinity;
        let best: { trial: string; idx: number; time: number } | null = null;
        const trialTimes: Record<string, number> = Object.create(null);
        for (const t of trials) {
          const i = firstHit(t, spec, budget);
          const time = i < 0 ? Infinity : t.time[i]!;
          trialTimes[t.trial] = time;
          if (i >= 0 && t.time[i]! > spec.maxRuntimeSec * budgetFactor) overBudget++;
          if (i < 0) continue;
          const better =
            best === null ||
            (opts.trialChoice === "fewestEvals" ? i < best.idx || (i === best.idx && time < best.time) : time < best.time);
          if (better) best = { trial: t.trial, idx: i, time };
        }
        studies.push({ study, time: best ? best.time : Infinity, trial: best ? best.trial : null, trials: trials.length, trialTimes });
      }
      const medianTime = studies.length ? median(studies.map((s) => s.time)) : NaN;
      perWorkload[sub]![wl] = {
        workload: wl,
        base: spec.base,
        heldOut: !base.includes(wl),
        target: spec.validationTarget,
        metric: spec.metric,
        studies,
        medianTime,
        time: medianTime,
        ratio: NaN,
        miss: Number.isNaN(medianTime) ? "absent" : medianTime === Infinity ? "missed" : null,
      };
    }
  }
  if (overBudget > 0)
    findings.push(
      finding(
        "info",
        "algoperf.target_after_max_runtime",
        `${overBudget} trial(s) first met the target in the evaluation that crossed the workload's maximum runtime; the benchmark counts them (its runner logs that evaluation), and so does this score unless maxRuntime is "enforce".`,
        { trials: overBudget },
      ),
    );

  const cell = (sub: string, wl: string) => perWorkload[sub]![wl]!;
  const baseOf = (wl: string) => benchmark.workloads[wl]!.base;
  // 4: a variant counts only if its base workload does.
  for (const sub of submissions)
    for (const wl of held) {
      const b = cell(sub, baseOf(wl)).time;
      if (b === Infinity || Number.isNaN(b)) {
        const c = cell(sub, wl);
        if (c.miss === null) c.miss = "base_missed";
        c.time = Infinity;
      }
    }
  // 5: the 4× rule, per workload, against the fastest submission (NaN-skipping min, as pandas).
  const fastest: Record<string, { time: number; submission: string | null }> = Object.create(null);
  for (const wl of scored) {
    let f = { time: Infinity, submission: null as string | null };
    for (const sub of submissions) {
      const t = cell(sub, wl).time;
      if (t < f.time) f = { time: t, submission: sub };
    }
    fastest[wl] = f;
    for (const sub of submissions) {
      const c = cell(sub, wl);
      if (c.time > opts.maxTau * f.time && c.time !== Infinity) {
        c.time = Infinity;
        c.miss = "over_cap";
      }
    }
  }
  // 6: a base workload counts only if its held-out variant does.
  if (!opts.skipHeldOutRule)
    for (const sub of submissions)
      for (const wl of held) {
        const v = cell(sub, wl).time;
        if (v === Infinity || Number.isNaN(v)) {
          const c = cell(sub, baseOf(wl));
          if (c.miss === null) c.miss = "variant_missed";
          c.time = Infinity;
        }
      }
  // 7: ratios on base workloads, to the fastest after all rules (pandas min skips NaN; ∞/∞ is NaN).
  for (const wl of base) {
    let m = Infinity;
    for (const sub of submissions) m = Math.min(m, Number.isNaN(cell(sub, wl).time) ? Infinity : cell(sub, wl).time);
    for (const sub of submissions) {
      const c = cell(sub, wl);
      c.ratio = Number.isFinite(c.time) && Number.isFinite(m) ? c.time / m : Infinity;
    }
  }
  // 8: ρ(τ) and its normalized trapezoidal area.
  const n = opts.points;
  const tau = Array.from({ length: n }, (_, i) => (n === 1 ? 1 : 1 + ((opts.maxTau - 1) * i) / (n - 1)));
  const rho: Record<string, number[]> = Object.create(null);
  const scores: Record<string, AlgoPerfSubmissionScore> = Object.create(null);
  for (const sub of submissions) {
    const ratios = base.map((wl) => cell(sub, wl).ratio);
    rho[sub] = tau.map((t) => ratios.filter((r) => r <= t).length / base.length);
    let area = 0;
    for (let i = 1; i < n; i++) area += ((rho[sub]![i]! + rho[sub]![i - 1]!) / 2) * (tau[i]! - tau[i - 1]!);
    scores[sub] = {
      submission: sub,
      score: n > 1 ? area / (opts.maxTau - 1) : rho[sub]![0]!,
      rank: 0,
      workloadsSolved: ratios.filter((r) => Number.isFinite(r)).length,
      fastestOn: base.filter((wl) => cell(sub, wl).ratio === 1),
      lostToHeldOut: base.filter((wl) => cell(sub, wl).miss === "variant_missed"),
      scoreWithoutHeldOutRule: NaN,
    };
  }
  // What the held-out rule costs: rescore with step 6 skipped (the same rules otherwise).
  if (!options.skipHeldOutRule) {
    const relaxed = algoperfScore(logs, { ...opts, skipHeldOutRule: true });
    for (const sub of submissions) scores[sub]!.scoreWithoutHeldOutRule = relaxed.scores[sub]!.score;
  }
  const order = [...submissions].sort((a, b) => scores[b]!.score - scores[a]!.score || a.localeCompare(b));
  order.forEach((s, i) => (scores[s]!.rank = i + 1));
  const sortedScores: Record<string, AlgoPerfSubmissionScore> = Object.create(null);
  for (const s of order) sortedScores[s] = scores[s]!;

  for (const sub of submissions) {
    const miss = base.filter((wl) => cell(sub, wl).miss !== null);
    const byVariant = base.filter((wl) => cell(sub, wl).miss === "variant_missed");
    if (byVariant.length)
      findings.push(
        finding(
          "warn",
          "algoperf.variant_missed",
          `${sub}: ${byVariant.join(", ")} ${byVariant.length > 1 ? "do" : "does"} not count because the held-out variant missed its target — the benchmark's guard against tuning to the base workloads. Counted, the score would be ${fmt(scores[sub]!.scoreWithoutHeldOutRule)} instead of ${fmt(scores[sub]!.score)}.`,
          { submission: sub, workloads: byVariant, score: scores[sub]!.score, scoreWithoutHeldOutRule: scores[sub]!.scoreWithoutHeldOutRule },
        ),
      );
    if (miss.length === base.length)
      findings.push(finding("warn", "algoperf.no_workload", `${sub} reaches no base workload's target in time (score 0).`, { submission: sub }));
  }
  const top = order[0];
  if (top)
    findings.push(
      finding("info", "algoperf.leader", `${top} leads with score ${fmt(scores[top]!.score)}, fastest on ${scores[top]!.fastestOn.length} of ${base.length} base workloads.`, {
        submission: top,
        score: scores[top]!.score,
      }),
    );
  for (const issue of logs.issues)
    findings.push(finding("warn", "algoperf.log_issue", `${issue.file}${issue.line ? `:${issue.line}` : ""}: ${issue.message}`, { file: issue.file }));
  return {
    ruleset,
    baseWorkloads: base,
    heldOutWorkloads: held,
    submissions: order,
    scores: sortedScores,
    profiles: { tau, rho },
    perWorkload,
    fastest,
    options: opts,
    findings: sortFindings(findings),
  };
}

/**
 * Per (study, base workload) time-to-target matrices, one per submission: rows are studies, columns
 * the base workloads; entries are the study's time (∞ if missed). The input of `compareAlgorithms`
 * when asking which gaps exceed study-to-study (seed) noise.
 *
 * @example
 * const m = studyTimeMatrices(algoperfScore(logs));
 * m.matrices.baseline.length; // 5 studies
 */
export function studyTimeMatrices(result: AlgoPerfScoreResult, workloads: string[] = result.baseWorkloads): { tasks: string[]; matrices: Record<string, number[][]> } {
  const matrices: Record<string, number[][]> = Object.create(null);
  for (const sub of result.submissions) {
    const studies = new Set<string>();
    for (const wl of workloads) for (const s of result.perWorkload[sub]![wl]!.studies) studies.add(s.study);
    const names = [...studies].sort();
    matrices[sub] = names.map((st) =>
      workloads.map((wl) => {
        const c = result.perWorkload[sub]![wl]!;
        const s = c.studies.find((x) => x.study === st);
        return s ? s.time : Infinity;
      }),
    );
  }
  return { tasks: workloads, matrices };
}

/**
 * Per (study, base workload) speed scores for `compareAlgorithms`, one matrix per submission
 * (rows studies, columns base workloads): the fastest submission's median time on the workload
 * divided by this study's time, so 1 is "as fast as the best submission's typical study", above 1
 * faster, and 0 a study that never reached the target. Higher is better, as rliable assumes. The
 * benchmark's held-out and 4× rules are not applied here: this asks how each study fared, not how
 * the leaderboard counts it.
 *
 * @example
 * const m = studySpeedMatrices(algoperfScore(logs));
 * compareAlgorithms(m.matrices, { tasks: m.tasks });
 */
export function studySpeedMatrices(result: AlgoPerfScoreResult, workloads: string[] = result.baseWorkloads): { tasks: string[]; matrices: Record<string, number[][]> } {
  const best = workloads.map((wl) => Math.min(...result.submissions.map((s) => result.perWorkload[s]![wl]!.medianTime).filter((t) => !Number.isNaN(t))));
  const { tasks, matrices } = studyTimeMatrices(result, workloads);
  const out: Record<string, number[][]> = Object.create(null);
  for (const [sub, m] of Object.entries(matrices)) out[sub] = m.map((row) => row.map((t, j) => (Number.isFinite(t) && Number.isFinite(best[j]!) ? best[j]! / t : 0)));
  return { tasks, matrices: out };
}
