/**
 * Infeasible trials (playbook: "What fraction of the trials in each study are infeasible?"):
 * diverged, failed or out-of-memory trials, overall and per region of each hyperparameter.
 */
import type { Study } from "../study/study.js";
import type { TrialRow } from "../study/types.js";
import { type Finding, finding } from "./finding.js";
import { type ObjectiveBy, type Scale, fmt, fromScale, hparamRange, hparamScale, isFeasibleRow, toScale, valueLabel } from "./common.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";

export interface InfeasibleOptions {
  /** Bins per numeric hyperparameter, equal width in its scale (default 5). */
  bins?: number;
  /** Overall fraction at or above which `infeasible.high_fraction` is raised (default 0.2). */
  highFraction?: number;
  /** A region is flagged when its fraction is at least this (default 0.5) and at least 1.5× the overall fraction. */
  regionFraction?: number;
  /** Regions with fewer trials are not flagged (default 5). */
  minRegionTrials?: number;
  hparams?: string[];
  /** Also count feasible-status trials whose objective is missing or non-finite (default true). */
  countNonFinite?: boolean;
  by?: ObjectiveBy;
}

/** Counts by infeasible status. */
export interface InfeasibleCounts {
  diverged: number;
  failed: number;
  oom: number;
  /** Status complete/running but objective missing or non-finite. */
  nonFinite: number;
}

/** One bin (numeric) or category of one hyperparameter. */
export interface InfeasibleRegion {
  hparam: string;
  scale: Scale;
  label: string;
  /** Bin bounds in data units (numeric hyperparameters). */
  low?: number;
  high?: number;
  /** The category (categorical hyperparameters). */
  category?: string;
  total: number;
  infeasible: number;
  fraction: number;
  counts: InfeasibleCounts;
}

export interface InfeasibleResult {
  total: number;
  infeasible: number;
  fraction: number;
  counts: InfeasibleCounts;
  /** Ids of the infeasible trials. */
  trials: string[];
  regions: InfeasibleRegion[];
  findings: Finding[];
}

/** The options of `infeasible` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const infeasibleOptions = {
  by: commonOptions.by,
  hparams: option.list("hyperparameters to check (default: every one)"),
  bins: option.int("bins per numeric hyperparameter, equal width in its scale", { default: 5, min: 1 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(infeasibleOptions);

/**
 * Infeasible trials overall and per region of each hyperparameter (bins in its scale, or its
 * categories). Adjacent flagged bins are merged into one `infeasible.region` finding.
 *
 * @example
 * const inf = infeasible(study);
 * inf.fraction;                                         // 0.21
 * inf.findings.find((f) => f.code === "infeasible.region")?.evidence; // { hparam: "learning_rate", low: 0.0158, high: 0.1, … }
 */
export function infeasible(study: Study, options: InfeasibleOptions = {}): InfeasibleResult {
  const by = options.by ?? D.by;
  const nbins = options.bins ?? D.bins;
  const highFraction = options.highFraction ?? 0.2;
  const regionFraction = options.regionFraction ?? 0.5;
  const minRegion = options.minRegionTrials ?? 5;
  const countNonFinite = options.countNonFinite ?? true;
  const rows = study.trialRows();
  const kind = (r: TrialRow): keyof InfeasibleCounts | null => {
    if (r.status === "diverged" || r.status === "failed" || r.status === "oom") return r.status;
    if (countNonFinite && r.status === "complete" && !isFeasibleRow(r, by)) return "nonFinite";
    return null;
  };
  const tally = (rs: readonly TrialRow[]) => {
    const c: InfeasibleCounts = { diverged: 0, failed: 0, oom: 0, nonFinite: 0 };
    let bad = 0;
    for (const r of rs) {
      const k = kind(r);
      if (k) (c[k]++, bad++);
    }
    return { c, bad };
  };
  const all = tally(rows);
  const overall = rows.length ? all.bad / rows.length : 0;
  const result: InfeasibleResult = { total: rows.length, infeasible: all.bad, fraction: overall, counts: all.c, trials: rows.filter((r) => kind(r) !== null).map((r) => r.id), regions: [], findings: [] };
  if (rows.length > 0 && overall >= highFraction)
    result.findings.push(
      finding("warn", "infeasible.high_fraction", `${Math.round(overall * 100)}% of the trials are infeasible (${all.bad} of ${rows.length}: ${describe(all.c)}). Adjust the search space to avoid sampling such points (possibly reparameterize); a very large fraction can also mean a bug in the training code.`, {
        total: rows.length,
        infeasible: all.bad,
        fraction: overall,
        ...all.c,
        threshold: highFraction,
      }),
    );
  else if (all.bad > 0)
    result.findings.push(
      finding("info", "infeasible.fraction", `${all.bad} of ${rows.length} trials are infeasible (${describe(all.c)}; ${(100 * overall).toFixed(1)}%): kept, counted and shown, not dropped.`, {
        total: rows.length,
        infeasible: all.bad,
        fraction: overall,
        ...all.c,
        trials: result.trials.slice(0, 20),
      }),
    );
  if (all.bad === 0) return result;

  const names = options.hparams ?? study.hyperparameters().filter((h) => new Set(rows.map((r) => r.hparams[h] ?? null)).size > 1);
  for (const h of names) {
    const scale = hparamScale(study, h);
    const regs: InfeasibleRegion[] = [];
    if (scale === "categorical") {
      const groups = new Map<string, TrialRow[]>();
      for (const r of rows) {
        const k = valueLabel(r.hparams[h]);
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k)!.push(r);
      }
      for (const [k, rs] of groups) {
        const t = tally(rs);
        regs.push({ hparam: h, scale, label: `${h} = ${k}`, category: k, total: rs.length, infeasible: t.bad, fraction: t.bad / rs.length, counts: t.c });
      }
    } else {
      const range = hparamRange(study, h);
      if (!range) continue;
      const used = rows.filter((r) => typeof r.hparams[h] === "number" && Number.isFinite(r.hparams[h] as number));
      let lo = toScale(range.low, scale);
      let hi = toScale(range.high, scale);
      // The observed data may exceed a declared range; widen so every trial lands in a bin.
      for (const r of used) {
        const u = toScale(r.hparams[h] as number, scale);
        lo = Math.min(lo, u);
        hi = Math.max(hi, u);
      }
      const w = (hi - lo) / nbins;
      const bins: TrialRow[][] = Array.from({ length: nbins }, () => []);
      for (const r of used) {
        const b = w > 0 ? Math.min(nbins - 1, Math.floor((toScale(r.hparams[h] as number, scale) - lo) / w)) : 0;
        bins[b]!.push(r);
      }
      bins.forEach((rs, b) => {
        const t = tally(rs);
        const low = fromScale(lo + b * w, scale);
        const high = fromScale(lo + (b + 1) * w, scale);
        regs.push({ hparam: h, scale, label: `${h} in [${fmt(low)}, ${fmt(high)}]`, low, high, total: rs.length, infeasible: t.bad, fraction: rs.length ? t.bad / rs.length : 0, counts: t.c });
      });
    }
    result.regions.push(...regs);
    const flagged = (g: InfeasibleRegion) => g.total >= minRegion && g.fraction >= regionFraction && g.fraction >= 1.5 * overall && configsIn(rows, h, g) >= 3;
    if (scale === "categorical") {
      for (const g of regs.filter(flagged)) result.findings.push(regionFinding(h, g.label, [g], { category: g.category }));
    } else {
      // Merge runs of adjacent flagged bins.
      for (let i = 0; i < regs.length; i++) {
        if (!flagged(regs[i]!)) continue;
        let j = i;
        while (j + 1 < regs.length && flagged(regs[j + 1]!)) j++;
        const run = regs.slice(i, j + 1);
        result.findings.push(regionFinding(h, `${h} in [${fmt(run[0]!.low)}, ${fmt(run[run.length - 1]!.high)}]`, run, { low: run[0]!.low, high: run[run.length - 1]!.high }));
        i = j;
      }
    }
  }
  return result;

  function regionFinding(h: string, label: string, run: InfeasibleRegion[], where: Record<string, unknown>): Finding {
    const total = run.reduce((s, g) => s + g.total, 0);
    const bad = run.reduce((s, g) => s + g.infeasible, 0);
    const c: InfeasibleCounts = { diverged: 0, failed: 0, oom: 0, nonFinite: 0 };
    for (const g of run) for (const k of Object.keys(c) as Array<keyof InfeasibleCounts>) c[k] += g.counts[k];
    return finding("warn", "infeasible.region", `${Math.round((bad / total) * 100)}% of the trials with ${label} are infeasible (${bad} of ${total}; ${Math.round(overall * 100)}% overall). Avoid sampling this region, or fix the instability there (e.g. warmup for high learning rates).`, {
      hparam: h,
      ...where,
      total,
      infeasible: bad,
      fraction: bad / total,
      overallFraction: overall,
      ...c,
    });
  }
}

/** Distinct configurations inside a region (one point repeated over seeds is not a region). */
function configsIn(rows: readonly TrialRow[], h: string, g: InfeasibleRegion): number {
  const s = new Set<string>();
  for (const r of rows) {
    const v = r.hparams[h];
    const inside = g.category !== undefined ? valueLabel(v) === g.category : typeof v === "number" && v >= g.low! && v <= g.high!;
    if (inside) s.add(JSON.stringify(Object.keys(r.hparams).sort().map((k) => [k, r.hparams[k]])));
  }
  return s.size;
}

function describe(c: InfeasibleCounts): string {
  const parts = (Object.keys(c) as Array<keyof InfeasibleCounts>).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k === "nonFinite" ? "non-finite" : k}`);
  return parts.join(", ");
}

/** The infeasible analysis as the review, report, magics and CLI run it (see ./registry.ts). */
export const infeasibleAnalysis = defineAnalysis({
  name: "infeasible",
  summary: "infeasible trials (diverged, failed, out of memory): how many, and the regions of the space they crowd",
  positional: "hparams",
  options: infeasibleOptions,
  applies: (s) => (s.size > 0 ? true : "the study has no trials"),
  run: (s, o) => infeasible(s, o),
});
