/**
 * Training curves (playbook: "Examining the training curves"): training loss and the validation
 * metric of several trials side by side, diverged trials marked, and each curve diagnostic
 * (overfitting, late noise, still improving, saturated, training loss rising) pinned at its step.
 */
import type { CurveData } from "../analysis/curveMath.js";
import type { CurveDiagnosticsResult, TrialCurves } from "../analysis/curves.js";
import type { Finding } from "../analysis/finding.js";
import type { Direction } from "../study/types.js";
import { panelGrid, panelTitle } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, metricTitle, plotText, seriesColor, MAX_FIGURE_WIDTH } from "./theme.js";

export interface CurvesFigureOptions extends FigureOptions {
  trainMetric?: string;
  validationMetric?: string;
  validationDirection?: Direction;
  /** Most trials drawn in colour (default 12); with more, the rest are thin grey lines. */
  maxColored?: number;
  /** Log-scale y for the training loss (default: when it spans more than a decade). */
  logTrain?: boolean;
}

/** Short names for diagnostic codes, used as markers' labels. */
const SHORT: Record<string, string> = {
  "curves.overfitting": "overfitting",
  "curves.noisy_late": "noisy late",
  "curves.still_improving": "still improving",
  "curves.saturated": "saturated",
  "curves.train_loss_increasing": "train loss rising",
  "curves.diverged": "diverged",
};

/** The step a curve finding points at (first numeric of step, saturationStep, bestStep, minStep, fromStep). */
export function findingStep(f: Finding): number | null {
  for (const k of ["step", "saturationStep", "bestStep", "minStep", "fromStep"]) {
    const v = f.evidence[k];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}

/** Value of a curve at `step` (nearest recorded step at or before it, finite). */
function valueAt(c: CurveData, step: number): number | null {
  let best: number | null = null;
  for (let i = 0; i < c.steps.length; i++) {
    if (c.steps[i]! > step && best !== null) break;
    if (Number.isFinite(c.values[i]!)) best = c.values[i]!;
  }
  return best;
}

function spansDecade(c: Array<CurveData | undefined>): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of c) for (const v of x?.values ?? []) if (Number.isFinite(v) && v > 0) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return Number.isFinite(lo) && lo > 0 && hi / lo > 10;
}

/**
 * Training and validation curves of several trials with the diagnostics of a
 * {@link CurveDiagnosticsResult} pinned where they occur. Curves come from the study (the
 * builder does not read the study itself): pass `TrialCurves` for the trials to draw.
 *
 * @example
 * const diag = curveDiagnostics(study);
 * const curves = study.trialIds().map((id) => ({ trial: id, train: study.curve(id, diag.roles.train!), validation: study.curve(id, diag.roles.validation!) }));
 * const fig = curvesFigure(curves, diag);
 */
export function curvesFigure(curves: TrialCurves[], diagnosis?: CurveDiagnosticsResult, options: CurvesFigureOptions = {}): Figure {
  const trainMetric = options.trainMetric ?? diagnosis?.roles.train ?? "training loss";
  const valMetric = options.validationMetric ?? diagnosis?.roles.validation ?? "validation metric";
  const valDir = options.validationDirection ?? diagnosis?.roles.validationDirection ?? "minimize";
  const hasTrain = curves.some((c) => c.train && c.train.steps.length);
  const hasVal = curves.some((c) => c.validation && c.validation.steps.length);
  const panelsWanted = [hasTrain ? "train" : null, hasVal ? "validation" : null].filter((x): x is string => x !== null);
  if (panelsWanted.length === 0) panelsWanted.push("validation");
  const panels = panelGrid(panelsWanted.length, 2, { x: 0.09 });
  const diagBy = new Map((diagnosis?.trials ?? []).map((d) => [d.trial, d]));
  const maxColored = options.maxColored ?? 12;
  const data: Trace[] = [];
  const annotations: Array<Record<string, unknown>> = [];
  const axes: Record<string, unknown> = {};
  const markers: Record<string, { x: number[]; y: number[]; text: string[]; label: string[] }> = {};
  let diverged = 0;
  curves.forEach((t, i) => {
    const colored = i < maxColored;
    const d = diagBy.get(t.trial);
    const isDiv = d?.divergedStep !== null && d?.divergedStep !== undefined;
    if (isDiv) diverged++;
    const color = isDiv ? COLORS.infeasible : colored ? seriesColor(i) : COLORS.faded;
    panelsWanted.forEach((which, k) => {
      const p = panels[k]!;
      const c = which === "train" ? t.train : t.validation;
      if (!c || c.steps.length === 0) return;
      data.push({
        type: "scatter",
        mode: c.steps.length === 1 ? "markers" : "lines",
        name: plotText(t.trial) + (isDiv ? " (diverged)" : ""),
        meta: { role: isDiv ? "diverged" : "curve", trial: t.trial, panel: which },
        legendgroup: t.trial,
        showlegend: colored && !data.some((x) => "legendgroup" in x && x.legendgroup === t.trial),
        x: c.steps,
        y: c.values.map((v) => (Number.isFinite(v) ? v : null)),
        xaxis: p.xref,
        yaxis: p.yref,
        line: { color, width: colored ? 2 : 1, dash: isDiv ? "dot" : "solid" },
        marker: { color, size: 8 },
        opacity: colored ? 0.95 : 0.6,
        hovertemplate: `${plotText(t.trial)}<br>step %{x}<br>${plotText(which === "train" ? trainMetric : valMetric)} %{y}<extra></extra>`,
      });
      if (isDiv) {
        const step = d!.divergedStep!;
        const y = valueAt(c, step);
        if (y !== null) add(markers, p.xref + "|" + p.yref, step, y, `${plotText(t.trial)} diverged at step ${step}`, "diverged");
      }
    });
    for (const f of d?.findings ?? []) {
      if (f.code === "curves.diverged") continue;
      const step = findingStep(f);
      if (step === null) continue;
      const k = f.code === "curves.train_loss_increasing" ? panelsWanted.indexOf("train") : panelsWanted.indexOf("validation");
      const idx = k >= 0 ? k : 0;
      const c = panelsWanted[idx] === "train" ? t.train : t.validation;
      if (!c) continue;
      const y = valueAt(c, step);
      if (y === null) continue;
      add(markers, panels[idx]!.xref + "|" + panels[idx]!.yref, step, y, plotText(f.message), SHORT[f.code] ?? f.code);
    }
  });
  // Diagnostics: one marker trace per panel, labelled; red X for divergence.
  let first = true;
  for (const [key, m] of Object.entries(markers)) {
    const [xref, yref] = key.split("|");
    const div = m.label.map((l) => l === "diverged");
    data.push({
      type: "scatter",
      mode: "text+markers",
      name: "diagnostics (hover for details)",
      meta: { role: "diagnostics" },
      legendgroup: "diagnostics",
      showlegend: first,
      x: m.x,
      y: m.y,
      xaxis: xref,
      yaxis: yref,
      // Label each kind of diagnostic once per panel; the rest are hover-only markers.
      text: m.label.map((l, j) => (m.label.indexOf(l) === j ? l : "")),
      textposition: "top center",
      textfont: { size: 10, color: COLORS.text },
      hovertext: m.text,
      hoverinfo: "text",
      marker: { symbol: div.map((x) => (x ? "x" : "circle-open")), color: div.map((x) => (x ? COLORS.infeasible : COLORS.text)), size: 13, line: { width: 2 } },
      cliponaxis: false,
    });
    first = false;
  }
  panelsWanted.forEach((which, k) => {
    const p = panels[k]!;
    const log = which === "train" && (options.logTrain ?? spansDecade(curves.map((c) => c.train)));
    const title = which === "train" ? `${plotText(trainMetric)} (lower is better)` : metricTitle(valMetric, valDir);
    axes[p.xaxis] = { ...axisLayout("training step"), domain: p.xdomain, anchor: p.yref };
    axes[p.yaxis] = { ...axisLayout(title + (log ? " (log scale)" : ""), log ? "log" : "linear"), domain: p.ydomain, anchor: p.xref };
    annotations.push(panelTitle(p, which === "train" ? "training" : "validation"));
  });
  const nFind = diagnosis ? Object.entries(diagnosis.counts).filter(([, n]) => n > 0).map(([c, n]) => `${SHORT[c] ?? c}: ${n}`) : [];
  const title = `Training curves: ${hasTrain ? `${plotText(trainMetric)} and ` : ""}${plotText(valMetric)} of ${count(curves.length)} trial${curves.length === 1 ? "" : "s"}`;
  const subtitle = `${diverged ? `${diverged} diverged (red dotted, X at the step); ` : ""}${nFind.length ? `diagnostics — ${nFind.join(", ")}` : "no curve diagnostics fired"}`;
  const layout = baseLayout(title, { subtitle: plotText(subtitle), width: panelsWanted.length === 2 ? MAX_FIGURE_WIDTH : 800, height: 520 });
  Object.assign(layout, axes, { annotations });
  (layout.margin as Record<string, number>).t += 22;
  (layout.margin as Record<string, number>).r = 180;
  layout.legend = { ...(layout.legend as object), x: 1.02, xanchor: "left", y: 1, yanchor: "top", font: { size: 10 } };
  return applyOptions({ data, layout }, options);
}

function add(m: Record<string, { x: number[]; y: number[]; text: string[]; label: string[] }>, key: string, x: number, y: number, text: string, label: string): void {
  let e = m[key];
  if (!e) m[key] = e = { x: [], y: [], text: [], label: [] };
  e.x.push(x);
  e.y.push(y);
  e.text.push(text);
  e.label.push(label);
}
