/**
 * The labeling rules of the validation corpus, computed from the raw data of `sources.ts` with no
 * tunebook code. Each rule is stated in `validation/README.md`; a label is `true` (the finding is
 * right), `false` (the finding would be wrong) or absent (the case is ambiguous for that code and is
 * not scored). Ambiguity bands are deliberate: a label is only given when a tuning engineer looking
 * at the raw numbers would not hesitate.
 */
import type { RawCurve, RawStudy, RawTrial, SpaceParam, Value } from "./sources.js";

export type Labels = Record<string, boolean>;

// ---------------------------------------------------------------- curves

/** Curves with fewer evaluations than this carry no curve finding (too short to judge a shape). */
export const RULE_MIN_POINTS = 6;

/**
 * The yardstick of a curve: how far its best value is from the metric's natural bound (0 for
 * losses and error rates; the nearer of 0 and 1 for an accuracy-like maximized metric in [0, 1];
 * |best| otherwise). A high starting value cannot inflate it.
 */
export function ruleLevel(best: number, direction: "minimize" | "maximize", values: number[]): number {
  const inUnit = values.every((v) => !Number.isFinite(v) || (v >= 0 && v <= 1));
  let L: number;
  if (direction === "maximize" && inUnit) L = Math.min(best, 1 - best);
  else L = Math.abs(best);
  return Math.max(L, 1e-9);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

export interface CurveLabelNumbers {
  points: number;
  level: number;
  lateGain: number;
  secondHalfGain: number;
  lateNoise: number;
  worsening: number;
}

/**
 * Labels of one trial's curves. `y` is the objective turned lower-is-better.
 * - diverged: true when a value of the objective or training loss is non-finite or the trial's
 *   record says diverged; false when every value is finite and the training loss ends below 2× its first value.
 * - short curves (< RULE_MIN_POINTS finite evaluations): every other curve code is false.
 * - still_improving: the mean of the last 20 % of points beats the mean of the 20 % before by
 *   ≥ 3 % of the level and by ≥ 2 × late noise, and the end is within 5 % of the level of the best
 *   → true; gain ≤ 0.5 % of the level → false.
 * - saturated: the best of the first half is within 1 % of the level of the overall best (and the
 *   curve is not getting worse at the end) → true; the second half gains ≥ 4 % of the level → false.
 * - overfitting: the median of the last 20 % is ≥ 10 % of the level (and ≥ 3 × late noise) worse than
 *   the best, while the training loss at the end is no worse than at the objective's best → true;
 *   ≤ 2 % worse → false.
 * - noisy_late: late noise (stdev of successive differences over the last 25 % / √2, ≥ 6 points)
 *   ≥ 6 % of the level → true; ≤ 2 % → false.
 */
export function curveLabels(t: RawTrial, direction: "minimize" | "maximize"): { labels: Labels; numbers: CurveLabelNumbers | null } {
  const labels: Labels = {};
  const c = t.curve;
  const anyNonFinite = (x?: RawCurve) => !!x && x.values.some((v) => !Number.isFinite(v));
  if (t.status === "failed" || t.status === "oom") return { labels, numbers: null };
  if (t.status === "diverged" || anyNonFinite(c) || anyNonFinite(t.train)) {
    labels["curves.diverged"] = true;
    for (const k of ["curves.saturated", "curves.still_improving", "curves.overfitting", "curves.noisy_late"]) labels[k] = false;
    return { labels, numbers: null };
  }
  if (t.status !== "complete" || !c) return { labels, numbers: null };
  const tr = t.train?.values ?? [];
  if (tr.length < 2 || tr[tr.length - 1]! < 2 * tr[0]!) labels["curves.diverged"] = false;
  const steps = c.steps;
  const y = c.values.map((v) => (direction === "minimize" ? v : -v));
  const n = y.length;
  if (n < RULE_MIN_POINTS) {
    for (const k of ["curves.saturated", "curves.still_improving", "curves.overfitting", "curves.noisy_late", "curves.loss_spike", "curves.train_loss_increasing"]) labels[k] = false;
    return { labels, numbers: null };
  }
  const bestRaw = direction === "minimize" ? Math.min(...c.values) : Math.max(...c.values);
  const L = ruleLevel(bestRaw, direction, c.values);
  const first = steps[0]!;
  const last = steps[n - 1]!;
  const at = (f: number) => first + f * (last - first);
  const idx = (a: number, b: number) => y.map((_, i) => i).filter((i) => steps[i]! >= at(a) - 1e-9 && steps[i]! <= at(b) + 1e-9);
  const vals = (is: number[]) => is.map((i) => y[i]!);
  // Late noise from the last 25 % of points: successive differences remove a locally linear trend.
  const lateIs = idx(0.75, 1);
  let noise = NaN;
  if (lateIs.length >= 6) {
    const d: number[] = [];
    for (let j = 1; j < lateIs.length; j++) d.push(y[lateIs[j]!]! - y[lateIs[j - 1]!]!);
    const m = mean(d);
    noise = Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / (d.length - 1)) / Math.SQRT2;
  }
  const k = Math.max(2, Math.ceil(0.2 * n));
  const W = y.slice(n - k);
  const P = y.slice(Math.max(0, n - 2 * k), n - k);
  const lateGain = (mean(P) - mean(W)) / L;
  const minAll = Math.min(...y);
  const firstHalf = vals(idx(0, 0.5));
  const secondHalfGain = (Math.min(...firstHalf) - minAll) / L;
  const worsening = (median(W) - minAll) / L;
  const nz = Number.isFinite(noise) ? noise / L : 0;

  // A curve that ends far from its best is an overfitting or instability question, not "still improving".
  if (lateGain >= 0.03 && lateGain * L >= 2 * (Number.isFinite(noise) ? noise : 0) && worsening <= 0.05) labels["curves.still_improving"] = true;
  else if (lateGain <= 0.005) labels["curves.still_improving"] = false;

  if (secondHalfGain <= 0.01 && worsening <= 0.05) labels["curves.saturated"] = true;
  else if (secondHalfGain >= 0.04) labels["curves.saturated"] = false;

  // Overfitting needs the training loss to keep improving past the objective's best.
  const kBest = y.indexOf(minAll);
  let trainImproving: boolean | null = null;
  if (t.train && t.train.values.length >= 2) {
    const ts = t.train.steps;
    const tv = t.train.values;
    let j = 0;
    while (j < ts.length - 1 && ts[j]! < steps[kBest]!) j++;
    const tail = tv.slice(Math.max(0, tv.length - Math.max(2, Math.ceil(0.2 * tv.length))));
    trainImproving = mean(tail) <= tv[j]!;
  }
  if (worsening >= 0.1 && worsening * L >= 3 * (Number.isFinite(noise) ? noise : 0) && trainImproving !== false) labels["curves.overfitting"] = true;
  else if (worsening <= 0.02) labels["curves.overfitting"] = false;

  if (Number.isFinite(noise)) {
    if (nz >= 0.06) labels["curves.noisy_late"] = true;
    else if (nz <= 0.02) labels["curves.noisy_late"] = false;
  }
  return { labels, numbers: { points: n, level: L, lateGain, secondHalfGain, lateNoise: nz, worsening } };
}

// ---------------------------------------------------------------- boundaries

/** Names that are log-scaled by convention when no space says otherwise. */
const LOG_NAMES = /learning_rate|(^|_)lr($|_)|weight_decay|epsilon|(^|_)eps($|_)|batch_size|(^|_)l2($|_)|one_minus/i;

/** Scale of a hyperparameter for the labels: declared, else by name, else linear. */
export function ruleScale(name: string, space?: Record<string, SpaceParam>): "log" | "linear" {
  const p = space?.[name];
  if (p && p.type !== "categorical") return p.log ? "log" : "linear";
  return LOG_NAMES.test(name) ? "log" : "linear";
}

export interface BoundaryCase {
  kind: "boundary";
  id: string;
  source: RawStudy["source"];
  study: RawStudy;
  hparam: string;
  /** How the case was made: the whole sweep, or a window/cut of it. */
  made: string;
  labels: Labels;
}

const isFeasible = (t: RawTrial) => t.status === "complete" && t.objective !== null && Number.isFinite(t.objective);
const better = (d: "minimize" | "maximize") => (a: RawTrial, b: RawTrial) => (d === "minimize" ? a.objective! - b.objective! : b.objective! - a.objective!);

/**
 * Boundary labels of one (sub)study for hyperparameter h.
 * - Grids/sweeps (each value repeated or few distinct values): near_upper is true iff the best
 *   feasible trial has the largest value, near_lower iff the smallest; otherwise both false
 *   (the optimum is bracketed by measured neighbours).
 * - Random searches: position p of the best trial in [low, high] (declared bounds, else observed)
 *   in the label scale: p ≥ 0.97 → near_upper true; p ≤ 0.03 → near_lower true; p in [0.2, 0.8] →
 *   both false; otherwise not labeled.
 */
export function boundaryLabels(study: RawStudy, trials: RawTrial[], h: string, bounds: { low: number; high: number } | null): Labels | null {
  const feas = trials.filter((t) => isFeasible(t) && typeof t.hparams[h] === "number");
  const distinct = [...new Set(feas.map((t) => t.hparams[h] as number))].sort((a, b) => a - b);
  if (distinct.length < 3 || feas.length < 3) return null;
  // A random search of fewer than 10 feasible trials cannot locate an optimum along one axis.
  if (study.design === "random" && feas.length < 10) return null;
  const best = [...feas].sort(better(study.objective.direction))[0]!;
  // A tie for the best between values is not an edge case.
  const ties = feas.filter((t) => t.objective === best.objective && t.hparams[h] !== best.hparams[h]);
  if (ties.length) return null;
  const v = best.hparams[h] as number;
  if (study.design === "grid") {
    return { "boundary.near_upper": v === distinct[distinct.length - 1], "boundary.near_lower": v === distinct[0] };
  }
  const scale = ruleScale(h, study.space);
  const lo = bounds?.low ?? distinct[0]!;
  const hi = bounds?.high ?? distinct[distinct.length - 1]!;
  const f = (x: number) => (scale === "log" ? Math.log10(x) : x);
  const p = (f(v) - f(lo)) / (f(hi) - f(lo));
  if (p >= 0.97) return { "boundary.near_upper": true, "boundary.near_lower": false };
  if (p <= 0.03) return { "boundary.near_upper": false, "boundary.near_lower": true };
  if (p >= 0.2 && p <= 0.8) return { "boundary.near_upper": false, "boundary.near_lower": false };
  return null;
}

function groupsOf(study: RawStudy): Array<{ key: string; trials: RawTrial[] }> {
  const keys = study.sweepKeys ?? [];
  const m = new Map<string, RawTrial[]>();
  for (const t of study.trials) {
    const k = keys.map((x) => `${x}=${String(t.hparams[x] as Value)}`).join(",");
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(t);
  }
  return [...m].map(([key, trials]) => ({ key, trials }));
}

/** Numeric hyperparameters that vary within these trials. */
function numericVarying(trials: RawTrial[], exclude: string[]): string[] {
  const names = new Set<string>();
  for (const t of trials) for (const [k, v] of Object.entries(t.hparams)) if (typeof v === "number" && !exclude.includes(k)) names.add(k);
  return [...names].filter((h) => new Set(trials.map((t) => t.hparams[h])).size >= 3);
}

/**
 * Boundary cases: for each sweep (study split by its sweep keys) and numeric hyperparameter, the
 * whole sweep, the sweep cut at its best value on each side (best at the new edge), and for grids
 * windows of 3, 5 and 8 consecutive values that end at, start at, or centre on the best value.
 */
export function boundaryCases(study: RawStudy): BoundaryCase[] {
  const out: BoundaryCase[] = [];
  for (const g of groupsOf(study)) {
    for (const h of numericVarying(g.trials, study.sweepKeys ?? [])) {
      const sub = (trials: RawTrial[], made: string, bounds: { low: number; high: number } | null) => {
        const labels = boundaryLabels(study, trials, h, bounds);
        if (!labels) return;
        const space = study.space && bounds ? { ...study.space, [h]: { ...study.space[h]!, low: bounds.low, high: bounds.high } } : study.space;
        out.push({ kind: "boundary", id: `${study.name}${g.key ? `[${g.key}]` : ""}:${h}:${made}`, source: study.source, study: { ...study, ...(space ? { space } : {}), trials }, hparam: h, made, labels });
      };
      const declared = study.space?.[h];
      const bounds0 = declared && declared.low !== undefined ? { low: declared.low, high: declared.high! } : null;
      sub(g.trials, "whole", bounds0);
      const feas = g.trials.filter((t) => isFeasible(t) && typeof t.hparams[h] === "number");
      if (feas.length < 3) continue;
      const best = [...feas].sort(better(study.objective.direction))[0]!;
      const v = best.hparams[h] as number;
      const has = (t: RawTrial) => typeof t.hparams[h] === "number";
      const below = g.trials.filter((t) => has(t) && (t.hparams[h] as number) <= v);
      const above = g.trials.filter((t) => has(t) && (t.hparams[h] as number) >= v);
      sub(below, "cut_above_best", bounds0 ? { low: bounds0.low, high: v } : null);
      sub(above, "cut_below_best", bounds0 ? { low: v, high: bounds0.high } : null);
      if (study.design !== "grid") continue;
      const distinct = [...new Set(g.trials.filter(has).map((t) => t.hparams[h] as number))].sort((a, b) => a - b);
      const i = distinct.indexOf(v);
      for (const w of [3, 5, 8]) {
        if (w >= distinct.length) continue;
        const win = (a: number, name: string) => {
          if (a < 0 || a + w > distinct.length) return;
          const keep = new Set(distinct.slice(a, a + w));
          sub(g.trials.filter((t) => has(t) && keep.has(t.hparams[h] as number)), `${name}_${w}`, null);
        };
        win(i - w + 1, "window_ending_at_best");
        win(i, "window_starting_at_best");
        win(i - Math.floor(w / 2), "window_centred_on_best");
      }
    }
  }
  // Windows that coincide with a cut or the whole sweep are the same case: keep the first.
  const seen = new Set<string>();
  return out.filter((c) => {
    const k = `${c.study.name}|${c.hparam}|${c.study.trials.map((t) => t.id).sort().join(",")}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------- curves cases

export interface CurveCase {
  kind: "curve";
  id: string;
  source: RawStudy["source"];
  study: RawStudy;
  trial: string;
  labels: Labels;
  numbers: CurveLabelNumbers | null;
}

export function curveCases(study: RawStudy): CurveCase[] {
  const out: CurveCase[] = [];
  for (const t of study.trials) {
    if (!t.curve || (t.curve.steps.length === 0 && t.status !== "diverged")) continue;
    const { labels, numbers } = curveLabels(t, study.objective.direction);
    if (!Object.keys(labels).length) continue;
    out.push({ kind: "curve", id: `${study.name}:${t.id}`, source: study.source, study, trial: t.id, labels, numbers });
  }
  return out;
}

// ---------------------------------------------------------------- instability

export interface InstabilityCase {
  kind: "instability";
  id: string;
  source: RawStudy["source"];
  study: RawStudy;
  lrParam: string;
  /** lr* must not exceed this: the lowest learning rate from which at least half of the trials are infeasible (any infeasible status). */
  lrStarAtMost: number | null;
  labels: Labels;
}

/**
 * Instability labels for a study with a learning rate: order the trials by learning rate and slide
 * a window of w = max(3, ⌈n/10⌉) consecutive trials down from the top; the unstable region starts
 * at the lowest window from which every window above is at least half infeasible (diverged, failed or oom).
 * `instability.unstable_above` is true when such a region exists and false when no trial at all is
 * infeasible and no training loss rises above its running minimum by more than 10 % of its first value.
 */
export function instabilityCases(study: RawStudy): InstabilityCase[] {
  const out: InstabilityCase[] = [];
  const lrParam = ["learning_rate", "lr"].find((h) => study.trials.some((t) => typeof t.hparams[h] === "number"));
  if (!lrParam) return out;
  for (const g of groupsOf({ ...study, sweepKeys: (study.sweepKeys ?? []).filter((k) => k !== "seed") })) {
    const ts = g.trials.filter((t) => typeof t.hparams[lrParam] === "number").sort((a, b) => (a.hparams[lrParam] as number) - (b.hparams[lrParam] as number));
    if (new Set(ts.map((t) => t.hparams[lrParam])).size < 3) continue;
    // Windows of w consecutive trials in learning-rate order; the region starts at the lowest window
    // from which every later window is at least half infeasible (and the last window is).
    const w = Math.max(3, Math.ceil(ts.length / 10));
    const badShare = (a: number) => ts.slice(a, a + w).filter((t) => t.status !== "complete").length / Math.min(w, ts.length - a);
    let start: number | null = null;
    if (ts.length >= w) {
      for (let a = ts.length - w; a >= 0; a--) {
        if (badShare(a) >= 0.5) start = ts[a]!.hparams[lrParam] as number;
        else break;
      }
    }
    // Stable also means no training loss rises above its running minimum by more than 10 % of its first value.
    const rises = (t: RawTrial) => {
      const v = (t.train?.values ?? []).filter(Number.isFinite);
      let m = Infinity;
      for (const x of v) {
        if (x > m + 0.1 * v[0]!) return true;
        m = Math.min(m, x);
      }
      return false;
    };
    const anyBad = ts.some((t) => t.status !== "complete" || rises(t));
    const labels: Labels = {};
    if (start !== null) labels["instability.unstable_above"] = true;
    else if (!anyBad) labels["instability.unstable_above"] = false;
    else continue;
    out.push({ kind: "instability", id: `${study.name}${g.key ? `[${g.key}]` : ""}:${lrParam}`, source: study.source, study: { ...study, trials: ts }, lrParam, lrStarAtMost: start, labels });
  }
  return out;
}

// ---------------------------------------------------------------- importance null cases

export interface ImportanceNullCase {
  kind: "importance_null";
  id: string;
  source: RawStudy["source"];
  /** The study with `hparam`'s values permuted among the trials that set it. */
  study: RawStudy;
  hparam: string;
  /** Always false: a permuted column is unrelated to the objective by construction. */
  labels: Labels;
}

/** A small seeded generator (mulberry32) so the null cases are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Null cases for hyperparameter importance: for every hyperparameter that varies over a study's
 * trials (seeds excluded), `reps` copies of the study in which that hyperparameter's values are
 * shuffled (Fisher–Yates) among the trials that set it — conditional ones stay conditional. The
 * shuffled column carries no information about the objective, so `importance.important` for it is
 * false: whatever the check says about it is chance. Only studies with at least 20 feasible trials
 * (fewer are not ranked at all).
 */
export function importanceNullCases(study: RawStudy, reps: number): ImportanceNullCase[] {
  const out: ImportanceNullCase[] = [];
  if (study.trials.filter(isFeasible).length < 20) return out;
  const names = new Set<string>();
  for (const t of study.trials) for (const k of Object.keys(t.hparams)) if (!/seed/i.test(k)) names.add(k);
  for (const h of [...names].sort()) {
    const set = study.trials.map((t, i) => [t.hparams[h], i] as const).filter(([v]) => v !== null && v !== undefined);
    if (new Set(set.map(([v]) => String(v))).size < 2) continue;
    for (let r = 0; r < reps; r++) {
      let seed = r + 1;
      for (const ch of `${study.name}:${h}`) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) >>> 0;
      const rnd = rng(seed);
      const vals = set.map(([v]) => v);
      for (let i = vals.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [vals[i], vals[j]] = [vals[j], vals[i]];
      }
      const trials = study.trials.map((t) => ({ ...t, hparams: { ...t.hparams } }));
      set.forEach(([, i], k) => {
        trials[i]!.hparams[h] = vals[k]!;
      });
      out.push({ kind: "importance_null", id: `${study.name}:${h}:perm${r}`, source: study.source, study: { ...study, trials }, hparam: h, labels: { "importance.important": false } });
    }
  }
  return out;
}
