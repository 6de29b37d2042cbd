/** A summary of a study for people (`tunebook load`) and machines (`--json`). */
import type { Study, StatusCounts } from "./study.js";
import { escapeTerminal as esc } from "../core/terminal.js";
import { formatIssue, safeRecord, type Objective } from "./types.js";
import { formatNumber } from "../util/format.js";

export interface StudySummary {
  name: string;
  source: { path?: string; format?: string };
  objective: Objective;
  trials: number;
  byStatus: StatusCounts;
  metrics: string[];
  measurements: number;
  hyperparameters: Record<string, { min: number | null; max: number | null; distinct: number; scale: string; missing: number; values?: unknown[] }>;
  steps: { min: number | null; max: number | null };
  best: { trial: string; value: number; step: number | null; hparams: Record<string, unknown> } | null;
  groups: number;
  /**
   * Present when trials record different objectives (`attrs.objectiveMetric`/`objectiveDirection`,
   * e.g. AlgoPerf workloads with different targets): then `best` is null, since values of
   * different metrics or directions do not compare.
   */
  objectives?: Array<Objective & { groups: number; trials: number }>;
  warnings: string[];
}

/** Distinct objectives recorded on the trials (by the loaders), with their group and trial counts. */
function recordedObjectives(study: Study): Array<Objective & { groups: number; trials: number }> {
  const by = new Map<string, Objective & { groupSet: Set<string | null>; trials: number }>();
  for (const t of study.trialRows()) {
    const d = t.attrs.objectiveDirection;
    if (d !== "minimize" && d !== "maximize") continue;
    const metric = typeof t.attrs.objectiveMetric === "string" ? t.attrs.objectiveMetric : study.objective.metric;
    const k = `${metric}\u0001${d}`;
    let e = by.get(k);
    if (!e) by.set(k, (e = { metric, direction: d, groupSet: new Set(), trials: 0 }));
    e.groupSet.add(t.group);
    e.trials++;
  }
  return [...by.values()].sort((a, b) => b.trials - a.trials).map((e) => ({ metric: e.metric, direction: e.direction, groups: e.groupSet.size, trials: e.trials }));
}

/**
 * @example
 * const s = summarizeStudy(await loadStudy("datasets/algoperf_v05/raw_logdir"));
 * s.byStatus.complete; // 10
 */
export function summarizeStudy(study: Study): StudySummary {
  // Null prototype: a hyperparameter named `__proto__` is a plain key here too.
  const hp: StudySummary["hyperparameters"] = safeRecord();
  for (const h of study.hparamSummaries()) {
    hp[h.name] = { min: h.min, max: h.max, distinct: h.distinct, scale: h.scale, missing: h.missing };
    if (h.values) hp[h.name]!.values = h.values;
  }
  const steps = study.trialRows().map((r) => r.steps).filter((s): s is number => s !== null && Number.isFinite(s));
  const objectives = recordedObjectives(study);
  const mixed = objectives.length > 1;
  const best = mixed ? undefined : study.bestTrial();
  return {
    name: study.name,
    source: study.source,
    objective: study.objective,
    trials: study.size,
    byStatus: study.statusCounts(),
    metrics: study.metrics(),
    measurements: study.measurementCount,
    hyperparameters: hp,
    steps: { min: steps.length ? Math.min(...steps) : null, max: steps.length ? Math.max(...steps) : null },
    best: best ? { trial: best.id, value: best.best!, step: best.bestStep, hparams: { ...best.hparams } } : null,
    groups: new Set(study.trialRows().map((r) => r.group)).size,
    ...(mixed ? { objectives } : {}),
    warnings: study.warnings.map(formatIssue),
  };
}

const fmt = (v: number | null): string => formatNumber(v);

/** A hyperparameter of a summary that takes one value wherever it is present. */
export interface ConstantHyperparameter {
  name: string;
  value: string;
  /** Trials where it is absent. */
  missing: number;
}

/**
 * The summary's hyperparameters in three piles, so a summary can fold what does not vary:
 * `varying` (two or more values), `constant` (one value wherever present) and `absent` (in no trial).
 *
 * @example
 * const { varying, constant } = foldHyperparameters(summarizeStudy(study));
 * constant.map((c) => `${c.name}=${c.value}`); // ["optimizer=adam", "warmup_steps=0"]
 */
export function foldHyperparameters(s: StudySummary): { varying: string[]; constant: ConstantHyperparameter[]; absent: string[] } {
  const varying: string[] = [];
  const constant: ConstantHyperparameter[] = [];
  const absent: string[] = [];
  for (const [name, h] of Object.entries(s.hyperparameters)) {
    if (h.distinct === 0) absent.push(name);
    else if (h.distinct === 1) constant.push({ name, value: h.min !== null ? fmt(h.min) : String(h.values?.[0] ?? ""), missing: h.missing });
    else varying.push(name);
  }
  return { varying, constant, absent };
}

/** `a=1, b=adam, … 12 more` (at most `max` shown). */
export function constantsText(constant: readonly ConstantHyperparameter[], max = 12): string {
  const shown = constant.slice(0, max).map((c) => `${c.name}=${c.value}`);
  if (constant.length > max) shown.push(`… ${constant.length - max} more`);
  return shown.join(", ");
}

/** The summary as text a person can read in a terminal (every user string escaped, see src/core/terminal.ts). */
export function formatSummary(s: StudySummary, maxWarnings = 10): string {
  const lines: string[] = [];
  lines.push(`study ${esc(s.name)}${s.source.format ? ` (${s.source.format})` : ""}`);
  if (s.objectives) {
    const parts = s.objectives.slice(0, 6).map((o) => `${esc(o.metric)} (${o.direction}) in ${o.groups} group${o.groups === 1 ? "" : "s"}`);
    if (s.objectives.length > 6) parts.push(`… ${s.objectives.length - 6} more`);
    lines.push(`objective: differs by group — ${parts.join("; ")}`);
    lines.push(`  (no overall best: split with splitByGroup() or pass --objective)`);
  } else lines.push(`objective: ${esc(s.objective.metric)} (${s.objective.direction})`);
  const st = Object.entries(s.byStatus).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ");
  lines.push(`trials: ${s.trials}${st ? ` — ${st}` : ""}${s.groups > 1 ? ` in ${s.groups} groups` : ""}`);
  if (s.best) lines.push(`best: ${fmt(s.best.value)} (trial ${esc(s.best.trial)}${s.best.step !== null ? `, step ${s.best.step}` : ""})`);
  lines.push(`steps: ${s.steps.min === null ? "–" : s.steps.min === s.steps.max ? fmt(s.steps.max) : `${fmt(s.steps.min)}..${fmt(s.steps.max)}`}; measurements: ${s.measurements}`);
  const metrics = (s.metrics.length > 12 ? [...s.metrics.slice(0, 12), `… ${s.metrics.length - 12} more`] : s.metrics).map(esc);
  lines.push(`metrics (${s.metrics.length}): ${metrics.join(", ") || "–"}`);
  // Only what varies gets a row; constant and absent parameters fold into one line each.
  const { varying: names, constant, absent } = foldHyperparameters(s);
  const total = Object.keys(s.hyperparameters).length;
  lines.push(`hyperparameters (${total}${total > names.length ? `, ${names.length} varying` : ""}):`);
  const w = Math.max(4, ...names.map((n) => esc(n).length));
  for (const n of names) {
    const h = s.hyperparameters[n]!;
    const range = h.min !== null ? `${fmt(h.min)} .. ${fmt(h.max)}` : (h.values ?? []).slice(0, 6).map((v) => esc(String(v))).join(" | ");
    const missing = h.missing ? `, absent in ${h.missing}` : "";
    lines.push(`  ${esc(n).padEnd(w)}  ${h.scale.padEnd(11)} ${range}  (${h.distinct} distinct${missing})`);
  }
  if (constant.length) lines.push(`  constant (${constant.length}): ${esc(constantsText(constant))}`);
  if (absent.length) lines.push(`  absent in every trial (${absent.length}): ${absent.slice(0, 12).map(esc).join(", ")}${absent.length > 12 ? `, … ${absent.length - 12} more` : ""}`);
  if (s.warnings.length) {
    lines.push(`${s.warnings.length} warning(s) while loading:`);
    for (const w of s.warnings.slice(0, maxWarnings)) lines.push(`  ${esc(w)}`);
    if (s.warnings.length > maxWarnings) lines.push(`  … ${s.warnings.length - maxWarnings} more (use --json to see all)`);
  }
  return lines.join("\n");
}
