/**
 * Slice view: objective vs each hyperparameter with trials coloured by when they ran (as Optuna's
 * slice plot), on top of the axis plot's conventions (log axes, red X for infeasible trials).
 */
import type { AxisPlotData } from "../analysis/axis.js";
import { axisFigure } from "./axis.js";
import type { PlotData } from "plotly.js";
import { type Figure, type FigureOptions, type TraceMeta, applyOptions, tracesWithRole } from "./theme.js";

/**
 * Slice view: the axis plot with feasible trials coloured by trial order (when each was run), as
 * in Optuna's slice plot, to see whether later trials concentrated where the objective is good.
 *
 * @example
 * const fig = sliceFigure(axisPlotData(study));
 */
export function sliceFigure(axis: AxisPlotData, options: FigureOptions & { hparam?: string } = {}): Figure {
  const fig = axisFigure(axis, { hparam: options.hparam, kind: "slice plot, colour = trial order (orange = early, blue = late)" });
  const order = new Map<string, number>();
  for (const s of axis.series) for (const p of s.points) if (!order.has(p.trial)) order.set(p.trial, order.size);
  // Panels are the series drawn, in order (the axis figure tags each trace with its panel).
  const series = options.hparam ? axis.series.filter((s) => s.hparam === options.hparam) : axis.series;
  let k = 0;
  for (const tr of tracesWithRole(fig, "feasible") as Array<Partial<PlotData> & { meta?: TraceMeta }>) {
    const s = series[Number(tr.meta?.panel)];
    if (!s) continue;
    k++;
    const ids = s.points.filter((p) => p.feasible).map((p) => order.get(p.trial) ?? 0);
    tr.marker = { ...tr.marker, color: ids, colorscale: [[0, "#F4A582"], [0.5, "#92C5DE"], [1, "#2166AC"]], cmin: 0, cmax: Math.max(1, order.size - 1), showscale: k === 1, colorbar: { title: { text: "trial #", side: "right" }, thickness: 12, len: 0.5, y: 1, yanchor: "top" } };
    tr.name = "feasible trials (colour = trial order)";
  }
  fig.layout.margin = { ...fig.layout.margin, r: 110 };
  return applyOptions(fig, options);
}
