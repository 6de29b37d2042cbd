/**
 * Gradient norms and clipping (playbook FAQ "Gradient clipping"): log the unclipped gradient
 * norm, look at it vs step and as a histogram, clip at the 90th percentile, and treat more than
 * 50% clipped updates as "extremely aggressive" (then lower the learning rate instead).
 *
 * Quantiles use simple-statistics `quantileSorted`: linear interpolation between order
 * statistics at index (n − 1)·p (R/numpy "type 7", numpy's default).
 */
import { quantileSorted as ssQuantileSorted } from "simple-statistics";
import { quantilesOfFinite } from "../stats/quantilesOfFinite.js";
import { Study } from "../study/study.js";
import { finding, type Finding } from "./finding.js";
import { resolveMetricRoles } from "./metricRoles.js";
import { r6 } from "./curveMath.js";
import { defineAnalysis, option, optionDefaults } from "./registry.js";
import { fmt } from "./common.js";

/** Per-step gradient norms of one run. */
export interface GradNormSeries {
  trial?: string;
  steps: number[];
  norms: number[];
  /**
   * Last step of the run's training, when it is longer than the logged norms (norms logged for the
   * first 100 steps of a 48,000-step run): spikes are placed early/mid against it.
   */
  lastStep?: number;
}

/** A series as the analysis reads it: plain or typed arrays (a study's curve views are read, not copied). */
type NormRun = { readonly [K in keyof GradNormSeries]: K extends "steps" | "norms" ? ArrayLike<number> : GradNormSeries[K] };

export interface ClippingOptions {
  /** Quantile of the norms used as the clipping threshold. Default 0.9 (playbook). */
  quantile?: number;
  /** A threshold to evaluate (e.g. the one in use); default: the `quantile` of the pooled norms. */
  threshold?: number;
  /** Metric holding the norms (Study input). Default: resolved `grad_norm`. */
  metric?: string;
  /** `clipping.too_frequent` when more than this fraction of updates would be clipped. Default 0.5. */
  tooFrequent?: number;
  /** A spike is a norm above `spikeFactor` × the median of the previous `spikeWindow` norms. Default 5. */
  spikeFactor?: number;
  /** Default 50 steps; at least 5 earlier norms are needed before spikes are looked for. */
  spikeWindow?: number;
  /** Spikes in the first `earlyFraction` of a run are "early" (warmup helps), later ones "mid". Default 0.1. */
  earlyFraction?: number;
}

export interface NormQuantiles {
  n: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface GradSpike {
  trial: string | null;
  step: number;
  norm: number;
  rollingMedian: number;
  ratio: number;
  phase: "early" | "mid";
}

export interface TrialClipping {
  trial: string | null;
  quantiles: NormQuantiles | null;
  /** This run's own `quantile` threshold. */
  threshold: number | null;
  /** Fraction of this run's finite norms above the evaluated threshold. */
  clippedFraction: number;
  nonFinite: number;
  spikes: GradSpike[];
}

export interface ClippingResult {
  metric: string;
  quantile: number;
  /** Quantiles of all finite norms pooled over the runs. */
  quantiles: NormQuantiles | null;
  /** The `quantile` (default p90) of the pooled norms: the recommended clipping threshold. */
  recommendedThreshold: number | null;
  /** The threshold evaluated: `options.threshold` or the recommended one. */
  threshold: number | null;
  /** Fraction of finite norms strictly above `threshold` (these updates would be clipped). */
  clippedFraction: number;
  /** Non-finite norms (NaN/Inf), not in the quantiles. */
  nonFinite: number;
  perTrial: TrialClipping[];
  spikes: GradSpike[];
  findings: Finding[];
}

/**
 * Quantiles of a sample (type-7 linear interpolation), or null when it has no finite value.
 *
 * @example
 * normQuantiles([1, 2, 3, 4, 5])?.p90; // 4.6
 */
export function normQuantiles(values: number[]): NormQuantiles | null {
  return quantilesOf([values], [])?.quantiles ?? null;
}

/**
 * Norm quantiles of one or more runs pooled, plus the `extra` quantiles, in O(steps): order
 * statistics are selected (stats/quantilesOfFinite), not sorted, and the runs are not copied.
 */
function quantilesOf(arrays: ReadonlyArray<ArrayLike<number>>, extra: number[]): { quantiles: NormQuantiles; extra: number[] } | null {
  const r = quantilesOfFinite(arrays, [0.1, 0.5, 0.9, 0.99, ...extra]);
  if (!r) return null;
  const [p10, p50, p90, p99, ...rest] = r.quantiles as [number, number, number, number, ...number[]];
  return { quantiles: { n: r.n, min: r.min, p10, p50, p90, p99, max: r.max, mean: r.sum / r.n }, extra: rest };
}

/**
 * Fraction of finite values strictly above `threshold` (the updates that would be clipped).
 *
 * @example
 * clippedFraction([1, 2, 3, NaN], 1.5); // 2/3
 */
export function clippedFraction(values: ArrayLike<number>, threshold: number): number {
  let n = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    if (v > threshold) c++;
  }
  return n ? c / n : 0;
}

/**
 * Steps whose norm exceeds `factor` × the median of the previous `window` norms.
 *
 * @example
 * gradSpikes({ steps: [1,2,3,4,5,6], norms: [1,1,1,1,1,9] }, { factor: 5, window: 5 })[0].step; // 6
 */
export function gradSpikes(series: GradNormSeries | NormRun, opts: { factor?: number; window?: number; earlyFraction?: number } = {}): GradSpike[] {
  const factor = opts.factor ?? 5;
  const window = opts.window ?? 50;
  const earlyFraction = opts.earlyFraction ?? 0.1;
  const out: GradSpike[] = [];
  // The previous `window` norms in arrival order (a ring) and kept sorted (binary insert/remove with
  // copyWithin: O(window) per step, no array reallocation for a million steps).
  // Room for `window` + 1 norms (the newest arrives before the oldest leaves); unbounded for a non-finite window.
  const size = Number.isFinite(window) ? Math.max(1, Math.floor(window) + 1) : series.norms.length + 1;
  const ring = new Float64Array(size);
  let head = 0;
  let count = 0;
  const sorted = new Float64Array(size);
  let len = 0;
  const lowerBound = (x: number) => {
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const first = series.steps[0] ?? 0;
  const last = Math.max(series.steps[series.steps.length - 1] ?? 0, series.lastStep ?? -Infinity);
  const minHistory = Math.min(5, window);
  // A whole-number window of 1 or more holds exactly `window` norms once full: replace in place.
  const replace = Number.isInteger(window) && window >= 1;
  for (let i = 0; i < series.norms.length; i++) {
    const v = series.norms[i]!;
    if (!Number.isFinite(v)) continue;
    if (len >= minHistory) {
      if (len === 0) ssQuantileSorted([], 0.5); // window ≤ 0: the same error as a median of nothing
      // The median as simple-statistics' quantileSorted(sorted, 0.5) computes it (type 7: the
      // midpoint of the two middle values, x[lo] + 0.5 · (x[lo + 1] − x[lo]), for an even count).
      const lo = (len - 1) >> 1;
      const med = (len - 1) & 1 ? sorted[lo]! + 0.5 * (sorted[lo + 1]! - sorted[lo]!) : sorted[lo]!;
      if (med > 0 && v > factor * med) {
        const step = series.steps[i]!;
        const phase = last > first && (step - first) / (last - first) <= earlyFraction ? "early" : "mid";
        out.push({ trial: series.trial ?? null, step, norm: v, rollingMedian: med, ratio: v / med, phase });
      }
    }
    if (replace && count === window) {
      // A full window: the oldest leaves as v arrives. v takes the oldest's place in the sorted
      // window and moves to its rank, shifting only the values between the two (same multiset
      // as inserting v and removing the oldest).
      const old = ring[head]!;
      const tail = head + count;
      ring[tail >= size ? tail - size : tail] = v;
      if (++head === size) head = 0;
      let k = lowerBound(old);
      if (v > old) {
        while (k + 1 < len && sorted[k + 1]! < v) {
          sorted[k] = sorted[k + 1]!;
          k++;
        }
      } else {
        while (k > 0 && sorted[k - 1]! > v) {
          sorted[k] = sorted[k - 1]!;
          k--;
        }
      }
      sorted[k] = v;
      continue;
    }
    // Arrive v, then drop the oldest when more than `window` are held.
    const at = lowerBound(v);
    // Plain shifting loops: copyWithin's call overhead dominates on ~50 elements.
    for (let k = len; k > at; k--) sorted[k] = sorted[k - 1]!;
    sorted[at] = v;
    len++;
    ring[(head + count) % size] = v;
    count++;
    if (count > window) {
      const old = ring[head]!;
      head = (head + 1) % size;
      count--;
      const gone = lowerBound(old);
      len--;
      for (let k = gone; k < len; k++) sorted[k] = sorted[k + 1]!;
    }
  }
  return out;
}

/** The options of `gradientClipping` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const clippingOptions = {
  metric: option.string("metric with the gradient norms (default: grad_norm…)"),
  quantile: option.number("quantile for the threshold", { default: 0.9, min: 0, max: 1 }),
  threshold: option.number("evaluate this threshold instead", { min: 0 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(clippingOptions);

/**
 * Gradient-norm quantiles, the p90 clipping threshold, the fraction of updates a threshold
 * clips, and spikes over time. Input: a Study (the `grad_norm` curves of its trials), one series,
 * several series, or a plain array of norms.
 *
 * @example
 * const r = gradientClipping(study);          // AlgoPerf raw folders log `grad_norm` per step
 * r.recommendedThreshold;                      // pooled p90
 * gradientClipping(norms, { threshold: 1 }).clippedFraction;
 */
export function gradientClipping(input: Study | number[] | GradNormSeries | GradNormSeries[], options: ClippingOptions = {}): ClippingResult {
  const q = options.quantile ?? D.quantile;
  const tooFrequent = options.tooFrequent ?? 0.5;
  let metric = options.metric ?? "grad_norm";
  let series: NormRun[];
  if (input instanceof Study) {
    metric = options.metric ?? resolveMetricRoles(input.metrics(), input.objective).gradNorm ?? "grad_norm";
    // Each run's training length is its longest logged step (any metric), not the last logged norm.
    const study = input;
    // Shared read-only views (not copies): the norms are only read.
    series = input.trialIds().map((t) => input.curveView(t, metric)).filter((c) => c.steps.length > 0).map((c) => {
      const row = study.trial(c.trial);
      let lastStep = row?.steps ?? -Infinity;
      for (const m of study.trialMetrics(c.trial)) {
        const st = study.curveView(c.trial, m).steps;
        if (st.length && st[st.length - 1]! > lastStep) lastStep = st[st.length - 1]!;
      }
      return { trial: c.trial, steps: c.steps, norms: c.values, ...(Number.isFinite(lastStep) ? { lastStep } : {}) };
    });
  } else if (Array.isArray(input)) {
    series = input.length && typeof input[0] === "number" ? [{ steps: (input as number[]).map((_, i) => i), norms: input as number[] }] : (input as GradNormSeries[]);
  } else {
    series = [input];
  }
  // Pooled over the runs without concatenating or sorting them (50 M steps at 100 M rows).
  const norms = series.map((s) => s.norms);
  const pooled = quantilesOf(norms, [q]);
  const quantiles = pooled?.quantiles ?? null;
  const recommendedThreshold = pooled ? pooled.extra[0]! : null;
  const threshold = options.threshold ?? recommendedThreshold;
  let pooledLength = 0;
  for (const a of norms) pooledLength += a.length;
  const nonFinite = pooledLength - (quantiles?.n ?? 0);
  let clipped = 0;
  if (threshold !== null) {
    let c = 0;
    for (const a of norms) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!) && a[i]! > threshold) c++;
    clipped = quantiles ? c / quantiles.n : 0;
  }
  const spikeOpts = { factor: options.spikeFactor ?? 5, window: options.spikeWindow ?? 50, earlyFraction: options.earlyFraction ?? 0.1 };
  const perTrial: TrialClipping[] = series.map((s) => {
    // One run: its quantiles are the pooled ones.
    const own = series.length === 1 ? pooled : quantilesOf([s.norms], [q]);
    return {
      trial: s.trial ?? null,
      quantiles: own?.quantiles ?? null,
      threshold: own ? own.extra[0]! : null,
      clippedFraction: threshold === null ? 0 : clippedFraction(s.norms, threshold),
      nonFinite: s.norms.length - (own?.quantiles.n ?? 0),
      spikes: gradSpikes(s, spikeOpts),
    };
  });
  const spikes = perTrial.flatMap((t) => t.spikes);
  const findings: Finding[] = [];
  if (quantiles && recommendedThreshold !== null) {
    findings.push(
      finding("info", "clipping.threshold", `Gradient norms (${metric}, ${quantiles.n} steps over ${series.length} run${series.length === 1 ? "" : "s"}): median ${fmt(quantiles.p50)}, p${fmt(q * 100)} ${fmt(recommendedThreshold)}, max ${fmt(quantiles.max)}. A clipping threshold at the p${fmt(q * 100)} (${fmt(recommendedThreshold)}) is the playbook's starting point.`, {
        metric, quantile: q, threshold: r6(recommendedThreshold), p50: r6(quantiles.p50), p90: r6(quantiles.p90), p99: r6(quantiles.p99), max: r6(quantiles.max), n: quantiles.n, runs: series.length, quantileMethod: "type-7 linear interpolation (simple-statistics quantileSorted)",
      }),
    );
  }
  if (threshold !== null && quantiles) {
    const over = perTrial.filter((t) => t.clippedFraction > tooFrequent);
    if (clipped > tooFrequent || over.length) {
      findings.push(
        finding("warn", "clipping.too_frequent", (clipped > tooFrequent
          ? `A clipping threshold of ${fmt(threshold)} would clip ${fmt(clipped * 100)}% of all updates (more than ${tooFrequent * 100}%)`
          : `A clipping threshold of ${fmt(threshold)} would clip ${fmt(clipped * 100)}% of all updates, but more than ${tooFrequent * 100}% of the updates of ${over.length} run${over.length === 1 ? "" : "s"} (${over.slice(0, 3).map((t) => `${t.trial}: ${fmt(t.clippedFraction * 100)}%`).join(", ")}${over.length > 3 ? ", …" : ""})`) +
          `: for ${clipped > tooFrequent ? "these updates" : "those runs"} that is extremely aggressive clipping, in effect a smaller learning rate. Lower the learning rate instead, or raise the threshold.`, {
          metric, threshold: r6(threshold), clippedFraction: r6(clipped), limit: tooFrequent, runs: over.map((t) => ({ trial: t.trial, clippedFraction: r6(t.clippedFraction) })),
        }),
      );
    }
  }
  if (spikes.length) {
    const early = spikes.filter((s) => s.phase === "early").length;
    findings.push(
      finding("warn", "clipping.spikes", `${spikes.length} gradient-norm spike${spikes.length === 1 ? "" : "s"} (norm > ${spikeOpts.factor}× the median of the previous ${spikeOpts.window} steps; ${early} early, ${spikes.length - early} mid-training), e.g. ${spikes.slice(0, 3).map((s) => `${s.trial ? `${s.trial} ` : ""}step ${s.step}: ${fmt(s.norm)} (${fmt(s.ratio)}× median)`).join("; ")}${spikes.length > 3 ? "; …" : ""}. Outlier gradients can cause spurious instability; clipping handles both early and mid-training spikes.`, {
        metric, count: spikes.length, early, mid: spikes.length - early, factor: spikeOpts.factor, window: spikeOpts.window,
        spikes: spikes.slice(0, 20).map((s) => ({ trial: s.trial, step: s.step, norm: r6(s.norm), rollingMedian: r6(s.rollingMedian), ratio: r6(s.ratio), phase: s.phase })),
      }),
    );
  }
  if (nonFinite) {
    findings.push(finding("warn", "clipping.non_finite", `${nonFinite} gradient norm${nonFinite === 1 ? " is" : "s are"} NaN/Inf: the run diverged; clipping cannot repair non-finite gradients.`, { metric, count: nonFinite }));
  }
  return { metric, quantile: q, quantiles, recommendedThreshold, threshold, clippedFraction: clipped, nonFinite, perTrial, spikes, findings };
}

/** Gradient clipping as the tools run it (see ./registry.ts). */
export const clippingAnalysis = defineAnalysis({
  name: "clipping",
  summary: "gradient clipping: norms vs step and their histogram, a threshold at the 90th percentile",
  options: clippingOptions,
  applies: (s, o) => {
    const m = o.metric ?? resolveMetricRoles(s.metrics(), s.objective).gradNorm;
    return m !== null && s.metrics().includes(m) ? true : o.metric ? `no metric "${o.metric}" in the study` : "no gradient-norm metric is logged";
  },
  run: (s, o) => gradientClipping(s, o),
});
