/** Hyperparameter importance bars (which hyperparameters matter), with the method stated. */
import type { ImportanceResult } from "../analysis/importance.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, plotText } from "./theme.js";

/**
 * Horizontal bars of normalized importance, most important on top, with the share of variance
 * each explains (η², adjusted) in the hover, and the method in the subtitle.
 *
 * @example
 * const fig = importanceFigure(importance(study));
 */
export function importanceFigure(result: ImportanceResult, options: FigureOptions & { metric?: string } = {}): Figure {
  const items = [...result.importances].sort((a, b) => a.importance - b.importance); // bottom-up for plotly
  const data: Trace[] = [
    {
      type: "bar",
      orientation: "h",
      name: "importance",
      meta: { role: "importance" },
      x: items.map((h) => h.importance),
      y: items.map((h) => plotText(h.hparam)),
      marker: { color: items.map((_, i) => (i === items.length - 1 ? COLORS.best : COLORS.feasible)) },
      text: items.map((h) => `${(h.importance * 100).toFixed(1)}%`),
      textposition: "outside",
      cliponaxis: false,
      hovertext: items.map((h) => `${plotText(h.hparam)} (${h.scale})<br>importance ${(h.importance * 100).toFixed(1)}%<br>η² ${h.eta2.toFixed(3)}, adjusted ${h.adjustedEta2.toFixed(3)}<br>${h.bins} bins, ${h.n} trials`),
      hoverinfo: "text",
    },
  ];
  const metric = options.metric ? ` for ${plotText(options.metric)}` : "";
  const title = `Hyperparameter importance${metric}: share of the objective's variance each explains`;
  const subtitle = `${plotText(result.method)} · ${count(result.n)} feasible trials`;
  const layout = baseLayout(title, { subtitle, width: 820, height: Math.max(320, items.length * 42 + 180), showlegend: false });
  const max = Math.max(0.01, ...items.map((h) => h.importance));
  layout.xaxis = axisLayout("normalized importance (sums to 1)", "linear", { range: [0, max * 1.18], tickformat: ".0%" });
  layout.yaxis = axisLayout("", "categorical", { automargin: true });
  Object.assign(layout.margin as object, { l: 160, r: 40, b: 60 });
  return applyOptions({ data, layout }, options);
}
