/**
 * Infeasible fraction by region: for each hyperparameter, the share of diverged/failed/oom trials
 * in each bin (or category) of its range, against the study's overall fraction.
 */
import type { InfeasibleRegion, InfeasibleResult } from "../analysis/infeasible.js";
import { panelGrid, panelTitle } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, plotText, MAX_FIGURE_WIDTH, gridColumns } from "./theme.js";

export interface InfeasibleFigureOptions extends FigureOptions {
  hparam?: string;
  columns?: number;
}

function fmtEdge(x: number | undefined): string {
  if (x === undefined) return "?";
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-2 || a >= 1e4) ? x.toExponential(1) : Number(x.toPrecision(3)).toString();
}

/** Short bin label: the category, or the bin's bounds. */
function regionLabel(r: InfeasibleRegion): string {
  if (r.category !== undefined) return r.category;
  if (r.low !== undefined || r.high !== undefined) return `${fmtEdge(r.low)}–${fmtEdge(r.high)}`;
  return r.label;
}

/**
 * Bars of the infeasible fraction per region of each hyperparameter, coloured from grey (none)
 * to red (all), labelled "k/n", with the overall fraction as a dashed line.
 *
 * @example
 * const fig = infeasibleFigure(infeasible(study, { bins: 6 }));
 */
export function infeasibleFigure(result: InfeasibleResult, options: InfeasibleFigureOptions = {}): Figure {
  const byH = new Map<string, InfeasibleRegion[]>();
  for (const r of result.regions) {
    if (options.hparam && r.hparam !== options.hparam) continue;
    let a = byH.get(r.hparam);
    if (!a) byH.set(r.hparam, (a = []));
    a.push(r);
  }
  const names = [...byH.keys()];
  const cols = options.columns ?? gridColumns(names.length);
  // Gaps between rows in pixels (angled bin labels, the axis title and the next panel's title),
  // not as a share of the height: a share grows with the rows and left most of a tall figure empty.
  const nRows = Math.ceil(Math.max(1, names.length) / cols);
  const PANEL_PX = 210;
  const GAP_PX = 120;
  const plotPx = nRows * PANEL_PX + (nRows - 1) * GAP_PX;
  const panels = panelGrid(Math.max(1, names.length), cols, { y: GAP_PX / plotPx });
  const data: Trace[] = [];
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const axes: Record<string, unknown> = {};
  names.forEach((h, i) => {
    const p = panels[i]!;
    const regions = byH.get(h)!;
    const labels = regions.map(regionLabel);
    data.push({
      type: "bar",
      name: "infeasible fraction",
      meta: { role: "infeasible-fraction" },
      showlegend: false,
      x: labels.map((_, k) => k),
      y: regions.map((r) => r.fraction),
      xaxis: p.xref,
      yaxis: p.yref,
      marker: {
        color: regions.map((r) => r.fraction),
        colorscale: [
          [0, "#C9D1D9"],
          [0.5, "#F08A5D"],
          [1, COLORS.infeasible],
        ],
        cmin: 0,
        cmax: 1,
        line: { width: 0 },
      },
      text: regions.map((r) => `${r.infeasible}/${r.total}`),
      textposition: "outside",
      textfont: { size: 10, color: COLORS.text },
      cliponaxis: false,
      hovertext: regions.map((r) => `${plotText(h)} ${plotText(r.label)}<br>${r.infeasible} of ${r.total} infeasible (${Math.round(r.fraction * 100)}%)<br>diverged ${r.counts.diverged}, failed ${r.counts.failed}, oom ${r.counts.oom}`),
      hoverinfo: "text",
    });
    shapes.push({ type: "line", xref: `${p.xref} domain`, yref: p.yref, x0: 0, x1: 1, y0: result.fraction, y1: result.fraction, layer: "below", line: { color: COLORS.text, width: 1.5, dash: "dash" } });
    const scale = regions[0]?.scale;
    axes[p.xaxis] = { ...axisLayout(plotText(h) + (scale === "log" ? " (log-scale bins)" : scale === "categorical" ? "" : " (bins)"), "linear", { tickvals: labels.map((_, k) => k), ticktext: labels.map(plotText), tickangle: labels.length > 4 ? -35 : 0, tickfont: { size: 10 } }), domain: p.xdomain, anchor: p.yref };
    axes[p.yaxis] = axisLayout(p.col === 0 ? "infeasible fraction" : "", "linear", { domain: p.ydomain, anchor: p.xref, range: [0, 1.12], tickformat: ".0%" });
    annotations.push(panelTitle(p, plotText(h)));
  });
  if (names.length === 0) {
    annotations.push({ text: "no hyperparameter regions to compare", xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: 14, color: COLORS.muted } });
    axes.xaxis = { visible: false };
    axes.yaxis = { visible: false };
  }
  const pct = Math.round(result.fraction * 1000) / 10;
  const title = `Infeasible trials by region: ${count(result.infeasible)} of ${count(result.total)} trials (${pct}%) diverged, failed or ran out of memory`;
  const subtitle = `bars: share of infeasible trials per bin (k/n above each bar); dashed line: the study's overall ${pct}%`;
  const layout = baseLayout(title, { subtitle, width: Math.min(MAX_FIGURE_WIDTH, Math.max(760, cols * 420 + 120)), height: plotPx + 170 + 22, showlegend: false });
  Object.assign(layout, axes, { shapes, annotations, bargap: 0.15 });
  Object.assign(layout.margin as object, { l: 80, r: 30, b: 90 });
  (layout.margin as Record<string, number>).t += 22; // panel titles
  return applyOptions({ data, layout }, options);
}
