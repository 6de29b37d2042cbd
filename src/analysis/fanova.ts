/**
 * fANOVA importance (functional ANOVA on a random-forest surrogate, Hutter, Hoos & Leyton-Brown
 * 2014, "An Efficient Approach for Assessing Hyperparameter Importance").
 *
 * A random forest is fitted to the objective of the feasible trials. Each tree is a piecewise
 * constant function over the search space, so its functional ANOVA decomposition is exact: the
 * marginal of a set S of hyperparameters is the tree averaged over the others (uniformly, in each
 * hyperparameter's scale), and the share of the tree's variance that S's marginal carries is the
 * importance of S. Pairs report the interaction alone (V_ij − V_i − V_j). Each effect is the mean
 * over the trees, with its spread over the trees (std and the 10th–90th percentile) as the
 * interval, as in Hutter et al. and Optuna's evaluator.
 *
 * How the playbook's situations are handled (each is stated in the result's `method`/findings):
 * - **Scale**: a log-scaled hyperparameter is averaged uniformly in log space (each decade weighs
 *   the same), a linear one in linear space, as the search space samples them. Optuna's evaluator
 *   averages every float in linear space; `measure: "linear"` reproduces that for comparisons.
 * - **Conditional hyperparameters** (set in only some trials, e.g. `num_neurons_layer1` only when
 *   `model = mlp`): left out of the study-wide model, and scored by a second forest on the trials
 *   where they are active, over the hyperparameters active there ("within model = mlp").
 * - **Infeasible trials** (diverged, failed, oom, or no finite objective) have no objective value,
 *   so they are not in the objective model; they are counted, and a separate *feasibility model*
 *   (a forest on 1 = feasible / 0 = infeasible over all trials) says which hyperparameters decide
 *   feasibility. Nothing is dropped silently.
 * - **Top quantile** (`topFraction`, Hutter et al. §4.2): the surrogate's predictions worse than the
 *   objective's top-q quantile are capped at it, so only variation among good configurations counts:
 *   which hyperparameters still matter near the optimum.
 */
import type { Study } from "../study/study.js";
import type { HpValue, TrialRow } from "../study/types.js";
import { findParam } from "../space/spec.js";
import { fitForest, type RandomForest, type RegressionTree } from "../surrogate/randomForest.js";
import { type ObjectiveBy, type Scale, hparamRange, hparamScale, isFeasibleRow, objectiveOf, quantileSorted, valueLabel, fmt } from "./common.js";
import { type Finding, finding } from "./finding.js";
import { feasibleCount, mixesSearchSpaces, varyingHparams } from "./applicability.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";

export interface FanovaOptions {
  /** Hyperparameters to score (default: every one that varies). */
  hparams?: string[];
  /** Trees in each forest (default 32; Optuna's evaluator uses 64). */
  trees?: number;
  /** Maximum tree depth (default 64, as Optuna). */
  maxDepth?: number;
  /** Minimum samples per leaf (default 1, 3 on studies of 500+ trials). */
  minSamplesLeaf?: number;
  seed?: number;
  /** Importance among the best fraction of trials (Hutter et al.'s quantile cap; default 1 = all). */
  topFraction?: number;
  /** Score pairwise interactions (default true). */
  interactions?: boolean;
  /** Averaging measure: each hyperparameter's own scale (default) or linear for every number (Optuna). */
  measure?: "scale" | "linear";
  /** Points per numeric hyperparameter in the partial-dependence curves (default 20). */
  pdPoints?: number;
  by?: ObjectiveBy;
}

/** Importance of one hyperparameter or one pair. */
export interface FanovaEffect {
  hparams: string[];
  /** Share of the surrogate's variance, mean over trees (0..1). */
  fraction: number;
  /** Spread over trees. */
  std: number;
  /** 10th and 90th percentile over trees. */
  low: number;
  high: number;
  /** Main effects only: normalized to sum to 1 over the main effects of the model (Optuna's number). */
  importance?: number;
  /** Fraction of trees in which this effect ranks above the next one in the list. */
  rankAgreement?: number;
}

export interface FanovaHparam {
  name: string;
  scale: Scale;
  /** Domain the marginals average over (in the hyperparameter's own units; categories for categorical). */
  domain: { low: number; high: number } | { values: string[] };
  /** Set for conditional hyperparameters: the subspace where it is scored. */
  subspace?: string;
}

/** Partial dependence of the surrogate on one hyperparameter (its main-effect marginal). */
export interface PartialDependence {
  hparam: string;
  scale: Scale;
  subspace?: string;
  /** Points in the hyperparameter's units (numeric) or category labels. */
  x: Array<number | string>;
  /** Marginal prediction: mean over trees, and the 10th/90th percentile over trees. */
  mean: number[];
  low: number[];
  high: number[];
}

/** One fitted model: the study-wide one, a conditional subspace, or feasibility. */
export interface FanovaModel {
  /** "all trials", "model = mlp", or "feasibility". */
  subspace: string;
  /** Conditional hyperparameters this subspace model is for. */
  conditional?: string[];
  n: number;
  hparams: FanovaHparam[];
  main: FanovaEffect[];
  pairs: FanovaEffect[];
  /** Out-of-bag R² of the forest (how much of the target it predicts on trials it did not see). */
  oobR2: number | null;
  /** Total variance of the surrogate (mean over trees). */
  variance: number;
}

export interface FanovaResult {
  method: string;
  objective: { metric: string; direction: string; by: ObjectiveBy };
  /** Feasible trials in the objective model / all trials / infeasible. */
  n: number;
  trials: number;
  infeasible: number;
  /** Study-wide model (always-active hyperparameters). */
  model: FanovaModel;
  /** Models of conditional hyperparameters within their active subspace. */
  subspaces: FanovaModel[];
  /** Which hyperparameters decide feasibility (when some trials are infeasible and some feasible). */
  feasibility?: FanovaModel;
  partialDependence: PartialDependence[];
  findings: Finding[];
}

/** Interaction share at or above which a finding names the pair (5% of the surrogate's variance). */
export const INTERACTION_FINDING = 0.05;
/** Out-of-bag R² below which the surrogate is too poor to rank hyperparameters. */
export const MIN_OOB_R2 = 0.1;
/** Rank agreement over trees below which two hyperparameters are "not separable". */
export const MIN_RANK_AGREEMENT = 0.6;

interface Column {
  name: string;
  scale: Scale;
  /** Value → coordinate (NaN when inactive / not a value of the domain). */
  code: (v: HpValue) => number;
  lo: number;
  hi: number;
  domain: FanovaHparam["domain"];
  /** Coordinate → label/number for partial dependence. */
  labels?: string[];
  fromCoord?: (u: number) => number;
}

/** The options of `fanova` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const fanovaOptions = {
  by: commonOptions.by,
  seed: commonOptions.seed,
  hparams: option.list("hyperparameters to score (default: every one that varies)"),
  trees: option.int("trees in each forest", { default: 32, min: 1 }),
  pdPoints: option.int("grid points of each partial-dependence curve", { default: 20, min: 2 }),
  topFraction: option.number("importance among the best fraction of trials (default 1 = all)", { min: 0, max: 1 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(fanovaOptions);

/**
 * fANOVA importance of a study's hyperparameters (see the module comment for the method).
 *
 * @example
 * const r = fanova(await loadStudy("datasets/deepcave_mnist/run_1"), { seed: 0 });
 * r.model.main[0];   // { hparams: ["learning_rate"], fraction: 0.41, std: 0.08, importance: 0.55, … }
 * r.model.pairs[0];  // the strongest interaction
 * r.subspaces[0];    // num_neurons_layer1/2 within model = mlp
 */
export function fanova(study: Study, options: FanovaOptions = {}): FanovaResult {
  const by = options.by ?? D.by;
  const trees = options.trees ?? D.trees;
  const pdPoints = options.pdPoints ?? D.pdPoints;
  // On large studies leaves of ≥ 3 trials (same ranking, a third of the cells to integrate).
  const minSamplesLeaf = options.minSamplesLeaf ?? (study.size >= 500 ? 3 : 1);
  const rows = study.trialRows();
  const feasible = rows.filter((r) => isFeasibleRow(r, by));
  const names = (options.hparams ?? study.hyperparameters()).filter((h) => new Set(rows.map((r) => valueLabel(r.hparams[h] ?? null))).size > 1);
  const always = names.filter((h) => rows.every((r) => r.hparams[h] !== null && r.hparams[h] !== undefined));
  const conditional = names.filter((h) => !always.includes(h));
  const cols = new Map(names.map((h) => [h, makeColumn(study, h, options.measure ?? "scale")]));
  const dir = study.objective.direction;
  const sign = dir === "minimize" ? 1 : -1;
  // Quantile cap in "lower is better" units: predictions above it are clipped to it.
  let cap: number | undefined;
  if (options.topFraction !== undefined && options.topFraction < 1 && feasible.length > 0) {
    const ys = feasible.map((r) => sign * objectiveOf(r, by)!).sort((a, b) => a - b);
    cap = quantileSorted(ys, Math.max(0, Math.min(1, options.topFraction)));
  }
  const fit = (subRows: readonly TrialRow[], hs: string[], target: (r: TrialRow) => number, subspace: string, clip?: number, seedOffset = 0, withPairs = true): { model: FanovaModel; forest: ModelForest; marg: Marginals1D } | undefined => {
    const usable = hs.filter((h) => new Set(subRows.map((r) => valueLabel(r.hparams[h] ?? null))).size > 1);
    if (subRows.length < 2 || usable.length === 0) return undefined;
    const cs = usable.map((h) => cols.get(h)!);
    const X = subRows.map((r) => cs.map((c) => c.code(r.hparams[h(c)] ?? null)));
    const y = subRows.map(target);
    const forest = fitForest(X, y, { trees, maxDepth: options.maxDepth ?? 64, minSamplesLeaf, seed: (options.seed ?? D.seed) + seedOffset, oob: true });
    const mf: ModelForest = { forest, cols: cs, clip };
    const marg: Marginals1D = [];
    return { model: decompose(mf, subspace, subRows.length, withPairs && (options.interactions ?? true), y, marg), forest: mf, marg };
  };
  const h = (c: Column) => c.name;

  const objTarget = (r: TrialRow) => sign * objectiveOf(r, by)!;
  const main = fit(feasible, always, objTarget, "all trials", cap);
  const emptyModel: FanovaModel = { subspace: "all trials", n: feasible.length, hparams: [], main: [], pairs: [], oobR2: null, variance: 0 };
  const pds: PartialDependence[] = [];
  if (main) pds.push(...partialDependence(main.forest, main.marg, pdPoints, sign, undefined));

  // Conditional hyperparameters, grouped by the trials where they are active.
  const groups = new Map<string, string[]>();
  for (const c of conditional) {
    const key = feasible.map((r) => (r.hparams[c] === null || r.hparams[c] === undefined ? "0" : "1")).join("");
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const subspaces: FanovaModel[] = [];
  let k = 1;
  for (const [key, hs] of groups) {
    const sub = feasible.filter((_, i) => key[i] === "1");
    const label = subspaceLabel(study, hs[0]!, rows);
    // Within the subspace: the conditional ones plus every always-active hyperparameter.
    const activeHere = names.filter((x) => always.includes(x) || hs.includes(x));
    const r = fit(sub, activeHere, objTarget, label, cap, 1000 * k++);
    if (!r) continue;
    subspaces.push({ ...r.model, conditional: hs, hparams: r.model.hparams.map((x) => (hs.includes(x.name) ? x : { name: x.name, scale: x.scale, domain: x.domain })) });
    pds.push(...partialDependence(r.forest, r.marg, pdPoints, sign, label).filter((p) => hs.includes(p.hparam)));
  }

  // Feasibility model: every trial, 1 = feasible, 0 = infeasible, over the always-active hyperparameters.
  const nInf = rows.length - feasible.length;
  let feas: FanovaModel | undefined;
  if (nInf > 0 && feasible.length > 0) {
    // Main effects only: which hyperparameters decide feasibility.
    const r = fit(rows, always, (t) => (isFeasibleRow(t, by) ? 1 : 0), "feasibility", undefined, 7777, false);
    if (r) feas = { ...r.model, subspace: "feasibility" };
  }

  const model = main?.model ?? emptyModel;
  const measureText = (options.measure ?? "scale") === "scale" ? "each hyperparameter averaged uniformly in its own scale (log or linear)" : "numbers averaged uniformly in linear space (as Optuna)";
  const method =
    `fANOVA on a random forest (${trees} trees, max depth ${options.maxDepth ?? 64}) fitted to ${feasible.length} feasible trials; ` +
    `${measureText}; interval = 10th–90th percentile over trees` +
    (cap !== undefined ? `; predictions capped at the top ${options.topFraction} quantile` : "") +
    (conditional.length ? `; conditional hyperparameters scored within their active subspace` : "") +
    (nInf ? `; ${nInf} infeasible trials scored by a separate feasibility model` : "");
  const result: FanovaResult = {
    method,
    objective: { metric: study.objective.metric, direction: dir, by },
    n: feasible.length,
    trials: rows.length,
    infeasible: nInf,
    model,
    subspaces,
    ...(feas ? { feasibility: feas } : {}),
    partialDependence: pds,
    findings: [],
  };
  result.findings = fanovaFindings(result, study.objective.metric);
  return result;
}

interface ModelForest {
  forest: RandomForest;
  cols: Column[];
  clip?: number;
}

function makeColumn(study: Study, name: string, measure: "scale" | "linear"): Column {
  const scale = hparamScale(study, name);
  const p = findParam(study.space, name);
  if (scale === "categorical") {
    const declared = p && (p.type === "categorical" || p.type === "discrete") ? p.values.map((v) => valueLabel(v)) : [];
    const seen = new Set(declared);
    for (const r of study.trialRows()) {
      const v = r.hparams[name];
      if (v !== null && v !== undefined && !seen.has(valueLabel(v))) {
        seen.add(valueLabel(v));
        declared.push(valueLabel(v));
      }
    }
    const index = new Map(declared.map((l, i) => [l, i]));
    // Category k sits at k, its cell is [k − ½, k + ½]: every category weighs the same in the marginal.
    return { name, scale, code: (v) => (v === null || v === undefined ? NaN : (index.get(valueLabel(v)) ?? NaN)), lo: -0.5, hi: declared.length - 0.5, domain: { values: declared }, labels: declared };
  }
  const range = hparamRange(study, name) ?? { low: 0, high: 1 };
  let lo = range.low;
  let hi = range.high;
  for (const r of study.trialRows()) {
    const v = r.hparams[name];
    if (typeof v === "number" && Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const log = scale === "log" && measure === "scale" && lo > 0;
  const a = log ? Math.log(lo) : lo;
  const b = log ? Math.log(hi) : hi;
  const w = b - a || 1;
  return {
    name,
    scale,
    code: (v) => (typeof v === "number" && Number.isFinite(v) ? ((log ? Math.log(v) : v) - a) / w : typeof v === "boolean" ? Number(v) : NaN),
    lo: 0,
    hi: 1,
    domain: { low: lo, high: hi },
    fromCoord: (u) => (log ? Math.exp(a + u * w) : a + u * w),
  };
}

/** "model = mlp" when one categorical hyperparameter's values separate the trials where `h` is set. */
function subspaceLabel(study: Study, h: string, rows: readonly TrialRow[]): string {
  const p = findParam(study.space, h);
  if (p?.condition) return p.condition.in.length === 1 ? `${p.condition.parent} = ${String(p.condition.in[0])}` : `${p.condition.parent} ∈ {${p.condition.in.map(String).join(", ")}}`;
  const on = rows.filter((r) => r.hparams[h] !== null && r.hparams[h] !== undefined);
  const off = rows.filter((r) => r.hparams[h] === null || r.hparams[h] === undefined);
  for (const parent of study.hyperparameters()) {
    if (parent === h) continue;
    const onVals = new Set(on.map((r) => valueLabel(r.hparams[parent] ?? null)));
    const offVals = new Set(off.map((r) => valueLabel(r.hparams[parent] ?? null)));
    if ([...onVals].every((v) => !offVals.has(v)) && !onVals.has(valueLabel(null))) return `${parent} ${onVals.size === 1 ? "=" : "∈"} ${onVals.size === 1 ? [...onVals][0] : `{${[...onVals].join(", ")}}`}`;
  }
  return `trials where ${h} is set`;
}

/** Per-tree view for the decomposition: leaves with their boxes (as cut indices per column). */
interface TreeCells {
  /** Sorted cut points per column (domain ends included). */
  cuts: Float64Array[];
  leafValue: Float64Array;
  /** Leaf volume as a fraction of the domain. */
  leafVol: Float64Array;
  /** Per leaf and column: first and one-past-last cell index, and the extent fraction. */
  cellLo: Int32Array;
  cellHi: Int32Array;
  extent: Float64Array;
  mean: number;
  variance: number;
}

function treeCells(t: RegressionTree, cols: Column[], clip?: number): TreeCells {
  const d = cols.length;
  const cutSets = cols.map(() => new Set<number>());
  for (let i = 0; i < t.nodes; i++) {
    const f = t.feature[i]!;
    if (f >= 0) {
      const c = cols[f]!;
      const th = Math.min(c.hi, Math.max(c.lo, t.threshold[i]!));
      cutSets[f]!.add(th);
    }
  }
  const cuts = cols.map((c, f) => Float64Array.from(new Set([c.lo, ...cutSets[f]!, c.hi])).sort());
  // Leaf boxes by walking down from the root.
  const leaves: number[] = [];
  const boxLo: Float64Array[] = new Array(t.nodes);
  const boxHi: Float64Array[] = new Array(t.nodes);
  boxLo[0] = Float64Array.from(cols.map((c) => c.lo));
  boxHi[0] = Float64Array.from(cols.map((c) => c.hi));
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    const f = t.feature[i]!;
    if (f < 0) {
      leaves.push(i);
      continue;
    }
    const c = cols[f]!;
    const th = Math.min(c.hi, Math.max(c.lo, t.threshold[i]!));
    const l = t.left[i]!;
    const r = t.right[i]!;
    boxLo[l] = boxLo[i]!;
    boxHi[l] = Float64Array.from(boxHi[i]!);
    boxHi[l]![f] = Math.min(boxHi[i]![f]!, th);
    boxLo[r] = Float64Array.from(boxLo[i]!);
    boxLo[r]![f] = Math.max(boxLo[i]![f]!, th);
    boxHi[r] = boxHi[i]!;
    stack.push(l, r);
  }
  const L = leaves.length;
  const leafValue = new Float64Array(L);
  const leafVol = new Float64Array(L);
  const cellLo = new Int32Array(L * d);
  const cellHi = new Int32Array(L * d);
  const extent = new Float64Array(L * d);
  let mean = 0;
  let total = 0;
  for (let k = 0; k < L; k++) {
    const i = leaves[k]!;
    let v = t.value[i]!;
    if (clip !== undefined && v > clip) v = clip;
    leafValue[k] = v;
    let vol = 1;
    for (let f = 0; f < d; f++) {
      const c = cols[f]!;
      const e = Math.max(0, boxHi[i]![f]! - boxLo[i]![f]!) / (c.hi - c.lo);
      extent[k * d + f] = e;
      vol *= e;
      cellLo[k * d + f] = lowerIndex(cuts[f]!, boxLo[i]![f]!);
      cellHi[k * d + f] = lowerIndex(cuts[f]!, boxHi[i]![f]!);
    }
    leafVol[k] = vol;
    mean += vol * v;
    total += vol;
  }
  mean /= total || 1;
  let variance = 0;
  for (let k = 0; k < L; k++) variance += leafVol[k]! * (leafValue[k]! - mean) ** 2;
  variance /= total || 1;
  return { cuts, leafValue, leafVol, cellLo, cellHi, extent, mean, variance };
}

/** Index of x in sorted `a` (x is one of its values). */
function lowerIndex(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Marginal of columns `S` (one or two) over cells: value per cell (row-major) and cell sizes.
 * f_S(cell) = Σ_leaves covering the cell of value × (leaf volume outside S), via a difference array.
 */
function marginal(tc: TreeCells, d: number, S: number[]): { values: Float64Array; sizes: Float64Array } {
  const L = tc.leafValue.length;
  const dims = S.map((f) => tc.cuts[f]!.length - 1);
  const sizesPer = S.map((f) => {
    const c = tc.cuts[f]!;
    const s = new Float64Array(c.length - 1);
    const w = c[c.length - 1]! - c[0]!;
    for (let i = 0; i < s.length; i++) s[i] = (c[i + 1]! - c[i]!) / w;
    return s;
  });
  if (S.length === 1) {
    const n = dims[0]!;
    const diff = new Float64Array(n + 1);
    const f = S[0]!;
    for (let k = 0; k < L; k++) {
      const e = tc.extent[k * d + f]!;
      if (e <= 0) continue;
      const w = (tc.leafVol[k]! / e) * tc.leafValue[k]!;
      diff[tc.cellLo[k * d + f]!] += w;
      diff[tc.cellHi[k * d + f]!] -= w;
    }
    const values = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) values[i] = acc += diff[i]!;
    return { values, sizes: sizesPer[0]! };
  }
  const [f, g] = S as [number, number];
  const n1 = dims[0]!;
  const n2 = dims[1]!;
  const W = n2 + 1;
  const diff = new Float64Array((n1 + 1) * W);
  for (let k = 0; k < L; k++) {
    const e = tc.extent[k * d + f]! * tc.extent[k * d + g]!;
    if (e <= 0) continue;
    const w = (tc.leafVol[k]! / e) * tc.leafValue[k]!;
    const a0 = tc.cellLo[k * d + f]!;
    const a1 = tc.cellHi[k * d + f]!;
    const b0 = tc.cellLo[k * d + g]!;
    const b1 = tc.cellHi[k * d + g]!;
    diff[a0 * W + b0] += w;
    diff[a0 * W + b1] -= w;
    diff[a1 * W + b0] -= w;
    diff[a1 * W + b1] += w;
  }
  for (let i = 0; i <= n1; i++) for (let j = 1; j <= n2; j++) diff[i * W + j] += diff[i * W + j - 1]!;
  for (let i = 1; i <= n1; i++) for (let j = 0; j <= n2; j++) diff[i * W + j] += diff[(i - 1) * W + j]!;
  const values = new Float64Array(n1 * n2);
  const sizes = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n2; j++) {
      values[i * n2 + j] = diff[i * W + j]!;
      sizes[i * n2 + j] = sizesPer[0]![i]! * sizesPer[1]![j]!;
    }
  return { values, sizes };
}

function weightedVariance(values: Float64Array, sizes: Float64Array, mean: number): number {
  let v = 0;
  let w = 0;
  for (let i = 0; i < values.length; i++) {
    v += sizes[i]! * (values[i]! - mean) ** 2;
    w += sizes[i]!;
  }
  return w > 0 ? v / w : 0;
}

function summarize(hparams: string[], xs: number[]): FanovaEffect {
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : 0;
  const std = n ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : 0;
  const s = [...xs].sort((a, b) => a - b);
  return { hparams, fraction: mean, std, low: n ? quantileSorted(s, 0.1) : 0, high: n ? quantileSorted(s, 0.9) : 0 };
}

/** Per tree and column: the main-effect marginal (cell values) and its cut points, for partial dependence. */
type Marginals1D = Array<Array<{ values: Float64Array; cuts: Float64Array }>>;

function decompose(mf: ModelForest, subspace: string, n: number, interactions: boolean, y: number[], keep?: Marginals1D): FanovaModel {
  const d = mf.cols.length;
  const perTreeMain: number[][] = mf.cols.map(() => []);
  const perTreePair = new Map<string, number[]>();
  let totalVar = 0;
  let used = 0;
  for (const t of mf.forest.trees) {
    const tc = treeCells(t, mf.cols, mf.clip);
    const ms = mf.cols.map((_, f) => marginal(tc, d, [f]));
    keep?.push(ms.map((m, f) => ({ values: m.values, cuts: tc.cuts[f]! })));
    if (!(tc.variance > 0)) continue; // a constant tree carries no variance to share (as Optuna)
    used++;
    totalVar += tc.variance;
    const Vi: number[] = [];
    for (let f = 0; f < d; f++) {
      const v = weightedVariance(ms[f]!.values, ms[f]!.sizes, tc.mean);
      Vi.push(v);
      perTreeMain[f]!.push(Math.max(0, v / tc.variance));
    }
    if (interactions)
      for (let f = 0; f < d; f++)
        for (let g = f + 1; g < d; g++) {
          const m = marginal(tc, d, [f, g]);
          const v = weightedVariance(m.values, m.sizes, tc.mean) - Vi[f]! - Vi[g]!;
          const key = `${f},${g}`;
          if (!perTreePair.has(key)) perTreePair.set(key, []);
          perTreePair.get(key)!.push(Math.max(0, v / tc.variance));
        }
  }
  const main = mf.cols.map((c, f) => summarize([c.name], perTreeMain[f]!));
  const sum = main.reduce((a, b) => a + b.fraction, 0);
  for (const m of main) m.importance = sum > 0 ? m.fraction / sum : 0;
  // Rank agreement: in how many trees does each effect beat the next one in the mean ranking?
  const order = main.map((_, i) => i).sort((a, b) => main[b]!.fraction - main[a]!.fraction);
  for (let r = 0; r + 1 < order.length; r++) {
    const a = perTreeMain[order[r]!]!;
    const b = perTreeMain[order[r + 1]!]!;
    let wins = 0;
    for (let i = 0; i < a.length; i++) wins += a[i]! > b[i]! ? 1 : a[i] === b[i] ? 0.5 : 0;
    main[order[r]!]!.rankAgreement = a.length ? wins / a.length : 0;
  }
  const pairs: FanovaEffect[] = [];
  for (const [key, xs] of perTreePair) {
    const [f, g] = key.split(",").map(Number) as [number, number];
    pairs.push(summarize([mf.cols[f]!.name, mf.cols[g]!.name], xs));
  }
  main.sort((a, b) => b.fraction - a.fraction);
  pairs.sort((a, b) => b.fraction - a.fraction);
  return {
    subspace,
    n,
    hparams: mf.cols.map((c) => ({ name: c.name, scale: c.scale, domain: c.domain, ...(subspace !== "all trials" && subspace !== "feasibility" ? { subspace } : {}) })),
    main,
    pairs,
    oobR2: oobR2(mf.forest, y),
    variance: used ? totalVar / used : 0,
  };
}

function oobR2(f: RandomForest, y: number[]): number | null {
  const p = f.oob;
  if (!p) return null;
  let mean = 0;
  let k = 0;
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(p[i]!)) (mean += y[i]!), k++;
  if (k < 2) return null;
  mean /= k;
  let ssr = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++)
    if (!Number.isNaN(p[i]!)) {
      ssr += (y[i]! - p[i]!) ** 2;
      sst += (y[i]! - mean) ** 2;
    }
  return sst > 0 ? 1 - ssr / sst : null;
}

/** Main-effect marginal of each column on a grid, per tree; mean and 10–90% band over trees. */
function partialDependence(mf: ModelForest, marg: Marginals1D, points: number, sign: number, subspace: string | undefined): PartialDependence[] {
  return mf.cols.map((c, f) => {
    const coords = c.labels ? c.labels.map((_, k) => k) : Array.from({ length: points }, (_, i) => (i + 0.5) / points);
    const perPoint: number[][] = coords.map(() => []);
    for (const tree of marg) {
      const m = tree[f]!;
      const cut = m.cuts;
      coords.forEach((u, i) => {
        let k = lowerIndex(cut, u);
        if (cut[k]! > u) k--;
        k = Math.max(0, Math.min(m.values.length - 1, k));
        perPoint[i]!.push(sign * m.values[k]!);
      });
    }
    const mean: number[] = [];
    const low: number[] = [];
    const high: number[] = [];
    for (const xs of perPoint) {
      const s = [...xs].sort((a, b) => a - b);
      mean.push(xs.reduce((a, b) => a + b, 0) / (xs.length || 1));
      low.push(quantileSorted(s, 0.1));
      high.push(quantileSorted(s, 0.9));
    }
    return { hparam: c.name, scale: c.scale, ...(subspace ? { subspace } : {}), x: c.labels ? [...c.labels] : coords.map((u) => c.fromCoord!(u)), mean, low, high };
  });
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function fanovaFindings(r: FanovaResult, metric: string): Finding[] {
  const out: Finding[] = [];
  const m = r.model;
  const evidence = (x: FanovaModel) => ({ subspace: x.subspace, n: x.n, oobR2: x.oobR2, main: x.main.map((e) => ({ hparam: e.hparams[0], fraction: e.fraction, low: e.low, high: e.high, importance: e.importance })) });
  if (m.main.length > 0) {
    const top = m.main[0]!;
    const tooPoor = m.oobR2 !== null && m.oobR2 < MIN_OOB_R2;
    const unsure = m.main.length > 1 && (top.rankAgreement ?? 1) < MIN_RANK_AGREEMENT;
    if (tooPoor || unsure) {
      const why = tooPoor
        ? `the random forest predicts only ${pct(Math.max(0, m.oobR2!))} of the ${metric} variance on trials it did not see (out-of-bag R², below ${MIN_OOB_R2})`
        : `${top.hparams[0]} beats ${m.main[1]!.hparams[0]} in only ${pct(top.rankAgreement!)} of the trees (below ${pct(MIN_RANK_AGREEMENT)})`;
      out.push(
        finding("warn", "fanova.uncertain", `The surrogate is too uncertain to rank the hyperparameters: ${why}. Run more trials (quasi-random) before deciding which hyperparameters matter.`, { method: r.method, ...evidence(m) }),
      );
    } else {
      out.push(
        finding(
          "info",
          "fanova.top",
          `${top.hparams[0]} matters most: its main effect carries ${pct(top.fraction)} of the surrogate's ${metric} variance (${pct(top.low)}–${pct(top.high)} over trees; importance ${fmt(top.importance)}); then ${m.main.slice(1, 3).map((e) => `${e.hparams[0]} (${pct(e.fraction)})`).join(", ") || "nothing else"}.`,
          { method: r.method, ...evidence(m) },
        ),
      );
    }
    const inter = m.pairs.filter((p) => p.fraction >= INTERACTION_FINDING);
    if (inter.length > 0) {
      const p = inter[0]!;
      out.push(
        finding("info", "fanova.interaction", `${p.hparams[0]} and ${p.hparams[1]} interact: their joint effect beyond each alone carries ${pct(p.fraction)} of the variance (${pct(p.low)}–${pct(p.high)} over trees), so the best ${p.hparams[0]} depends on ${p.hparams[1]}: tune them together, not one at a time.`, {
          pairs: inter.map((x) => ({ hparams: x.hparams, fraction: x.fraction, low: x.low, high: x.high })),
        }),
      );
    }
  }
  for (const s of r.subspaces) {
    const cond = s.conditional ?? [];
    const ranked = s.main.filter((e) => cond.includes(e.hparams[0]!));
    if (!ranked.length) continue;
    out.push(
      finding("info", "fanova.conditional", `${cond.join(", ")} ${cond.length > 1 ? "are" : "is"} set only when ${s.subspace}; scored within that subspace (${s.n} feasible trials): ${ranked.map((e) => `${e.hparams[0]} ${pct(e.fraction)}`).join(", ")} of its variance${s.main[0] && !cond.includes(s.main[0].hparams[0]!) ? ` (${s.main[0].hparams[0]} leads there with ${pct(s.main[0].fraction)})` : ""}.`, evidence(s)),
    );
  }
  if (r.infeasible > 0) {
    const f = r.feasibility;
    const top = f?.main[0];
    out.push(
      finding(
        "info",
        "fanova.infeasible",
        `${r.infeasible} of ${r.trials} trials are infeasible and have no ${metric}: they are not in the objective model${top ? `; a separate feasibility model says ${top.hparams[0]} decides feasibility most (${pct(top.fraction)} of its variance)` : ""}.`,
        f ? evidence(f) : { infeasible: r.infeasible },
      ),
    );
  }
  return out;
}

/** fANOVA as the tools run it (see ./registry.ts): the review's forest size is the default everywhere. */
export const fanovaAnalysis = defineAnalysis({
  name: "fanova",
  summary: "fANOVA importance on a random forest: main effects and interactions with intervals, conditional subspaces, feasibility",
  options: fanovaOptions,
  applies: (s, o) =>
    mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space"
    : varyingHparams(s).length < 2 ? "fewer than 2 hyperparameters vary"
    : feasibleCount(s, o.by) < 20 ? `only ${feasibleCount(s, o.by)} feasible trials (< 20)`
    : true,
  run: (s, o) => fanova(s, o),
});
