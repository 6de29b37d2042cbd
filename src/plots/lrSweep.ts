/**
 * Learning-rate sweep (playbook: "Identifying and addressing training instability"): the
 * objective against the learning rate with unstable runs marked, lr* (the largest stable rate)
 * drawn, and the training-loss curves coloured by learning rate with each instability's step.
 */
import type { LrSweepResult } from "../analysis/warmup.js";
import type { Direction } from "../study/types.js";
import { wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, formatValue, logTicks, metricTitle, plotText, MAX_FIGURE_WIDTH } from "./theme.js";

/** A curve to draw for one trial of the sweep (e.g. `study.curve(id, result.metric)`). */
export interface SweepCurve {
  trial: string;
  steps: number[];
  values: number[];
}

export interface LrSweepFigureOptions extends FigureOptions {
  /** Objective name and direction for the left panel. */
  objective?: { metric: string; direction: Direction };
}

/** Blue (small lr) → orange (large lr) by position in log lr. */
function lrColor(lr: number, lo: number, hi: number): string {
  const t = hi > lo ? (Math.log10(lr) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : 0.5;
  const a = [0, 114, 178];
  const b = [230, 159, 0];
  const c = a.map((x, i) => Math.round(x + (b[i]! - x) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * Two panels: the best objective per trial against its learning rate (log x; unstable trials as
 * red X, at the worse edge when they have no result; lr* dashed) and the training-loss curves
 * (colour = learning rate; unstable ones dotted with an X where the instability starts).
 *
 * @example
 * const sweep = learningRateSweep(study);
 * const curves = sweep.trials.map((t) => study.curve(t.trial, sweep.metric!));
 * const fig = lrSweepFigure(sweep, curves, { objective: study.objective });
 */
export function lrSweepFigure(result: LrSweepResult, curves: SweepCurve[] = [], options: LrSweepFigureOptions = {}): Figure {
  const obj = options.objective ?? { metric: "objective", direction: "minimize" as Direction };
  const lrName = result.lrParam ?? "learning rate";
  const lrs = result.trials.map((t) => t.learningRate).filter((x) => x > 0);
  const lo = Math.min(...lrs);
  const hi = Math.max(...lrs);
  const stable = result.trials.filter((t) => t.stable && t.best !== null);
  const unstable = result.trials.filter((t) => !t.stable);
  const finiteBest = result.trials.map((t) => t.best).filter((x): x is number => x !== null && Number.isFinite(x));
  const yLo = finiteBest.length ? Math.min(...finiteBest) : 0;
  const yHi = finiteBest.length ? Math.max(...finiteBest) : 1;
  const span = yHi - yLo || Math.abs(yHi) * 0.1 || 1;
  const edge = obj.direction === "minimize" ? yHi + 0.1 * span : yLo - 0.1 * span;
  const data: Trace[] = [
    {
      type: "scatter",
      mode: "markers",
      name: "stable trials",
      meta: { role: "stable" },
      x: stable.map((t) => t.learningRate),
      y: stable.map((t) => t.best),
      marker: { color: COLORS.feasible, size: 10 },
      text: stable.map((t) => `${plotText(t.trial)}<br>${plotText(lrName)} ${formatValue(t.learningRate)}<br>${plotText(obj.metric)} ${formatValue(t.best ?? null)}`),
      hoverinfo: "text",
    },
    {
      type: "scatter",
      mode: "markers",
      name: `unstable trials: ${count(unstable.length)}`,
      meta: { role: "unstable" },
      x: unstable.map((t) => t.learningRate),
      y: unstable.map((t) => (t.best !== null && Number.isFinite(t.best) ? t.best : edge)),
      marker: { symbol: "x", color: COLORS.infeasible, size: 13 },
      text: unstable.map((t) => `${plotText(t.trial)}<br>${plotText(lrName)} ${formatValue(t.learningRate)}<br>${t.kind}${t.step !== null ? ` at step ${t.step}` : ""} (${t.phase ?? ""})`),
      hoverinfo: "text",
      cliponaxis: false,
    },
  ];
  const byTrial = new Map(result.trials.map((t) => [t.trial, t]));
  const marks: { x: number[]; y: number[] } = { x: [], y: [] };
  for (const c of curves) {
    const t = byTrial.get(c.trial);
    if (!t) continue;
    const color = t.stable ? lrColor(t.learningRate, lo, hi) : COLORS.infeasible;
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${plotText(lrName)}=${formatValue(t.learningRate)}`,
      meta: { role: t.stable ? "curve" : "unstable-curve", trial: t.trial },
      showlegend: false,
      x: c.steps,
      y: c.values.map((v) => (Number.isFinite(v) ? v : null)),
      line: { color, width: 1.6, dash: t.stable ? "solid" : "dot" },
      xaxis: "x2",
      yaxis: "y2",
      hovertemplate: `${plotText(lrName)} ${formatValue(t.learningRate)}<br>step %{x}: %{y}<extra>${plotText(c.trial)}</extra>`,
    });
    if (!t.stable && t.step !== null) {
      let y: number | null = null;
      for (let i = 0; i < c.steps.length && c.steps[i]! <= t.step; i++) if (Number.isFinite(c.values[i]!)) y = c.values[i]!;
      if (y !== null) (marks.x.push(t.step), marks.y.push(y));
    }
  }
  if (marks.x.length)
    data.push({ type: "scatter", mode: "markers", name: "instability starts", meta: { role: "instability-start" }, x: marks.x, y: marks.y, xaxis: "x2", yaxis: "y2", marker: { symbol: "x", color: COLORS.infeasible, size: 11, line: { width: 2 } }, hoverinfo: "x+y" });
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  if (result.lrStar !== null) {
    shapes.push({ type: "line", xref: "x", yref: "y domain", x0: result.lrStar, x1: result.lrStar, y0: 0, y1: 1, line: { color: COLORS.text, width: 1.5, dash: "dash" } });
    annotations.push({ text: `lr* = ${formatValue(result.lrStar)}`, xref: "x", yref: "y domain", x: Math.log10(result.lrStar), y: 1, yanchor: "bottom", showarrow: false, font: { size: 11 } });
  }
  // Curves: log y when the losses span more than a decade (blow-ups would flatten the rest).
  const vals = curves.flatMap((c) => c.values.filter((v) => Number.isFinite(v) && v > 0));
  const logY = vals.length > 0 && Math.max(...vals) / Math.min(...vals) > 10;
  const msgs = result.findings.map((f) => f.message);
  const title = `Learning-rate sweep: ${count(result.trials.length)} trials, ${count(unstable.length)} unstable${result.lrStar !== null ? `; largest stable ${plotText(lrName)} lr* = ${formatValue(result.lrStar)}` : ""}`;
  let subtitle = `left: best ${plotText(obj.metric)} per trial; right: ${plotText(result.metric ?? "loss")} curves, blue = small ${plotText(lrName)} → orange = large, red dotted = unstable`;
  for (const m of msgs.slice(0, 2)) subtitle += "<br>" + plotText(m);
  // About 130 characters of 12 px text fit the 960 px width; the panels keep their height and
  // the figure grows with the lines of the subtitle.
  subtitle = wrapText(subtitle, 130);
  const subLines = subtitle.split("<br>").length;
  const layout = baseLayout(wrapText(title, 100), { subtitle, width: MAX_FIGURE_WIDTH, height: 430 + 16 * subLines });
  layout.xaxis = { ...axisLayout(`${plotText(lrName)} (log scale)`, "log"), domain: [0, 0.44], anchor: "y" };
  layout.yaxis = { ...axisLayout(`best ${metricTitle(obj.metric, obj.direction)}`), anchor: "x" };
  layout.xaxis2 = { ...axisLayout("training step"), domain: [0.54, 1], anchor: "y2" };
  // Within a decade or two plotly's log labels are bare digits ("5" for 0.5): label whole values.
  const y2Ticks = logY && Math.max(...vals) / Math.min(...vals) < 1000 ? { ...logTicks(Math.min(...vals), Math.max(...vals)), dtick: undefined } : {};
  layout.yaxis2 = { ...axisLayout(`${plotText(result.metric ?? "training loss")}${logY ? " (log scale)" : ""}`, logY ? "log" : "linear", y2Ticks), anchor: "x2" };
  layout.shapes = shapes;
  layout.annotations = annotations;
  // The legend sits at the bottom of the figure, below the axis titles, whatever the panels' height.
  layout.legend = { ...(layout.legend as object), orientation: "h", x: 0, xanchor: "left", y: 0, yref: "container", yanchor: "bottom" };
  (layout.margin as Record<string, number>).b = 110;
  return applyOptions({ data, layout }, options);
}
