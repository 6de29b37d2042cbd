/**
 * Basic hyperparameter axis plot data (playbook: "Identifying bad search space boundaries"):
 * objective vs one hyperparameter, one point per trial, infeasible trials kept and flagged.
 */
import { TunebookError } from "../core/errors.js";
import type { Study } from "../study/study.js";
import type { HpValue, Objective, TrialRow, TrialStatus } from "../study/types.js";
import { safeRecord } from "../study/types.js";
import { type Finding, finding } from "./finding.js";
import { type ObjectiveBy, type Scale, hparamRange, hparamScale, isFeasibleRow, objectiveOf } from "./common.js";
import { varyingHparams } from "./applicability.js";
import { commonOptions, defineAnalysis, option, optionDefaults } from "./registry.js";
import { didYouMean } from "../util/suggest.js";

/** One trial on an axis plot. */
export interface AxisPoint {
  trial: string;
  /** Hyperparameter value (null when the trial does not use it). */
  x: HpValue;
  /** Objective (best or final); null or non-finite for trials without a usable value. */
  y: number | null;
  status: TrialStatus;
  /** False for diverged/failed/oom trials or a non-finite objective (drawn as a red X). */
  feasible: boolean;
  /** Every hyperparameter of the trial, for hover text. */
  hparams: Record<string, HpValue>;
  group: string | null;
}

/** Axis-plot data for one hyperparameter. */
export interface AxisSeries {
  hparam: string;
  scale: Scale;
  /** Declared space bounds, else the observed range (numeric only). */
  range: { low: number; high: number; source: "space" | "observed" } | null;
  /** Category order for categorical hyperparameters (first-seen order). */
  categories?: string[];
  /** Trials that use this hyperparameter (x not null). */
  points: AxisPoint[];
  feasibleCount: number;
  infeasibleCount: number;
  /** Trials where the hyperparameter is unset (conditional), not in `points`. */
  missingCount: number;
}

export interface AxisOptions {
  /** Hyperparameters to include (default: every one that varies). */
  hparams?: string[];
  /** Objective value per trial: best over training (default, as the playbook recommends) or final. */
  by?: ObjectiveBy;
}

export interface AxisPlotData {
  objective: Objective;
  by: ObjectiveBy;
  series: AxisSeries[];
  findings: Finding[];
}

/** The options of `axisPlotData` as the registry (review, report, magics, CLI) offers them, with their defaults. */
const axisOptions = {
  by: commonOptions.by,
  hparams: option.list("hyperparameters to draw (default: every one that varies)"),
};
/** The one set of defaults, read by the direct call and the registry alike. */
const D = optionDefaults(axisOptions);

/**
 * Data for the basic hyperparameter axis plots of a study: for each hyperparameter, every trial's
 * objective against its value, in the space's scale, infeasible trials flagged (not dropped).
 * Hyperparameters with a single value are skipped unless asked for by name.
 *
 * @example
 * const axis = axisPlotData(study, { hparams: ["learning_rate"] });
 * axis.series[0].scale;                              // "log"
 * axis.series[0].points.filter((p) => !p.feasible);  // the red Xs
 */
export function axisPlotData(study: Study, options: AxisOptions = {}): AxisPlotData {
  const by = options.by ?? D.by;
  const rows = study.trialRows();
  const names = options.hparams ?? study.hyperparameters().filter((h) => hasTwoValues(rows, h));
  const series: AxisSeries[] = [];
  const findings: Finding[] = [];
  // One copy of each trial's hyperparameters, shared by its points in every series (read-only).
  const hpCopies: Array<Record<string, HpValue> | undefined> = new Array(rows.length);
  const hparamsOf = (i: number): Record<string, HpValue> => {
    let hp = hpCopies[i];
    if (!hp) {
      hp = safeRecord<HpValue>();
      const src = rows[i]!.hparams;
      for (const k in src) if (Object.hasOwn(src, k)) hp[k] = src[k]!;
      hpCopies[i] = hp;
    }
    return hp;
  };
  for (const h of names) {
    const scale = hparamScale(study, h);
    const points: AxisPoint[] = [];
    let missing = 0;
    const cats = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const x = r.hparams[h] ?? null;
      if (x === null) {
        missing++;
        continue;
      }
      if (scale === "categorical") cats.add(String(x));
      points.push({ trial: r.id, x, y: objectiveOf(r, by), status: r.status, feasible: isFeasibleRow(r, by), hparams: hparamsOf(i), group: r.group });
    }
    const feasibleCount = points.filter((p) => p.feasible).length;
    const s: AxisSeries = {
      hparam: h,
      scale,
      range: scale === "categorical" ? null : hparamRange(study, h),
      points,
      feasibleCount,
      infeasibleCount: points.length - feasibleCount,
      missingCount: missing,
    };
    if (scale === "categorical") s.categories = [...cats];
    if (points.length > 0 && feasibleCount === 0)
      findings.push(finding("warn", "axis.no_feasible", `No trial with ${h} set has a usable objective: every point on its axis plot is infeasible.`, { hparam: h, trials: points.length }));
    series.push(s);
  }
  return { objective: study.objective, by, series, findings };
}

/** At least two distinct set values of `h` (Set semantics: NaN equals NaN, 0 equals -0); stops at the second. */
function hasTwoValues(rows: readonly TrialRow[], h: string): boolean {
  let first: HpValue | undefined;
  for (const r of rows) {
    const v = r.hparams[h] ?? null;
    if (v === null) continue;
    if (first === undefined) first = v;
    else if (v !== first && !(v !== v && first !== first)) return true;
  }
  return false;
}

/** The basic hyperparameter axis plot as the tools run it (see ./registry.ts). */
export const axisAnalysis = defineAnalysis({
  name: "axis",
  summary: "basic hyperparameter axis plots: objective vs each hyperparameter, every trial",
  positional: "hparams",
  options: axisOptions,
  applies: (s) => (varyingHparams(s).length > 0 ? true : "no hyperparameter varies"),
  run: (s, o) => {
    for (const h of o.hparams ?? []) requireHparam(s, h, "axis");
    return axisPlotData(s, o);
  },
});

/** A clear error for a hyperparameter name the study does not have. */
export function requireHparam(study: Study, name: string, analysis: string): void {
  const known = study.hyperparameters();
  if (!known.includes(name)) throw new TunebookError(`${analysis}: the study has no hyperparameter "${name}"${didYouMean(name, known, { form: "aside" })} (it has: ${known.join(", ") || "none"})`);
}
