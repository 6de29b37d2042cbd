/**
 * Hyperparameter importance: which hyperparameters the objective depends on.
 *
 * Method (documented so users can compare with Optuna's fANOVA / PED-ANOVA importances): a one-way
 * ANOVA per hyperparameter. Each hyperparameter's values are cut into quantile bins in its scale
 * (equal-count bins; categories — and "unset" for conditional hyperparameters — are their own bins),
 * and its raw importance is the share of the objective's variance explained by the bins,
 * η² = SS_between / SS_total, corrected for the chance share of k bins on n trials
 * (adjusted η² = 1 − (1 − η²)(n − 1)/(n − k), clipped at 0). The objective is rank-transformed first
 * (default) so a few huge losses do not dominate, as fANOVA implementations do with quantile
 * transforms. Importances are normalized to sum to 1. Like fANOVA's main effects, this ignores
 * interactions; unlike it, no surrogate model is fitted, so it is exact and fast on any study size.
 * Conditional hyperparameters are scored on the trials where they are active (their `n` says how many).
 * With `topFraction` < 1 the decomposition is computed on the best trials only (PED-ANOVA's
 * "top-γ" region): which hyperparameters still matter among the good trials.
 */
import type { Study } from "../study/study.js";
import type { TrialRow } from "../study/types.js";
import { type Finding, finding } from "./finding.js";
import { type ObjectiveBy, type Scale, betterFirst, fmt, hparamScale, isFeasibleRow, objectiveOf, toScale, valueLabel } from "./common.js";
import { feasibleCount, mixesSearchSpaces, varyingHparams } from "./applicability.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";

export interface ImportanceOptions {
  hparams?: string[];
  /** Quantile bins per numeric hyperparameter (default 5). */
  bins?: number;
  /** Use only the best fraction of the feasible trials (default 1 = all). */
  topFraction?: number;
  /** Rank-transform the objective (default) or use raw values. */
  transform?: "rank" | "none";
  by?: ObjectiveBy;
}

export interface HparamImportance {
  hparam: string;
  scale: Scale;
  /** Normalized importance (sums to 1 over hyperparameters, unless all are 0). */
  importance: number;
  /** Raw and adjusted share of variance explained. */
  eta2: number;
  adjustedEta2: number;
  bins: number;
  /** Trials used (those where the hyperparameter is set). */
  n: number;
  /** Fewer than max(20, 4 × bins) trials: scored 0. */
  insufficient?: boolean;
}

export interface ImportanceResult {
  method: string;
  /** Sorted, most important first. */
  importances: HparamImportance[];
  /** Trials used. */
  n: number;
  findings: Finding[];
}

/** The options of `importance` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const importanceOptions = {
  by: commonOptions.by,
  hparams: option.list("hyperparameters to rank (default: every one that varies)"),
  bins: option.int("quantile bins per numeric hyperparameter", { default: 5, min: 2 }),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(importanceOptions);

/**
 * Importance of each hyperparameter by binned one-way ANOVA (see the module comment).
 *
 * @example
 * const imp = importance(study);
 * imp.importances[0]; // { hparam: "learning_rate", importance: 0.82, … }
 */
export function importance(study: Study, options: ImportanceOptions = {}): ImportanceResult {
  const by = options.by ?? D.by;
  const nb = options.bins ?? D.bins;
  const cmp = betterFirst(study.objective.direction);
  let rows: TrialRow[] = study.trialRows().filter((r) => isFeasibleRow(r, by));
  rows.sort((a, b) => cmp(objectiveOf(a, by)!, objectiveOf(b, by)!));
  if (options.topFraction !== undefined && options.topFraction < 1) rows = rows.slice(0, Math.max(2, Math.ceil(options.topFraction * rows.length)));
  const n = rows.length;
  const raw = rows.map((r) => objectiveOf(r, by)!);
  const y = (options.transform ?? "rank") === "rank" ? ranks(raw) : raw;
  const names = options.hparams ?? study.hyperparameters().filter((h) => new Set(study.trialRows().map((r) => r.hparams[h] ?? null)).size > 1);
  const method = `binned one-way ANOVA (adjusted η², ${nb} quantile bins in each hyperparameter's scale, ${(options.transform ?? "rank") === "rank" ? "rank-transformed objective" : "raw objective"}${options.topFraction !== undefined && options.topFraction < 1 ? `, top ${options.topFraction} of trials` : ""})`;
  const out: HparamImportance[] = [];
  for (const h of names) {
    const scale = hparamScale(study, h);
    // Conditional hyperparameters are scored on the trials where they are active: an "unset" bin
    // would only re-measure the parent (e.g. `model`), not this hyperparameter.
    const active: number[] = [];
    rows.forEach((r, i) => {
      const v = r.hparams[h];
      if (v !== null && v !== undefined) active.push(i);
    });
    const sub = active.map((i) => rows[i]!);
    const ys = active.map((i) => y[i]!);
    const labels = binLabels(sub, h, scale, nb);
    let meanY = 0;
    for (const v of ys) meanY += v;
    meanY /= ys.length || 1;
    let ssTot = 0;
    for (const v of ys) ssTot += (v - meanY) ** 2;
    const sums = new Map<string, { s: number; c: number }>();
    labels.forEach((l, i) => {
      const e = sums.get(l) ?? { s: 0, c: 0 };
      e.s += ys[i]!;
      e.c++;
      sums.set(l, e);
    });
    let ssB = 0;
    for (const { s, c } of sums.values()) ssB += c * (s / c - meanY) ** 2;
    const k = sums.size;
    const m = ys.length;
    const eta2 = ssTot > 0 ? ssB / ssTot : 0;
    // Too few active trials for k bins: the estimate would be noise, so it is scored 0 and marked.
    const insufficient = m < Math.max(20, 4 * k);
    const adj = !insufficient && m > k && k > 1 ? Math.max(0, 1 - ((1 - eta2) * (m - 1)) / (m - k)) : 0;
    const imp: HparamImportance = { hparam: h, scale, importance: 0, eta2, adjustedEta2: adj, bins: k, n: m };
    if (insufficient) imp.insufficient = true;
    out.push(imp);
  }
  const total = out.reduce((s, x) => s + x.adjustedEta2, 0);
  for (const x of out) x.importance = total > 0 ? x.adjustedEta2 / total : 0;
  out.sort((a, b) => b.importance - a.importance);
  const findings: Finding[] = [];
  // Identifiability: repeats of one configuration (seeds) explore nothing, and with fewer distinct
  // configurations than max(10, 2 × hyperparameters) — or when the top hyperparameter's bins split the
  // trials exactly as another's do — the ranking says nothing about which hyperparameter matters.
  const seedLike = /seed|(^|_)rng($|_)/i;
  const configNames = names.filter((h) => !seedLike.test(h));
  const configs = new Set(rows.map((r) => JSON.stringify(configNames.map((h) => r.hparams[h] ?? null)))).size;
  const minConfigs = Math.max(10, 2 * configNames.length);
  const partition = (h: string) => {
    const labels = binLabels(rows, h, hparamScale(study, h), nb);
    const first = new Map<string, number>();
    return labels.map((l, i) => {
      if (!first.has(l)) first.set(l, i);
      return first.get(l)!;
    }).join(",");
  };
  const top0 = out[0];
  const confounded = top0 && configs >= minConfigs ? out.slice(1).map((x) => x.hparam).filter((h) => partition(h) === partition(top0.hparam)) : [];
  if (out.length > 0 && (configs < minConfigs || confounded.length > 0)) {
    const why = configs < minConfigs
      ? `only ${configs} distinct configuration${configs === 1 ? "" : "s"} of ${configNames.length} varying hyperparameters (< ${minConfigs})`
      : `${top0!.hparam} and ${confounded.join(", ")} split the trials identically (confounded)`;
    findings.push(
      finding("info", "importance.not_identifiable", `Which hyperparameter matters most is not identifiable here: ${why}. Run more configurations (a quasi-random search varies them independently) before ranking hyperparameters.`, {
        configurations: configs,
        hparams: configNames.length,
        minConfigurations: minConfigs,
        confounded: confounded.length ? [top0!.hparam, ...confounded] : [],
        n,
      }),
    );
    return { method, importances: out, n, findings };
  }
  if (out.length > 0 && total > 0 && n >= 10) {
    const top = out[0]!;
    findings.push(
      finding("info", "importance.top", `${top.hparam} matters most: it explains ${Math.round(top.adjustedEta2 * 100)}% of the variance of the ${study.objective.metric} rank (importance ${fmt(top.importance)}); then ${out.slice(1, 3).map((x) => `${x.hparam} (${fmt(x.importance)})`).join(", ") || "nothing else"}.`, {
        method,
        n,
        importances: out.map((x) => ({ hparam: x.hparam, importance: x.importance, adjustedEta2: x.adjustedEta2 })),
      }),
    );
  }
  return { method, importances: out, n, findings };
}

/** Bin label of each row: category, "(unset)", or the quantile bin index in the hyperparameter's scale. */
function binLabels(rows: readonly TrialRow[], h: string, scale: Scale, nb: number): string[] {
  if (scale === "categorical") return rows.map((r) => valueLabel(r.hparams[h]));
  const u = rows.map((r) => {
    const v = r.hparams[h];
    return typeof v === "number" && Number.isFinite(v) ? toScale(v, scale) : NaN;
  });
  const fin = u.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const distinct = new Set(fin).size;
  if (distinct <= nb) return rows.map((r) => valueLabel(r.hparams[h]));
  const cuts: number[] = [];
  for (let b = 1; b < nb; b++) cuts.push(fin[Math.floor((b * fin.length) / nb)]!);
  return u.map((x) => {
    if (Number.isNaN(x)) return "(unset)";
    let b = 0;
    while (b < cuts.length && x >= cuts[b]!) b++;
    return `bin${b}`;
  });
}

/** Average ranks (ties share their mean rank), 1-based. */
function ranks(v: readonly number[]): number[] {
  const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Hyperparameter importance as the tools run it (see ./registry.ts). */
export const importanceAnalysis = defineAnalysis({
  name: "importance",
  summary: "which hyperparameters explain the objective's variance (binned ANOVA)",
  options: importanceOptions,
  applies: (s, o) => (mixesSearchSpaces(s) ? "the trials come from several submissions, each with its own search space" : varyingHparams(s).length < 2 ? "fewer than 2 hyperparameters vary" : feasibleCount(s, o.by) < 20 ? `only ${feasibleCount(s, o.by)} feasible trials (< 20)` : true),
  run: (s, o) => importance(s, o),
});
