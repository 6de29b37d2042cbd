/**
 * Bad search-space boundaries (playbook: "Identifying bad search space boundaries"): the best
 * trials sitting near an edge of the searched range, in the scale the space uses, mean the optimum
 * may lie outside it; a range that is mostly infeasible is too wide.
 */
import type { Study } from "../study/study.js";
import type { TrialRow } from "../study/types.js";
import { isInfeasible } from "../study/types.js";
import { type Finding, finding } from "./finding.js";
import { type ObjectiveBy, type Scale, betterFirst, fmt, fromScale, hparamRange, hparamScale, isFeasibleRow, objectiveOf, toScale, valueLabel } from "./common.js";
import { feasibleCount, mixesSearchSpaces, varyingHparams } from "./applicability.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";

export interface BoundaryOptions {
  /** How many of the best feasible trials to look at (default max(5, 10% of the feasible trials)). */
  topK?: number;
  /** Width of each edge band as a fraction of the range, in the space's scale (default 0.1). */
  band?: number;
  /**
   * Searches only: also require at least this fraction of the top-k in the band (default 0: the best
   * trial in the band is the finding). On the validation corpus a top-k share of 0.5 missed most
   * random searches cut at their best value (the top trials of a 6-dimensional search spread over
   * the range even when the optimum is at an edge); raise it to trade recall for fewer chance flags.
   */
  minFraction?: number;
  /** Also check within each value of this (categorical/discrete) scientific hyperparameter. */
  perScientific?: string;
  /** Hyperparameters to check (default: every numeric one that varies). */
  hparams?: string[];
  /** A search (more than `maxGridValues` distinct values) with fewer feasible trials than this: no edge check, too few to tell (default 10). */
  minTrials?: number;
  /** Fewer distinct values of the hyperparameter than this: not checked (default 3: a best at the first or last of 3 values is already the finding). */
  minDistinct?: number;
  /**
   * A hyperparameter with at most this many distinct values is a sweep or grid: its edge is its
   * first/last value, flagged when the best feasible trial has it (default 12).
   */
  maxGridValues?: number;
  /** A region (half or outer quarter of the range) with more than this infeasible fraction is "mostly infeasible" (default 0.5). */
  infeasibleFraction?: number;
  by?: ObjectiveBy;
}

/** The edge check of one hyperparameter (within one scientific value when `scientificValue` is set). */
export interface BoundaryCheck {
  hparam: string;
  scale: Scale;
  /** Declared search space, or the observed range when there is none. */
  source: "space" | "observed";
  low: number;
  high: number;
  /** Band edges in data units: the lower band is [low, lowerBand], the upper one [upperBand, high]. */
  lowerBand: number;
  upperBand: number;
  topK: number;
  /** How many of the top-k sit in each band. */
  nearLower: number;
  nearUpper: number;
  /** The best trial's value of this hyperparameter. */
  bestValue: number | null;
  /** Top-k trial ids, best first, with their values of this hyperparameter. */
  top: Array<{ trial: string; value: number; y: number }>;
  flagged: "near_lower" | "near_upper" | null;
  /** Why the edge check was skipped (too few trials…), when it was. */
  skipped?: string;
  /** "grid": a sweep of at most `maxGridValues` values (edge = first/last value); "search": a band of the range. */
  design?: "grid" | "search";
  scientificValue?: string;
}

/** Infeasible share of one region of a hyperparameter's range. */
export interface InfeasibleRegionCheck {
  hparam: string;
  region: "lower_half" | "upper_half" | "lower_quarter" | "upper_quarter";
  low: number;
  high: number;
  total: number;
  infeasible: number;
  fraction: number;
  scientificValue?: string;
}

export interface BoundaryResult {
  checks: BoundaryCheck[];
  regions: InfeasibleRegionCheck[];
  findings: Finding[];
  /** Edge checks that could not run, with the reason (the review lists them as "not checked"). */
  notChecked: Array<{ check: string; reason: string }>;
}

/** The options of `boundaries` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const boundariesOptions = {
  by: commonOptions.by,
  scientific: option.list("also check within each value of this scientific hyperparameter (the first one the study has)"),
  top: option.int("how many best trials to look at", { min: 1 }),
  band: option.number("edge band as a fraction of the range", { default: 0.1, min: 0, max: 0.5 }),
  hparams: option.list("hyperparameters to check (default: every numeric one)"),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(boundariesOptions);

/**
 * Check each numeric hyperparameter for best trials near an edge of its range (declared space, else
 * observed range), and for ranges that are mostly infeasible.
 *
 * A sweep or grid (at most `maxGridValues` distinct values, at least `minDistinct`) is flagged when
 * its best feasible trial has the first or last value tried. A search (more distinct values) is
 * flagged when the best trial lies in the edge band (and at least `minFraction` of the top-k do,
 * when that option is set). The band is measured in the space's scale: declared, else by name
 * (learning rates, weight decay, epsilon, batch sizes are log) and by the values' spacing.
 * A hyperparameter that does not matter puts its best in one of the two 10% bands by chance about
 * 20% of the time; the evidence lists the top-k so a reader can judge.
 *
 * @example
 * const b = boundaries(study, { band: 0.1 });
 * b.findings.filter((f) => f.code === "boundary.near_upper"); // [{ evidence: { hparam: "learning_rate", expand: "up", … } }]
 */
export function boundaries(study: Study, options: BoundaryOptions = {}): BoundaryResult {
  const out: BoundaryResult = { checks: [], regions: [], findings: [], notChecked: [] };
  checkStudy(study, study.trialRows(), options, undefined, out);
  const sci = options.perScientific;
  if (sci) {
    const vals = new Map<string, TrialRow[]>();
    for (const r of study.trialRows()) {
      const k = valueLabel(r.hparams[sci]);
      if (!vals.has(k)) vals.set(k, []);
      vals.get(k)!.push(r);
    }
    for (const [k, rows] of vals) checkStudy(study, rows, { ...options, hparams: (options.hparams ?? numericHparams(study)).filter((h) => h !== sci) }, k, out);
  }
  for (const c of out.checks) if (c.skipped) out.notChecked.push({ check: `edge of ${c.hparam}${c.scientificValue !== undefined ? ` (${sci} = ${c.scientificValue})` : ""}`, reason: c.skipped });
  return out;
}

function numericHparams(study: Study): string[] {
  return study.hyperparameters().filter((h) => {
    if (hparamScale(study, h) === "categorical") return false;
    const r = hparamRange(study, h);
    return r !== null && r.high > r.low;
  });
}

function checkStudy(study: Study, rows: readonly TrialRow[], o: BoundaryOptions, sciValue: string | undefined, out: BoundaryResult): void {
  const by = o.by ?? D.by;
  const band = o.band ?? D.band;
  const minFraction = o.minFraction ?? 0;
  const minTrials = o.minTrials ?? 10;
  const infFrac = o.infeasibleFraction ?? 0.5;
  const minDistinct = o.minDistinct ?? 3;
  const maxGrid = o.maxGridValues ?? 12;
  const where = sciValue === undefined ? "" : ` (${o.perScientific} = ${sciValue})`;
  const seedLike = /seed|(^|_)rng($|_)/i;
  const varyingAll = study.hyperparameters().filter((x) => !seedLike.test(x) && new Set(rows.map((r) => r.hparams[x] ?? null)).size > 1);
  for (const h of o.hparams ?? numericHparams(study)) {
    const others = varyingAll.filter((x) => x !== h && x !== o.perScientific);
    const scale = hparamScale(study, h);
    const range = hparamRange(study, h);
    if (scale === "categorical" || !range || !(range.high > range.low)) continue;
    const L = toScale(range.low, scale);
    const H = toScale(range.high, scale);
    const bw = band * (H - L);
    const used = rows.filter((r) => typeof r.hparams[h] === "number" && Number.isFinite(r.hparams[h] as number));
    const values = [...new Set(used.map((r) => r.hparams[h] as number))].sort((a, b) => a - b);
    const distinct = values.length;
    const feas = used.filter((r) => isFeasibleRow(r, by));
    // A sweep or grid: the other hyperparameters repeat, so each of their combinations tries several
    // values of h (a 1-D sweep, or a learning-rate × batch-size grid). A random search with few
    // values of h is not one: each trial changes several hyperparameters at once.
    const configs = new Map<string, Set<number>>();
    for (const r of used) {
      const k = JSON.stringify(others.map((x) => r.hparams[x] ?? null));
      let g = configs.get(k);
      if (!g) configs.set(k, (g = new Set()));
      g.add(r.hparams[h] as number);
    }
    const grid = distinct <= maxGrid && [...configs.values()].every((g) => g.size >= 2);
    const distinctConfigs = new Set(feas.map((r) => JSON.stringify([r.hparams[h], ...others.map((x) => r.hparams[x] ?? null)]))).size;
    const k = Math.min(feas.length, o.topK ?? Math.max(5, Math.ceil(0.1 * feas.length)));
    const cmp = betterFirst(study.objective.direction);
    const top = [...feas].sort((a, b) => cmp(objectiveOf(a, by)!, objectiveOf(b, by)!)).slice(0, k);
    const u = (r: TrialRow) => toScale(r.hparams[h] as number, scale);
    const inLower = (r: TrialRow) => u(r) <= L + bw;
    const inUpper = (r: TrialRow) => u(r) >= H - bw;
    const check: BoundaryCheck = {
      hparam: h,
      scale,
      source: range.source,
      low: range.low,
      high: range.high,
      lowerBand: fromScale(L + bw, scale),
      upperBand: fromScale(H - bw, scale),
      topK: k,
      nearLower: top.filter(inLower).length,
      nearUpper: top.filter(inUpper).length,
      bestValue: top[0] ? (top[0].hparams[h] as number) : null,
      top: top.map((r) => ({ trial: r.id, value: r.hparams[h] as number, y: objectiveOf(r, by)! })),
      flagged: null,
    };
    if (sciValue !== undefined) check.scientificValue = sciValue;
    check.design = grid ? "grid" : "search";
    const feasDistinct = new Set(feas.map((r) => r.hparams[h])).size;
    if (distinct < minDistinct) check.skipped = `only ${distinct} distinct value${distinct === 1 ? "" : "s"} (< ${minDistinct})`;
    else if (grid && feasDistinct < minDistinct) check.skipped = `only ${feasDistinct} distinct feasible value${feasDistinct === 1 ? "" : "s"} (< ${minDistinct})`;
    else if (!grid && feas.length < minTrials) check.skipped = `only ${feas.length} feasible trials (< ${minTrials})`;
    else if (!grid && distinctConfigs < minTrials) check.skipped = `only ${distinctConfigs} distinct feasible configurations (< ${minTrials}), each changing several hyperparameters at once: too few to place an optimum along ${h}`;
    else if (grid) {
      // A sweep or grid: the edge is the first/last value tried. A best there is the finding (the
      // playbook's "best trials near the edge"): there is no measured neighbour beyond it. Two
      // values tied for the best are not an edge.
      const best = top[0]!;
      const bv = best.hparams[h] as number;
      const tie = feas.some((r) => r.hparams[h] !== bv && objectiveOf(r, by) === objectiveOf(best, by));
      if (!tie && bv === values[distinct - 1]) check.flagged = "near_upper";
      else if (!tie && bv === values[0]) check.flagged = "near_lower";
    } else {
      const need = Math.max(1, Math.ceil(minFraction * k));
      const best = top[0]!;
      if (inUpper(best) && check.nearUpper >= need) check.flagged = "near_upper";
      else if (inLower(best) && check.nearLower >= need) check.flagged = "near_lower";
    }
    out.checks.push(check);
    if (check.flagged) {
      const upper = check.flagged === "near_upper";
      const edge = upper ? range.high : range.low;
      const n = upper ? check.nearUpper : check.nearLower;
      const edgeWord = range.source === "space" ? "search-space" : "observed";
      out.findings.push(
        finding("warn", `boundary.${check.flagged}`, check.design === "grid"
          ? `The best trial${where} has ${h} = ${fmt(check.bestValue)}, the ${upper ? "largest" : "smallest"} of the ${distinct} values tried: no measured value beyond it is worse, so the optimum may lie outside. Expand the range ${upper ? "upward" : "downward"} and rerun.`
          : `The best trials${where} sit near the ${upper ? "upper" : "lower"} ${edgeWord} edge of ${h} (${fmt(edge)}): ${n} of the top ${k} are in the edge band and the best has ${h} = ${fmt(check.bestValue)}. The optimum may lie outside; expand the range ${upper ? "upward" : "downward"} and rerun.`, {
          hparam: h,
          edge,
          expand: upper ? "up" : "down",
          inBand: n,
          topK: k,
          band,
          bandEdge: upper ? check.upperBand : check.lowerBand,
          bestValue: check.bestValue,
          bestTrial: top[0]!.id,
          scale,
          source: range.source,
          design: check.design,
          values: distinct,
          ...(sciValue !== undefined ? { scientific: o.perScientific, scientificValue: sciValue } : {}),
        }),
      );
    }

    // Mostly infeasible regions: halves first, then outer quarters; report the widest.
    const regions: Array<[InfeasibleRegionCheck["region"], number, number]> = [
      ["lower_half", L, (L + H) / 2],
      ["upper_half", (L + H) / 2, H],
      ["lower_quarter", L, L + (H - L) / 4],
      ["upper_quarter", H - (H - L) / 4, H],
    ];
    const flaggedSides = new Set<string>();
    for (const [name, a, b] of regions) {
      const inR = used.filter((r) => u(r) >= a && u(r) <= b);
      const bad = inR.filter((r) => isInfeasible(r.status) || !isFeasibleRow(r, by)).length;
      const reg: InfeasibleRegionCheck = { hparam: h, region: name, low: fromScale(a, scale), high: fromScale(b, scale), total: inR.length, infeasible: bad, fraction: inR.length ? bad / inR.length : 0 };
      if (sciValue !== undefined) reg.scientificValue = sciValue;
      out.regions.push(reg);
      const side = name.startsWith("lower") ? "lower" : "upper";
      if (inR.length >= 10 && new Set(inR.map((r) => r.hparams[h])).size >= 3 && reg.fraction > infFrac && !flaggedSides.has(side)) {
        flaggedSides.add(side);
        const part = name.replace("_", " ");
        const stability = h.toLowerCase().includes("lr") || h.toLowerCase().includes("learning_rate") ? " If the best trials sit at the edge of this region, the model may have stability issues keeping it from higher learning rates (try warmup)." : "";
        out.findings.push(
          finding("warn", "boundary.mostly_infeasible", `The ${part} of ${h}${where} (${fmt(reg.low)}–${fmt(reg.high)}) is ${Math.round(reg.fraction * 100)}% infeasible (${bad} of ${inR.length} trials): the range is too wide there; shrink it ${side === "upper" ? "from above" : "from below"} or reparameterize.${stability}`, {
            hparam: h,
            region: name,
            low: reg.low,
            high: reg.high,
            total: inR.length,
            infeasible: bad,
            fraction: reg.fraction,
            shrink: side === "upper" ? "down" : "up",
            ...(sciValue !== undefined ? { scientific: o.perScientific, scientificValue: sciValue } : {}),
          }),
        );
      }
    }
  }
}

/** The bad-search-space-boundary check as the tools run it (see ./registry.ts). */
export const boundariesAnalysis = defineAnalysis({
  name: "boundaries",
  summary: "bad search-space boundaries: best trials near an edge of a range, and mostly-infeasible regions",
  options: boundariesOptions,
  applies: (s, o) =>
    mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space"
    : feasibleCount(s, o.by) < 3 ? `only ${feasibleCount(s, o.by)} feasible trials (< 3)`
    : !varyingHparams(s).some((h) => hparamScale(s, h) !== "categorical") ? "no numeric hyperparameter varies"
    : true,
  run: (s, o) => {
    // Per scientific value only when one is named (automatic candidates would multiply findings).
    const sci = o.scientific?.find((h) => s.hyperparameters().includes(h));
    return boundaries(s, { by: o.by, topK: o.top, band: o.band, hparams: o.hparams, ...(sci ? { perScientific: sci } : {}) });
  },
});
