/**
 * Samplers: turn a search space and a trial index into hyperparameters.
 *
 * Every non-fixed parameter owns one coordinate of the unit cube, in declaration order (fixed
 * parameters own none), whether or not it is active: adding trials never changes earlier ones,
 * and a conditional parameter keeps its coordinate when its parent changes. Mapping a coordinate
 * u ∈ [0, 1) into the space:
 * - float, linear: low + u·(high − low); log: low·(high/low)^u = exp(ln low + u·(ln high − ln low)).
 * - int, linear: low + floor(u·K) over the K = high − low + 1 integers (each equally likely).
 * - int, log: exp of a uniform point in [ln(low − ½), ln(high + ½)], rounded to the nearest
 *   integer: integer m gets mass ∝ ln((m + ½)/(m − ½)), the log-uniform law made discrete, with
 *   full-width end bins (so low ≥ 1 is required).
 * - discrete, categorical: values[floor(u·K)] (in the order written).
 * - fixed: its value.
 * A parameter whose condition fails (or whose parent is itself inactive) is left out of the
 * trial's record.
 */
import { TunebookError } from "../core/errors.js";
import { safeRecord, type HpValue } from "../core/values.js";
import { haltonPoints } from "./halton.js";
import { counterUniform } from "./prng.js";
import type { Param, SearchSpace } from "./spec.js";

export type SamplerName = "halton" | "random" | "grid";
export const SAMPLERS: readonly SamplerName[] = ["halton", "random", "grid"];

/** Trial hyperparameters: a null-prototype record, keys in declaration order, inactive ones absent. */
export type Trial = Record<string, HpValue>;

export interface SampleOptions {
  /** Default "halton" (scrambled). */
  sampler?: SamplerName;
  /** Number of trials. Required for halton and random; grid defaults to the whole grid. */
  n?: number;
  /** Default 0. */
  seed?: number;
  /** Index of the first trial. Default 0. */
  start?: number;
  /** Halton only: random digit permutations (default true). */
  scramble?: boolean;
  /** Halton only: sequence index of trial 0 (default 0 scrambled, 1 unscrambled). */
  skip?: number;
  /** Grid only: points per float/int parameter without its own `grid` (default 5). */
  gridPoints?: number;
}

export const DEFAULT_GRID_POINTS = 5;
/** Largest grid `sample` enumerates whole when no `n` is given. */
export const MAX_WHOLE_GRID = 1_000_000;

/** A space prepared for sampling: coordinates and the order in which activity is resolved. */
export interface CompiledSpace {
  space: SearchSpace;
  params: Param[];
  /** Coordinate of each parameter (−1 for fixed). */
  dimOf: number[];
  /** Number of coordinates (non-fixed parameters). */
  dims: number;
  /** Parameter indices with every parent before its children (declaration order otherwise). */
  order: number[];
  /** Index of each parameter's condition parent (−1 if unconditional). */
  parentOf: number[];
}

const compiledCache = new WeakMap<SearchSpace, CompiledSpace>();

/**
 * Assign coordinates and resolve the condition order (cached per space object: treat a space
 * as immutable once sampled).
 * @example compileSpace(space).dims // number of non-fixed parameters
 */
export function compileSpace(space: SearchSpace): CompiledSpace {
  const hit = compiledCache.get(space);
  if (hit && hit.params.length === space.params.length) return hit;
  const params = space.params;
  const index = new Map(params.map((p, i) => [p.name, i]));
  const dimOf: number[] = [];
  let dims = 0;
  for (const p of params) dimOf.push(p.type === "fixed" ? -1 : dims++);
  const parentOf = params.map((p) => (p.condition ? (index.get(p.condition.parent) ?? -2) : -1));
  if (parentOf.includes(-2)) throw new TunebookError("search space has a condition on an unknown parameter; validate it with parseSpace");
  const order: number[] = [];
  const state = new Uint8Array(params.length); // 0 new, 1 visiting, 2 done
  const visit = (i: number): void => {
    if (state[i] === 2) return;
    if (state[i] === 1) throw new TunebookError(`search space has cyclic conditions through "${params[i]!.name}"`);
    state[i] = 1;
    if (parentOf[i]! >= 0) visit(parentOf[i]!);
    state[i] = 2;
    order.push(i);
  };
  for (let i = 0; i < params.length; i++) visit(i);
  const c = { space, params, dimOf, dims, order, parentOf };
  compiledCache.set(space, c);
  return c;
}

/**
 * Map one coordinate u ∈ [0, 1) into a parameter's domain (see the module doc for the rules).
 * @example mapUnit({ name: "lr", type: "float", low: 1e-4, high: 1e-1, scale: "log" }, 0.5) // ≈ 0.00316
 */
export function mapUnit(p: Param, u: number): HpValue {
  switch (p.type) {
    case "float": {
      // low·(high/low)^u: exactly `low` at u = 0.
      const x = p.scale === "log" ? p.low * Math.exp(u * Math.log(p.high / p.low)) : p.low + u * (p.high - p.low);
      return x < p.low ? p.low : x > p.high ? p.high : x;
    }
    case "int": {
      if (p.scale === "log") {
        const a = Math.log(p.low - 0.5);
        const x = Math.round(Math.exp(a + u * (Math.log(p.high + 0.5) - a)));
        return x < p.low ? p.low : x > p.high ? p.high : x;
      }
      const K = p.high - p.low + 1;
      return p.low + Math.min(K - 1, Math.floor(u * K));
    }
    case "discrete":
    case "categorical": {
      const K = p.values.length;
      return p.values[Math.min(K - 1, Math.floor(u * K))]!;
    }
    case "fixed":
      return p.value;
  }
}

/**
 * Build a trial record from one value per parameter (any value for inactive ones): drops the
 * parameters whose condition fails, keeps declaration order.
 * @example activeRecord(compileSpace(space), ["adam", 0.9]) // {optimizer: "adam", beta1: 0.9}
 */
export function activeRecord(c: CompiledSpace, values: readonly HpValue[]): Trial {
  const active = new Uint8Array(c.params.length);
  for (const i of c.order) {
    const par = c.parentOf[i]!;
    const cond = c.params[i]!.condition;
    active[i] = par < 0 || !cond ? 1 : active[par] && (cond.in as HpValue[]).includes(values[par]!) ? 1 : 0;
  }
  const rec = safeRecord<HpValue>();
  for (let i = 0; i < c.params.length; i++) if (active[i]) rec[c.params[i]!.name] = values[i]!;
  return rec;
}

/**
 * The trial for one point of the unit cube (`u[dim]` for each non-fixed parameter, in
 * declaration order).
 * @example unitToTrial(space, [0.5, 0.1])
 */
export function unitToTrial(space: SearchSpace | CompiledSpace, u: ArrayLike<number>, offset = 0): Trial {
  const c = "dimOf" in space ? space : compileSpace(space);
  const values = c.params.map((p, i) => (c.dimOf[i]! < 0 ? mapUnit(p, 0) : mapUnit(p, u[offset + c.dimOf[i]!]!)));
  return activeRecord(c, values);
}

function checkIndex(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x < 0) throw new TunebookError(`${name} must be a non-negative integer, not ${v}`);
  return x;
}

/**
 * Trials `start … start+n−1` of a space with the chosen sampler. Trial i depends only on
 * (space, sampler, seed, i) and the sampler's options, so shards generated with different
 * `start`s concatenate to the same sequence.
 *
 * @example
 * sample(space, { n: 20, seed: 1 });                  // scrambled Halton
 * sample(space, { sampler: "random", n: 20, seed: 1 });
 * sample(space, { sampler: "grid" });                 // the whole grid
 */
export function sample(space: SearchSpace, opts: SampleOptions = {}): Trial[] {
  const sampler = opts.sampler ?? "halton";
  if (!SAMPLERS.includes(sampler)) throw new TunebookError(`unknown sampler "${sampler}" (expected ${SAMPLERS.join(", ")})`);
  const c = compileSpace(space);
  const seed = checkIndex("seed", opts.seed, 0);
  const start = checkIndex("start", opts.start, 0);
  if (sampler === "grid") {
    const out: Trial[] = [];
    const n = opts.n === undefined ? Infinity : checkIndex("n", opts.n, 0);
    if (n === Infinity) {
      let product = 1;
      for (const p of c.params) product *= gridValues(p, opts.gridPoints).length;
      if (product > MAX_WHOLE_GRID) {
        throw new TunebookError(`the grid has up to ${product} trials; pass n (and start) to take a slice, or use the halton sampler (playbook: grids only in 1-2 dimensions)`);
      }
    }
    let i = 0;
    for (const t of gridTrials(c, opts.gridPoints)) {
      if (out.length >= n) break;
      if (i++ >= start) out.push(t);
    }
    return out;
  }
  if (opts.n === undefined) throw new TunebookError(`the ${sampler} sampler needs the number of trials n`);
  const n = checkIndex("n", opts.n, 0);
  if (sampler === "random") {
    const u = new Float64Array(c.dims);
    const out: Trial[] = [];
    for (let i = start; i < start + n; i++) {
      for (let j = 0; j < c.dims; j++) u[j] = counterUniform(seed, i, j);
      out.push(unitToTrial(c, u));
    }
    return out;
  }
  const pts = haltonPoints(n, c.dims, { seed, start, scramble: opts.scramble, skip: opts.skip });
  const out: Trial[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = unitToTrial(c, pts, i * c.dims);
  return out;
}

/**
 * Trial i alone; equals `sample(space, {...opts, n: i + 1})[i]`.
 * @example sampleAt(space, 17, { seed: 3 })
 */
export function sampleAt(space: SearchSpace, i: number, opts: Omit<SampleOptions, "n" | "start"> = {}): Trial {
  const t = sample(space, { ...opts, n: 1, start: i });
  if (!t.length) throw new TunebookError(`trial ${i} is past the end of the grid`);
  return t[0]!;
}

/**
 * Grid values of one parameter: all values of discrete/categorical/fixed; for float/int its
 * `grid` (or `gridPoints`) points evenly spaced in its scale, ends included (1 point: the
 * middle); an int with at most that many integers gives all of them.
 * @example gridValues({ name: "lr", type: "float", low: 1e-3, high: 1e-1, scale: "log" }, 3) // [0.001, 0.01, 0.1]
 */
export function gridValues(p: Param, gridPoints = DEFAULT_GRID_POINTS): HpValue[] {
  switch (p.type) {
    case "fixed":
      return [p.value];
    case "discrete":
    case "categorical":
      return [...p.values];
    case "float":
    case "int": {
      const N = p.grid ?? gridPoints;
      if (p.type === "int" && p.high - p.low + 1 <= N) {
        return Array.from({ length: p.high - p.low + 1 }, (_, k) => p.low + k);
      }
      const log = p.scale === "log";
      const a = log ? Math.log(p.low) : p.low;
      const b = log ? Math.log(p.high) : p.high;
      const out: number[] = [];
      for (let k = 0; k < N; k++) {
        const t = N === 1 ? 0.5 : k / (N - 1);
        let x = log ? Math.exp(a + t * (b - a)) : a + t * (b - a);
        if (k === 0 && N > 1) x = p.low;
        if (k === N - 1 && N > 1) x = p.high;
        if (p.type === "int") x = Math.round(x);
        if (!out.includes(x)) out.push(x);
      }
      return out;
    }
  }
}

/**
 * The grid in order: a cartesian product over the parameters (parents before children,
 * otherwise declaration order; the first varies slowest). An inactive parameter is not expanded,
 * so conditional parameters never produce duplicate trials.
 * @example [...gridTrials(compileSpace(space))].length
 */
export function* gridTrials(c: CompiledSpace, gridPoints?: number): Generator<Trial> {
  const grids = c.params.map((p) => gridValues(p, gridPoints));
  const values: HpValue[] = new Array(c.params.length).fill(null);
  const active = new Uint8Array(c.params.length);
  function* rec(k: number): Generator<Trial> {
    if (k === c.order.length) {
      const r = safeRecord<HpValue>();
      for (let i = 0; i < c.params.length; i++) if (active[i]) r[c.params[i]!.name] = values[i]!;
      yield r;
      return;
    }
    const i = c.order[k]!;
    const par = c.parentOf[i]!;
    const cond = c.params[i]!.condition;
    const on = par < 0 || !cond || (active[par] === 1 && (cond.in as HpValue[]).includes(values[par]!));
    if (!on) {
      active[i] = 0;
      yield* rec(k + 1);
      return;
    }
    active[i] = 1;
    for (const v of grids[i]!) {
      values[i] = v;
      yield* rec(k + 1);
    }
  }
  yield* rec(0);
}

/**
 * Number of trials in the grid.
 * @example gridSize(space) // e.g. 2 optimizers × 5 learning rates = 10
 */
export function gridSize(space: SearchSpace, gridPoints?: number): number {
  let n = 0;
  for (const _ of gridTrials(compileSpace(space), gridPoints)) n++;
  return n;
}
