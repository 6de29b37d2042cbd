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
import { commonOptions, defineAnalysis, option } from "./registry.js";

export interface BoundaryOptions {
  /** How many of the best feasible trials to look at (default max(5, 10% of the feasible trials)). */
  topK?: number;
  /** Width of each edge band as a fraction of the range, in the space's scale (default 0.1). */
  band?: number;
  /** Flag an edge when the best trial is in its band and at least this fraction of the top-k is too (default 0.5). */
  minFraction?: number;
  /** Also check within each value of this (categorical/discrete) scientific hyperparameter. */
  perScientific?: string;
  /** Hyperparameters to check (default: every numeric one that varies). */
  hparams?: string[];
  /** Fewer feasible trials than this: no edge check, too few to tell (default 10). */
  minTrials?: number;
  /** Fewer distinct values of the hyperparameter than this: not checked (a handful of repeated points is not a search; default 6). */
  minDistinct?: number;
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
}

/**
 * Check each numeric hyperparameter for best trials near an edge of its range (declared space, else
 * observed range), and for ranges that are mostly infeasible.
 *
 * An edge is flagged when the single best trial lies in the edge band *and* at least `minFraction` of
 * the top-k do: by chance a 10% band holds 10% of the top trials, so a hyperparameter that does not
 * matter is almost never flagged, while an optimum past the edge pulls most top trials into the band.
 *
 * @example
 * const b = boundaries(study, { band: 0.1 });
 * b.findings.filter((f) => f.code === "boundary.near_upper"); // [{ evidence: { hparam: "learning_rate", expand: "up", … } }]
 */
export function boundaries(study: Study, options: BoundaryOptions = {}): BoundaryResult {
  const out: BoundaryResult = { checks: [], regions: [], findings: [] };
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
  const by = o.by ?? "best";
  const band = o.band ?? 0.1;
  const minFraction = o.minFraction ?? 0.5;
  const minTrials = o.minTrials ?? 10;
  const infFrac = o.infeasibleFraction ?? 0.5;
  const minDistinct = o.minDistinct ?? 6;
  const where = sciValue === undefined ? "" : ` (${o.perScientific} = ${sciValue})`;
  for (const h of o.hparams ?? numericHparams(study)) {
    const scale = hparamScale(study, h);
    const range = hparamRange(study, h);
    if (scale === "categorical" || !range || !(range.high > range.low)) continue;
    const L = toScale(range.low, scale);
    const H = toScale(range.high, scale);
    const bw = band * (H - L);
    const used = rows.filter((r) => typeof r.hparams[h] === "number" && Number.isFinite(r.hparams[h] as number));
    const distinct = new Set(used.map((r) => r.hparams[h])).size;
    if (distinct < minDistinct) continue;
    const feas = used.filter((r) => isFeasibleRow(r, by));
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
    if (feas.length < minTrials) check.skipped = `only ${feas.length} feasible trials (< ${minTrials})`;
    else {
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
        finding("warn", `boundary.${check.flagged}`, `The best trials${where} sit near the ${upper ? "upper" : "lower"} ${edgeWord} edge of ${h} (${fmt(edge)}): ${n} of the top ${k} are in the edge band and the best has ${h} = ${fmt(check.bestValue)}. The optimum may lie outside; expand the range ${upper ? "upward" : "downward"} and rerun.`, {
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
  options: {
    by: commonOptions.by,
    scientific: option.list("also check within each value of this scientific hyperparameter (the first one the study has)"),
    top: option.int("how many best trials to look at", { min: 1 }),
    band: option.number("edge band as a fraction of the range (default 0.1)", { min: 0, max: 0.5 }),
    hparams: option.list("hyperparameters to check (default: every numeric one)"),
  },
  applies: (s, o) =>
    mixesSearchSpaces(s) ? "the trials mix several submissions' search spaces"
    : feasibleCount(s, o.by) < 10 ? "fewer than 10 feasible trials"
    : !varyingHparams(s).some((h) => hparamScale(s, h) !== "categorical") ? "no numeric hyperparameter varies"
    : true,
  run: (s, o) => {
    // Per scientific value only when one is named (automatic candidates would multiply findings).
    const sci = o.scientific?.find((h) => s.hyperparameters().includes(h));
    return boundaries(s, { by: o.by, topK: o.top, band: o.band, hparams: o.hparams, ...(sci ? { perScientific: sci } : {}) });
  },
});
