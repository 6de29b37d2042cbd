/**
 * Boundary view (playbook: "Identifying bad search space boundaries"): per hyperparameter, the
 * searched range with its edge bands shaded, every trial faded, the top-k trials highlighted,
 * and the boundary finding as the panel's note.
 */
import type { HpValue } from "../core/values.js";
import type { AxisPlotData } from "../analysis/axis.js";
import type { BoundaryCheck, BoundaryResult } from "../analysis/boundaries.js";
import { objectiveRange } from "./axis.js";
import { panelGrid, panelTitle, wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, infeasibleMarker, markerStyle, metricTitle, plotText, MAX_FIGURE_WIDTH, gridColumns } from "./theme.js";


/** A hyperparameter value as a plotly datum (booleans as their text: plotly has no boolean axis). */
const datum = (v: HpValue): string | number | null => (typeof v === "boolean" ? String(v) : v);

export interface BoundaryFigureOptions extends FigureOptions {
  /** Only this hyperparameter. */
  hparam?: string;
  /** Only flagged checks (default false: every numeric check). */
  flaggedOnly?: boolean;
  columns?: number;
}

/**
 * Boundary view of a {@link BoundaryResult}, with the study's trials from an {@link AxisPlotData}
 * of the same study drawn faded behind: shaded edge bands, top-k trials in orange, the best as
 * a star, infeasible trials as red Xs, and each flagged edge's finding under the figure.
 *
 * @example
 * const fig = boundaryFigure(boundaries(study), axisPlotData(study));
 */
export function boundaryFigure(result: BoundaryResult, axis?: AxisPlotData, options: BoundaryFigureOptions = {}): Figure {
  let checks = result.checks.filter((c) => !c.skipped && c.scientificValue === undefined);
  if (checks.length === 0) checks = result.checks.filter((c) => !c.skipped);
  if (options.hparam) checks = checks.filter((c) => c.hparam === options.hparam);
  if (options.flaggedOnly) checks = checks.filter((c) => c.flagged);
  const dir = axis?.objective.direction ?? "minimize";
  const metric = axis?.objective.metric ?? "objective";
  const seriesOf = (h: string) => axis?.series.find((s) => s.hparam === h);
  const ys: number[] = [];
  for (const c of checks) {
    for (const t of c.top) ys.push(t.y);
    for (const p of seriesOf(c.hparam)?.points ?? []) if (p.feasible && p.y !== null) ys.push(p.y);
  }
  const { range, edge } = objectiveRange(ys, dir);
  const cols = options.columns ?? gridColumns(checks.length);
  const panels = panelGrid(Math.max(1, checks.length), cols);
  const data: Trace[] = [];
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const layoutAxes: Record<string, unknown> = {};
  const nPoints = Math.max(1, ...checks.map((c) => seriesOf(c.hparam)?.points.length ?? c.top.length));
  const style = markerStyle(nPoints);

  checks.forEach((c, i) => {
    const p = panels[i]!;
    const s = seriesOf(c.hparam);
    const topIds = new Set(c.top.map((t) => t.trial));
    if (s) {
      const rest = s.points.filter((q) => q.feasible && !topIds.has(q.trial) && typeof q.x === "number");
      data.push({
        type: "scatter",
        mode: "markers",
        name: "other trials",
        legendgroup: "other",
        showlegend: i === 0,
        x: rest.map((q) => datum(q.x)),
        y: rest.map((q) => q.y),
        xaxis: p.xref,
        yaxis: p.yref,
        marker: { color: COLORS.faded, size: style.size, opacity: Math.min(0.7, style.opacity + 0.1) },
        hoverinfo: "skip",
      });
      const inf = s.points.filter((q) => !q.feasible && typeof q.x === "number");
      data.push({
        type: "scatter",
        mode: "markers",
        name: "infeasible trials",
        legendgroup: "infeasible",
        showlegend: i === 0 && inf.length > 0,
        x: inf.map((q) => datum(q.x)),
        y: inf.map(() => edge),
        xaxis: p.xref,
        yaxis: p.yref,
        marker: { ...infeasibleMarker(nPoints), opacity: 0.5 },
        hoverinfo: "skip",
        cliponaxis: false,
      });
    }
    data.push({
      type: "scatter",
      mode: "markers",
      name: `top ${c.topK} trials`,
      meta: { role: "top", panel: i },
      legendgroup: "top",
      showlegend: i === 0,
      x: c.top.map((t) => t.value),
      y: c.top.map((t) => t.y),
      xaxis: p.xref,
      yaxis: p.yref,
      marker: { color: COLORS.best, size: 10, line: { color: "#7A4F00", width: 1 } },
      text: c.top.map((t, k) => `#${k + 1} ${plotText(t.trial)}<br>${plotText(c.hparam)}: ${t.value}<br>${plotText(metric)}: ${t.y}`),
      hoverinfo: "text",
    });
    if (c.top.length) {
      data.push({
        type: "scatter",
        mode: "markers",
        name: "best trial",
        legendgroup: "best",
        showlegend: i === 0,
        x: [c.top[0]!.value],
        y: [c.top[0]!.y],
        xaxis: p.xref,
        yaxis: p.yref,
        marker: { symbol: "star", color: COLORS.best, size: 17, line: { color: "#7A4F00", width: 1 } },
        hoverinfo: "skip",
      });
    }
    // Edge bands: shaded rectangles over the panel's full height; the flagged one darker.
    for (const [lo, hi, side] of [
      [c.low, c.lowerBand, "near_lower"],
      [c.upperBand, c.high, "near_upper"],
    ] as const) {
      shapes.push({
        type: "rect",
        xref: p.xref,
        yref: `${p.yref} domain`,
        x0: lo,
        x1: hi,
        y0: 0,
        y1: 1,
        fillcolor: c.flagged === side ? "rgba(214, 39, 40, 0.22)" : "rgba(107, 119, 133, 0.10)",
        line: { width: 0 },
        layer: "below",
      });
    }
    const log = c.scale === "log" && c.low > 0;
    const pad = log ? (Math.log10(c.high) - Math.log10(c.low)) * 0.04 : (c.high - c.low) * 0.04;
    const xr = log ? [Math.log10(c.low) - pad, Math.log10(c.high) + pad] : [c.low - pad, c.high + pad];
    layoutAxes[p.xaxis] = { ...axisLayout(plotText(c.hparam) + (log ? " (log scale)" : ""), log ? "log" : "linear", { range: xr }), domain: p.xdomain, anchor: p.yref };
    layoutAxes[p.yaxis] = axisLayout(p.col === 0 ? `${axis?.by ?? "best"} ${metricTitle(metric, dir)}` : "", "linear", { domain: p.ydomain, anchor: p.xref, range });
    const verdict = c.flagged === "near_upper" ? "best trials at the UPPER edge: expand upward" : c.flagged === "near_lower" ? "best trials at the LOWER edge: expand downward" : `edges OK (${c.nearLower}/${c.topK} low, ${c.nearUpper}/${c.topK} high)`;
    const color = c.flagged ? COLORS.infeasible : COLORS.muted;
    annotations.push({ ...panelTitle(p, ""), text: `<b>${plotText(c.hparam)}</b> <span style="font-size:11px;color:${color}">${verdict}</span>` });
  });

  if (checks.length === 0) {
    annotations.push({ text: "no numeric hyperparameter had enough trials for an edge check", xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: 14, color: COLORS.muted } });
    layoutAxes.xaxis = { visible: false };
    layoutAxes.yaxis = { visible: false };
  }
  const flagged = checks.filter((c) => c.flagged);
  const msgs = result.findings.filter((f) => f.code.startsWith("boundary.")).map((f) => f.message);
  const rows = Math.ceil(Math.max(1, checks.length) / cols);
  const title = flagged.length
    ? `Search-space boundaries: ${flagged.map((c) => `${plotText(c.hparam)} (${c.flagged === "near_upper" ? "upper" : "lower"} edge)`).join(", ")} should be expanded`
    : "Search-space boundaries: the best trials stay away from every edge";
  const width = Math.min(MAX_FIGURE_WIDTH, Math.max(760, cols * 420 + 120));
  const chars = Math.floor(width / 6.6);
  let subtitle = wrapText(`shaded = edge bands of the searched range (red: most of the top ${checks[0]?.topK ?? "k"} trials sit there); ${count(result.regions.filter((r) => r.fraction > 0.5).length)} mostly-infeasible regions`, chars);
  for (const m of msgs.slice(0, 4)) subtitle += "<br>" + wrapText(plotText(m.length > 240 ? m.slice(0, 237) + "…" : m), chars);
  const layout = baseLayout(wrapText(title, Math.floor(width / 9.5)), { subtitle, width, height: rows * 330 + 150 + subtitle.split("<br>").length * 16 });
  const legendY = -0.08 - 0.12 / rows;
  Object.assign(layout, layoutAxes, { shapes, annotations, legend: { ...(layout.legend as object), orientation: "h", x: 0, y: legendY, yanchor: "top" } });
  Object.assign(layout.margin as object, { l: 80, r: 30, b: 110 });
  (layout.margin as Record<string, number>).t += 22; // panel titles
  return applyOptions({ data, layout }, options);
}

/** The checks a boundary figure shows (exported for tests and the registry). */
export function shownChecks(result: BoundaryResult): BoundaryCheck[] {
  const c = result.checks.filter((x) => !x.skipped && x.scientificValue === undefined);
  return c.length ? c : result.checks.filter((x) => !x.skipped);
}
