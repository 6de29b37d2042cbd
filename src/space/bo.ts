/**
 * The exploitation sampler (`sampler: bo`): Bayesian optimization with a Gaussian process
 * (playbook: "once exploration is done and the search space is fixed", Bayesian optimization
 * tools are the right way to spend the remaining budget).
 *
 * - **Inputs**: each trial is embedded in the unit-scaled space the quasi-random sampler uses: a
 *   log-scaled hyperparameter in log space, a linear one linearly, integers and discrete sets at
 *   their values' positions, categories one-hot (distance 1 between any two). A conditional
 *   hyperparameter gets an extra "inactive" column, so trials where it is unset are at distance 1
 *   from every set value and at 0 from each other. One Matérn-5/2 lengthscale per hyperparameter.
 * - **Objective**: the feasible trials' values, turned into "lower is better" and through a Gaussian
 *   copula (ranks → normal quantiles), so one huge loss cannot flatten the model.
 * - **Hyperparameters** (signal, lengthscales, noise) are fitted by maximum marginal likelihood.
 * - **Acquisition**: expected improvement (default) or the upper confidence bound, maximized over
 *   random candidates plus perturbations of the best trials, refined locally.
 * - **Infeasible trials are information**: a second GP on feasible = 1 / infeasible = 0 gives a
 *   probability of feasibility, and EI is multiplied by it (constrained EI, Gardner et al. 2014);
 *   UCB drops candidates predicted infeasible.
 * - **Batches for parallel workers**: constant liar (Ginsbourger et al. 2010): each chosen point and
 *   each running trial is added to the model with the best value seen, so the next pick goes elsewhere.
 * - **Warm start**: any finished trials (e.g. an exploration study) are observations; until there
 *   are `initial` feasible ones, the sampler returns the space's scrambled Halton points.
 */
import { errorFunction, probit } from "simple-statistics";
import { TunebookError } from "../core/errors.js";
import type { HpValue } from "../core/values.js";
import { fitGp, predictGp, type GpHyper, type GpModel } from "../surrogate/gaussianProcess.js";
import { mulberry32 } from "../util/random.js";
import { haltonPoints } from "./halton.js";
import { compileSpace, unitToTrial, type CompiledSpace, type Trial } from "./sample.js";
import type { Param, SearchSpace } from "./spec.js";
import { paramScale } from "./spec.js";

/** One finished (or imported) trial the sampler learns from. */
export interface BoObservation {
  hparams: Record<string, HpValue>;
  /** Objective value (ignored when infeasible). */
  value: number | null;
  feasible: boolean;
}

export interface BoOptions {
  direction: "minimize" | "maximize";
  /** "ei" (default) or "ucb". */
  acquisition?: "ei" | "ucb";
  /** UCB's exploration weight (default 2). */
  kappa?: number;
  seed?: number;
  /** Index of the first suggested trial (seeds the candidates and the Halton fallback). */
  index?: number;
  /** Feasible observations needed before the GP is used (default max(3, ⌈dims/2⌉ + 1)). */
  initial?: number;
  /** Random candidates per suggestion (default 1000). */
  candidates?: number;
  /** Trials running now (their points are not to be suggested again). */
  pending?: Array<Record<string, HpValue>>;
  /** Start the hyperparameter fit from these (e.g. the last suggestion's). */
  hyper?: GpHyper;
}

export interface BoSuggestion {
  hparams: Trial;
  /** "initial" (Halton, too few observations) or "bo". */
  source: "initial" | "bo";
  /** Model's prediction at the point in the objective's units, with a ±1 sd band (null for initial points). */
  predicted: { mean: number; low: number; high: number } | null;
  acquisition: number | null;
  /** Probability of feasibility (null when no trial was infeasible). */
  feasibility: number | null;
}

export interface BoResult {
  suggestions: BoSuggestion[];
  /** Fitted kernel hyperparameters (natural logs), per hyperparameter name for the lengthscales. */
  hyper?: GpHyper;
  lengthscales?: Record<string, number>;
  observations: { feasible: number; infeasible: number; ignored: number };
}

interface Encoder {
  c: CompiledSpace;
  width: number;
  groups: Array<[number, number]>;
  names: string[];
  encode(t: Record<string, HpValue>): Float64Array | null;
  toUnit(t: Record<string, HpValue>): Float64Array | null;
}

const INV_SQRT2 = Math.SQRT1_2;

function isConditional(c: CompiledSpace, i: number): boolean {
  return c.parentOf[i]! >= 0;
}

/** Position of a numeric value in [0, 1] in the parameter's scale. */
function numericUnit(p: Param, v: number): number {
  if (p.type === "float" || p.type === "int") {
    const log = p.scale === "log";
    const a = log ? Math.log(p.low) : p.low;
    const b = log ? Math.log(p.high) : p.high;
    return b > a ? ((log ? Math.log(v) : v) - a) / (b - a) : 0.5;
  }
  if (p.type === "discrete") {
    const log = paramScale(p) === "log";
    const vs = p.values.map((x) => (log ? Math.log(x) : x));
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    return hi > lo ? ((log ? Math.log(v) : v) - lo) / (hi - lo) : 0.5;
  }
  return 0.5;
}

/** Sampler coordinate u ∈ [0, 1) that maps back to value v (the middle of its cell), or null when v is not in the domain. */
function unitOf(p: Param, v: HpValue): number | null {
  switch (p.type) {
    case "float": {
      if (typeof v !== "number" || !Number.isFinite(v)) return null;
      const x = Math.min(p.high, Math.max(p.low, v));
      return p.scale === "log" ? Math.log(x / p.low) / Math.log(p.high / p.low) : (x - p.low) / (p.high - p.low || 1);
    }
    case "int": {
      if (typeof v !== "number" || !Number.isFinite(v)) return null;
      const x = Math.min(p.high, Math.max(p.low, Math.round(v)));
      if (p.scale === "log") {
        const a = Math.log(p.low - 0.5);
        return (Math.log(x) - a) / (Math.log(p.high + 0.5) - a);
      }
      return (x - p.low + 0.5) / (p.high - p.low + 1);
    }
    case "discrete":
    case "categorical": {
      const k = (p.values as HpValue[]).findIndex((x) => x === v || String(x) === String(v));
      return k < 0 ? null : (k + 0.5) / p.values.length;
    }
    case "fixed":
      return 0;
  }
}

function makeEncoder(space: SearchSpace): Encoder {
  const c = compileSpace(space);
  const groups: Array<[number, number]> = [];
  const names: string[] = [];
  let w = 0;
  const layout: Array<{ i: number; start: number; cond: boolean }> = [];
  c.params.forEach((p, i) => {
    if (c.dimOf[i]! < 0) return;
    const cond = isConditional(c, i);
    const width = (p.type === "categorical" ? p.values.length : 1) + (cond ? 1 : 0);
    layout.push({ i, start: w, cond });
    groups.push([w, w + width]);
    names.push(p.name);
    w += width;
  });
  const encode = (t: Record<string, HpValue>): Float64Array | null => {
    const x = new Float64Array(w);
    for (const { i, start, cond } of layout) {
      const p = c.params[i]!;
      const v = t[p.name];
      const active = v !== undefined && v !== null;
      if (!active) {
        if (!cond) return null; // an unconditional hyperparameter is missing: not a point of this space
        if (p.type === "categorical") x[start + p.values.length] = INV_SQRT2;
        else {
          x[start] = 0.5;
          x[start + 1] = 1;
        }
        continue;
      }
      if (p.type === "categorical") {
        const k = (p.values as HpValue[]).findIndex((y) => y === v || String(y) === String(v));
        if (k < 0) return null;
        x[start + k] = INV_SQRT2;
      } else {
        if (typeof v !== "number" || !Number.isFinite(v)) return null;
        x[start] = Math.min(1, Math.max(0, numericUnit(p, v)));
      }
    }
    return x;
  };
  const toUnit = (t: Record<string, HpValue>): Float64Array | null => {
    const u = new Float64Array(c.dims);
    for (let i = 0; i < c.params.length; i++) {
      const d = c.dimOf[i]!;
      if (d < 0) continue;
      const v = t[c.params[i]!.name];
      if (v === undefined || v === null) {
        u[d] = 0.5;
        continue;
      }
      const x = unitOf(c.params[i]!, v);
      if (x === null) return null;
      u[d] = Math.min(1 - 1e-9, Math.max(0, x));
    }
    return u;
  };
  return { c, width: w, groups, names, encode, toUnit };
}

const normCdf = (z: number) => 0.5 * (1 + errorFunction(z / Math.SQRT2));
const normPdf = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/** Gaussian copula: ranks (ties averaged) → standard normal quantiles. */
function copula(y: number[]): Float64Array {
  const n = y.length;
  const idx = y.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const z = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && idx[j + 1]![0] === idx[i]![0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) z[idx[k]![1]] = probit((r - 0.5) / n);
    i = j + 1;
  }
  return z;
}

/**
 * Suggest the next `k` trials by Gaussian-process Bayesian optimization (see the module comment).
 *
 * @example
 * const r = suggestBo(space, [{ hparams: { lr: 0.01 }, value: 0.3, feasible: true }, …], 4, { direction: "minimize" });
 * r.suggestions.map((s) => s.hparams); // 4 points for 4 parallel workers
 */
export function suggestBo(space: SearchSpace, observations: readonly BoObservation[], k: number, options: BoOptions): BoResult {
  if (!Number.isSafeInteger(k) || k < 0) throw new TunebookError(`the number of suggestions must be a non-negative integer, not ${k}`);
  const enc = makeEncoder(space);
  const c = enc.c;
  const seed = options.seed ?? 0;
  const index = options.index ?? 0;
  const sign = options.direction === "minimize" ? 1 : -1;
  const feas: Array<{ x: Float64Array; u: Float64Array; y: number }> = [];
  const all: Array<{ x: Float64Array; label: number }> = [];
  let ignored = 0;
  for (const o of observations) {
    const x = enc.encode(o.hparams);
    const u = enc.toUnit(o.hparams);
    if (!x || !u) {
      ignored++;
      continue;
    }
    const ok = o.feasible && o.value !== null && Number.isFinite(o.value);
    all.push({ x, label: ok ? 1 : 0 });
    if (ok) feas.push({ x, u, y: sign * o.value! });
  }
  const infeasible = all.length - feas.length;
  const counts = { feasible: feas.length, infeasible, ignored };
  const initial = options.initial ?? Math.max(3, Math.ceil(c.dims / 2) + 1);
  if (c.dims === 0) return { suggestions: Array.from({ length: k }, () => ({ hparams: unitToTrial(c, []), source: "initial" as const, predicted: null, acquisition: null, feasibility: null })), observations: counts };
  if (feas.length < initial) {
    // Too few observations for a model: the space's quasi-random points, from the trial index on.
    const pts = haltonPoints(k, c.dims, { seed, start: index });
    return { suggestions: Array.from({ length: k }, (_, j) => ({ hparams: unitToTrial(c, pts, j * c.dims), source: "initial" as const, predicted: null, acquisition: null, feasibility: null })), observations: counts };
  }

  const z = copula(feas.map((f) => f.y));
  // Map back from copula units to objective units for the reported prediction (piecewise linear in the observed quantiles).
  const sortedY = feas.map((f) => f.y).sort((a, b) => a - b);
  const sortedZ = [...z].sort((a, b) => a - b);
  const toObjective = (m: number) => {
    // Linear between neighbouring observed quantiles; beyond the ends, along the last segment.
    const N = sortedZ.length;
    if (N === 1) return sign * sortedY[0]!;
    let i = 0;
    while (i < N - 2 && sortedZ[i + 1]! < m) i++;
    const z0 = sortedZ[i]!;
    const z1 = sortedZ[i + 1]!;
    const t = z1 > z0 ? (m - z0) / (z1 - z0) : 0;
    return sign * (sortedY[i]! + t * (sortedY[i + 1]! - sortedY[i]!));
  };
  const X: Float64Array[] = feas.map((f) => f.x);
  const Y: number[] = [...z];
  const lie = Math.min(...Y);
  const pendingX = (options.pending ?? []).map((t) => enc.encode(t)).filter((x): x is Float64Array => x !== null);
  for (const x of pendingX) {
    X.push(x);
    Y.push(lie);
  }
  let gp: GpModel = fitGp({ X, groups: enc.groups, y: Float64Array.from(Y) }, { init: options.hyper, iterations: options.hyper ? 15 : 40 });
  const hyper = gp.hyper;
  let feasGp: GpModel | undefined;
  let feasMean = 1;
  if (infeasible > 0) {
    feasMean = feas.length / all.length;
    const labels = all.map((a) => 2 * a.label - 1 - (2 * feasMean - 1));
    feasGp = fitGp({ X: all.map((a) => a.x), groups: enc.groups, y: Float64Array.from(labels) }, { init: { ...hyper, logNoise: Math.log(0.1) }, iterations: 20 });
  }
  const acq = options.acquisition ?? "ei";
  const kappa = options.kappa ?? 2;
  const rnd = mulberry32((seed * 1000003 + index * 7919 + 17) >>> 0);
  const seen = new Set<string>(all.map((a) => Array.from(a.x).join(",")));
  const out: BoSuggestion[] = [];
  for (let s = 0; s < k; s++) {
    const best = Math.min(...gp.data.y);
    const score = (x: Float64Array): { a: number; mean: number; sd: number; p: number | null } => {
      const { mean, sd } = predictGp(gp, x);
      let p: number | null = null;
      if (feasGp) p = Math.min(1, Math.max(0.01, (predictGp(feasGp, x).mean + 2 * feasMean) / 2));
      let a: number;
      if (acq === "ucb") {
        a = kappa * sd - mean;
        if (p !== null && p < 0.5) a -= 1e3;
      } else {
        const imp = best - mean;
        const zz = imp / sd;
        a = imp * normCdf(zz) + sd * normPdf(zz);
        if (p !== null) a *= p;
      }
      return { a, mean, sd, p };
    };
    type Cand = { u: Float64Array; x: Float64Array; t: Trial; a: number; mean: number; sd: number; p: number | null };
    const consider = (u: Float64Array, into: Cand[]) => {
      const t = unitToTrial(c, u);
      const x = enc.encode(t);
      if (!x) return;
      const key = Array.from(x).join(",");
      if (seen.has(key)) return;
      const r = score(x);
      into.push({ u, x, t, ...r });
    };
    const cands: Cand[] = [];
    const nRand = options.candidates ?? 1000;
    for (let i = 0; i < nRand; i++) {
      const u = new Float64Array(c.dims);
      for (let d = 0; d < c.dims; d++) u[d] = rnd();
      consider(u, cands);
    }
    const perturb = (u0: Float64Array, sigma: number): Float64Array => {
      const u = Float64Array.from(u0);
      for (let d = 0; d < c.dims; d++) {
        if (rnd() < Math.min(1, 2 / c.dims) || c.dims <= 2) {
          // Box-Muller step, reflected into [0, 1).
          const g = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
          let v = u[d]! + sigma * g;
          v = v < 0 ? -v : v >= 1 ? 2 - v - 1e-9 : v;
          u[d] = Math.min(1 - 1e-9, Math.max(0, v));
        }
      }
      return u;
    };
    const topObs = feas.map((f, i) => ({ u: f.u, z: z[i]! })).sort((a, b) => a.z - b.z).slice(0, 5);
    for (const o of topObs) for (const sigma of [0.02, 0.06, 0.15]) for (let r = 0; r < 20; r++) consider(perturb(o.u, sigma), cands);
    if (cands.length === 0) {
      // Every candidate repeats a trial (a tiny discrete space): fall back to a random point.
      const u = new Float64Array(c.dims).map(() => rnd());
      const t = unitToTrial(c, u);
      out.push({ hparams: t, source: "bo", predicted: null, acquisition: null, feasibility: null });
      continue;
    }
    cands.sort((a, b) => b.a - a.a);
    let bestC = cands[0]!;
    // Local refinement of the best few: shrinking perturbations, keep improvements.
    for (const start of cands.slice(0, 3)) {
      let cur = start;
      for (const sigma of [0.05, 0.02, 0.008]) {
        const local: Cand[] = [];
        for (let r = 0; r < 16; r++) consider(perturb(cur.u, sigma), local);
        for (const l of local) if (l.a > cur.a) cur = l;
      }
      if (cur.a > bestC.a) bestC = cur;
    }
    seen.add(Array.from(bestC.x).join(","));
    out.push({ hparams: bestC.t, source: "bo", predicted: { mean: toObjective(bestC.mean), low: Math.min(toObjective(bestC.mean - bestC.sd), toObjective(bestC.mean + bestC.sd)), high: Math.max(toObjective(bestC.mean - bestC.sd), toObjective(bestC.mean + bestC.sd)) }, acquisition: bestC.a, feasibility: bestC.p });
    if (s + 1 < k) {
      // Constant liar: pretend the chosen point returned the best value so far, refactorize.
      X.push(bestC.x);
      Y.push(lie);
      gp = fitGp({ X, groups: enc.groups, y: Float64Array.from(Y) }, { init: hyper, fixed: true });
    }
  }
  const lengthscales = Object.fromEntries(enc.names.map((n, i) => [n, Math.exp(hyper.logLengths[i]!)]));
  return { suggestions: out, hyper, lengthscales, observations: counts };
}
