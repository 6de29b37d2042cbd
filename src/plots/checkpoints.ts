/**
 * Retrospective checkpoint selection (playbook): where in training each trial reached its best,
 * as a histogram of best-step fractions with the "first 10%" and "last 25%" zones shaded.
 */
import type { Annotations, Shape } from "plotly.js";
import type { CheckpointResult } from "../analysis/checkpoints.js";
import { wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, plotText } from "./theme.js";

/**
 * Histogram of best-step fractions (best step ÷ last step) of a {@link CheckpointResult}, the
 * early zone (≤ 10%: steps can be cut) and late zone (≥ 75%: train longer) shaded, with the share
 * of trials in each and the findings as the subtitle.
 *
 * @example
 * const fig = checkpointsFigure(checkpointSelection(study));
 */
export function checkpointsFigure(result: CheckpointResult, options: FigureOptions = {}): Figure {
  const { edges, counts } = result.histogram;
  const centers = counts.map((_, i) => (edges[i]! + edges[i + 1]!) / 2);
  const widths = counts.map((_, i) => edges[i + 1]! - edges[i]!);
  const early = result.thresholds.earlyFraction;
  const late = 1 - result.thresholds.lateFraction;
  const data: Trace[] = [
    {
      type: "bar",
      name: "trials",
      meta: { role: "best-step-histogram" },
      showlegend: false,
      x: centers,
      y: counts,
      width: widths.map((w) => w * 0.94),
      marker: { color: centers.map((c) => (c <= early ? "#0072B2" : c >= late ? "#E69F00" : "#7F8C99")) },
      text: counts.map((c) => (c ? String(c) : "")),
      textposition: "outside",
      cliponaxis: false,
      hovertext: counts.map((c, i) => `${c} trials with best step at ${Math.round(edges[i]! * 100)}–${Math.round(edges[i + 1]! * 100)}% of training`),
      hoverinfo: "text",
    },
  ];
  if (result.distribution) {
    const d = result.distribution;
    data.push({
      type: "scatter",
      mode: "markers",
      meta: { role: "median" },
      name: `median ${Math.round(d.median * 100)}% (IQR ${Math.round(d.q25 * 100)}–${Math.round(d.q75 * 100)}%)`,
      x: [d.median],
      y: [0],
      error_x: { type: "data", symmetric: false, array: [d.q75 - d.median], arrayminus: [d.median - d.q25], color: COLORS.text, thickness: 2, width: 6 },
      marker: { symbol: "diamond", size: 12, color: COLORS.text },
      cliponaxis: false,
      hoverinfo: "name",
    });
  }
  const maxCount = Math.max(1, ...counts);
  const shapes: Array<Partial<Shape>> = [
    { type: "rect", xref: "x", yref: "paper", x0: 0, x1: early, y0: 0, y1: 1, fillcolor: COLORS.zoneEarly, line: { width: 0 }, layer: "below" },
    { type: "rect", xref: "x", yref: "paper", x0: late, x1: 1, y0: 0, y1: 1, fillcolor: COLORS.zoneLate, line: { width: 0 }, layer: "below" },
  ];
  const annotations: Array<Partial<Annotations>> = [
    { text: `first ${Math.round(early * 100)}%: ${Math.round(result.earlyShare * 100)}% of trials<br>(steps can be cut)`, x: early / 2, y: 1, xref: "x", yref: "paper", yanchor: "bottom", showarrow: false, font: { size: 11, color: "#005A8C" } },
    { text: `last ${Math.round(result.thresholds.lateFraction * 100)}%: ${Math.round(result.lateShare * 100)}% of trials<br>(may benefit from more steps)`, x: (late + 1) / 2, y: 1, xref: "x", yref: "paper", yanchor: "bottom", showarrow: false, font: { size: 11, color: "#9A6700" } },
  ];
  const msgs = result.findings.filter((f) => f.code.startsWith("checkpoints.")).map((f) => f.message);
  const title = `Retrospective checkpoint selection: where ${count(result.trials.length)} trials reached their best ${plotText(result.metric)}`;
  let subtitle = `best step ÷ last step per trial${result.skipped.length ? `; ${result.skipped.length} infeasible or empty trials skipped` : ""}`;
  for (const m of msgs.slice(0, 2)) subtitle += "<br>" + wrapText(plotText(m), 140);
  const layout = baseLayout(wrapText(title, 100), { subtitle, width: 960, height: 520 + subtitle.split("<br>").length * 10 });
  layout.xaxis = axisLayout("best step as a fraction of the trial's training steps", "linear", { range: [-0.02, 1.02], tickformat: ".0%", dtick: 0.1 });
  layout.yaxis = axisLayout("trials", "linear", { range: [0, maxCount * 1.15], rangemode: "tozero" });
  layout.shapes = shapes;
  layout.annotations = annotations;
  layout.bargap = 0;
  (layout.margin as Record<string, number>).t += 36;
  layout.legend = { ...(layout.legend as object), x: 0.5, xanchor: "center", y: 0.97, yanchor: "top" };
  return applyOptions({ data, layout }, options);
}
