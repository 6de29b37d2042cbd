/**
 * Gradient clipping (playbook): gradient norm vs step and its histogram, with the clipping
 * threshold (the 90th percentile by default) and the fraction of updates it would clip.
 */
import type { ClippingResult, GradNormSeries } from "../analysis/clipping.js";
import { wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, formatValue, plotText, seriesColor, MAX_FIGURE_WIDTH } from "./theme.js";

/**
 * Keep at most ~`max` points of a long series, keeping each bucket's min and max so spikes
 * survive (a plot of 100,000 steps needs no more than a few thousand points).
 *
 * @example
 * decimate([0, 1, 2, 3], [1, 9, 1, 1], 2); // keeps the spike at step 1
 */
export function decimate(steps: number[], values: number[], max = 2000): { steps: number[]; values: number[] } {
  if (steps.length <= max) return { steps, values };
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = steps.length / buckets;
  const s: number[] = [];
  const v: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(steps.length, Math.floor((b + 1) * size));
    let iMin = lo;
    let iMax = lo;
    for (let i = lo; i < hi; i++) {
      if (!(values[i]! >= values[iMin]!)) iMin = i;
      if (!(values[i]! <= values[iMax]!)) iMax = i;
    }
    for (const i of iMin <= iMax ? [iMin, iMax] : [iMax, iMin]) {
      if (s.length && s[s.length - 1] === steps[i]) continue;
      s.push(steps[i]!);
      v.push(values[i]!);
    }
  }
  return { steps: s, values: v };
}

/**
 * Two panels: gradient norm vs step for each run (log y, spikes as red X) with the threshold as a
 * dashed line, and the histogram of all finite norms (log-spaced bins) with the p90 line and the
 * clipped fraction.
 *
 * @example
 * const series = study.trialIds().map((id) => { const c = study.curve(id, "grad_norm"); return { trial: id, steps: c.steps, norms: c.values }; });
 * const fig = clippingFigure(gradientClipping(series), series);
 */
export function clippingFigure(result: ClippingResult, series: GradNormSeries[], options: FigureOptions & { bins?: number } = {}): Figure {
  const data: Trace[] = [];
  const all: number[] = [];
  series.forEach((s, i) => {
    const d = decimate(s.steps, s.norms, 3000);
    for (const v of s.norms) if (Number.isFinite(v) && v > 0) all.push(v);
    data.push({
      type: "scatter",
      mode: "lines",
      name: plotText(s.trial ?? `run ${i + 1}`),
      meta: { role: "norms", trial: s.trial ?? null },
      x: d.steps,
      y: d.values.map((v) => (Number.isFinite(v) && v > 0 ? v : null)),
      line: { color: seriesColor(i), width: 1 },
      opacity: 0.8,
      xaxis: "x",
      yaxis: "y",
      hovertemplate: `${plotText(s.trial ?? "")} step %{x}: %{y}<extra></extra>`,
    });
  });
  if (result.spikes.length)
    data.push({
      type: "scatter",
      mode: "markers",
      meta: { role: "spikes" },
      name: `spikes (> ${result.spikes[0] ? "5×" : ""} rolling median): ${count(result.spikes.length)}`,
      x: result.spikes.map((s) => s.step),
      y: result.spikes.map((s) => s.norm),
      marker: { symbol: "x", color: COLORS.infeasible, size: 9 },
      xaxis: "x",
      yaxis: "y",
      text: result.spikes.map((s) => `${plotText(s.trial ?? "")} step ${s.step}: ${formatValue(s.norm)} = ${formatValue(s.ratio)}× median (${s.phase})`),
      hoverinfo: "text",
    });
  // Histogram in log10(norm) with explicit bins: plotly's own binning is linear.
  const logs = all.map((v) => Math.log10(v));
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of logs) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
  const nb = options.bins ?? 60;
  const counts = new Array<number>(nb).fill(0);
  const w = hi > lo ? (hi - lo) / nb : 1;
  for (const x of logs) counts[Math.min(nb - 1, Math.floor((x - lo) / w))]!++;
  const centers = counts.map((_, i) => lo + (i + 0.5) * w);
  const thr = result.threshold;
  data.push({
    type: "bar",
    name: "norm histogram",
    meta: { role: "histogram" },
    showlegend: false,
    x: centers,
    y: counts,
    width: w,
    marker: { color: centers.map((c) => (thr !== null && c > Math.log10(thr) ? COLORS.infeasible : COLORS.feasible)), line: { width: 0 } },
    xaxis: "x2",
    yaxis: "y2",
    hovertext: centers.map((c, i) => `${counts[i]} norms around ${formatValue(10 ** c)}`),
    hoverinfo: "text",
  });
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const pct = Math.round(result.quantile * 100);
  if (thr !== null) {
    shapes.push({ type: "line", xref: "x domain", yref: "y", x0: 0, x1: 1, y0: thr, y1: thr, line: { color: COLORS.threshold, width: 2, dash: "dash" } });
    shapes.push({ type: "line", xref: "x2", yref: "y2 domain", x0: Math.log10(thr), x1: Math.log10(thr), y0: 0, y1: 1, line: { color: COLORS.threshold, width: 2, dash: "dash" } });
    annotations.push({ text: `threshold ${formatValue(thr)}${thr === result.recommendedThreshold ? ` (p${pct})` : ""}`, xref: "x domain", yref: "y", x: 1, y: Math.log10(thr), xanchor: "right", yanchor: "bottom", showarrow: false, font: { size: 11, color: COLORS.threshold } });
    annotations.push({ text: `${(result.clippedFraction * 100).toFixed(1)}% of updates<br>would be clipped`, xref: "x2", yref: "y2 domain", x: Math.log10(thr), y: 0.95, xanchor: "left", xshift: 6, showarrow: false, align: "left", font: { size: 12, color: COLORS.threshold } });
  }
  const tickLo = Math.floor(lo);
  const tickHi = Math.ceil(hi);
  const ticks: number[] = [];
  for (let k = tickLo; k <= tickHi; k++) for (const m of [1, 2, 5]) if (Math.log10(m) + k >= lo - w && Math.log10(m) + k <= hi + w) ticks.push(Math.log10(m) + k);
  const msgs = result.findings.filter((f) => f.code.startsWith("clipping.")).map((f) => f.message);
  const title = `Gradient clipping: gradient norm of ${count(series.length)} run${series.length === 1 ? "" : "s"} and where the p${pct} threshold cuts`;
  let subtitle = `${count(all.length)} finite norms${result.nonFinite ? `, ${count(result.nonFinite)} non-finite` : ""}; threshold = ${thr !== null ? formatValue(thr) : "n/a"}, clipped fraction ${(result.clippedFraction * 100).toFixed(1)}%`;
  for (const m of msgs.slice(0, 2)) subtitle += "<br>" + wrapText(plotText(m), 140);
  const layout = baseLayout(wrapText(title, 100), { subtitle, width: MAX_FIGURE_WIDTH, height: 520 + subtitle.split("<br>").length * 6 });
  layout.xaxis = { ...axisLayout("training step"), domain: [0, 0.56], anchor: "y" };
  layout.yaxis = { ...axisLayout(`${plotText(result.metric)} (log scale)`, "log"), anchor: "x" };
  layout.xaxis2 = { ...axisLayout(`${plotText(result.metric)} (log-spaced bins)`, "linear", { tickvals: ticks, ticktext: ticks.map((t) => formatValue(Number((10 ** t).toPrecision(2)))) }), domain: [0.64, 1], anchor: "y2" };
  layout.yaxis2 = { ...axisLayout("updates"), anchor: "x2" };
  layout.shapes = shapes;
  layout.annotations = annotations;
  layout.bargap = 0;
  layout.legend = { ...(layout.legend as object), orientation: "h", x: 0, y: -0.16, yanchor: "top", font: { size: 10 } };
  (layout.margin as Record<string, number>).b = 110;
  return applyOptions({ data, layout }, options);
}
