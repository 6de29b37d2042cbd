/**
 * Contour view of two hyperparameters: the best objective per cell of a grid over their ranges
 * (in their scales), with every trial over it.
 */
import type { AxisPlotData, AxisPoint, AxisSeries } from "../analysis/axis.js";
import type { HpValue } from "../study/types.js";
import { jitter } from "./grid.js";
import { type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, infeasibleMarker, markerStyle, objectiveColorscale, plotText } from "./theme.js";

export interface ContourOptions extends FigureOptions {
  /** The two hyperparameters (default: the first two numeric series). */
  x?: string;
  y?: string;
  /** Grid cells per side (default 14). */
  cells?: number;
}

function coord(v: HpValue | undefined, s: AxisSeries): number | null {
  if (v === null || v === undefined) return null;
  if (s.scale === "categorical") {
    const i = (s.categories ?? []).indexOf(String(v));
    return i < 0 ? null : i;
  }
  if (typeof v !== "number") return null;
  return s.scale === "log" ? (v > 0 ? Math.log10(v) : null) : v;
}

/**
 * Contour view of two hyperparameters: the best objective in each cell of a grid over their
 * ranges (in their scales), every trial as a dot over it and infeasible ones as red X.
 *
 * @example
 * const fig = contourFigure(axisPlotData(study), { x: "learning_rate", y: "dropout_rate" });
 */
export function contourFigure(axis: AxisPlotData, options: ContourOptions = {}): Figure {
  const numeric = axis.series.filter((s) => s.scale !== "categorical");
  const sx = axis.series.find((s) => s.hparam === options.x) ?? numeric[0] ?? axis.series[0];
  const sy = axis.series.find((s) => s.hparam === options.y) ?? [...numeric, ...axis.series].find((s) => s !== sx);
  const dir = axis.objective.direction;
  if (!sx || !sy) {
    const layout = baseLayout("Contour view needs two hyperparameters", { showlegend: false });
    layout.annotations = [{ text: "this study varies fewer than two hyperparameters", xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false }];
    return applyOptions({ data: [], layout }, options);
  }
  const cells = options.cells ?? 14;
  const pts = sx.points.map((p) => ({ p, x: coord(p.hparams[sx.hparam], sx), y: coord(p.hparams[sy.hparam], sy) })).filter((q) => q.x !== null && q.y !== null) as Array<{ p: AxisPoint; x: number; y: number }>;
  const ext = (s: AxisSeries, vals: number[]): [number, number] => {
    if (s.scale === "categorical") return [-0.5, (s.categories?.length ?? 1) - 0.5];
    if (s.range) return s.scale === "log" ? [Math.log10(s.range.low), Math.log10(s.range.high)] : [s.range.low, s.range.high];
    return [Math.min(...vals), Math.max(...vals)];
  };
  const [x0, x1] = ext(sx, pts.map((q) => q.x));
  const [y0, y1] = ext(sy, pts.map((q) => q.y));
  const nx = sx.scale === "categorical" ? sx.categories?.length ?? 1 : cells;
  const ny = sy.scale === "categorical" ? sy.categories?.length ?? 1 : cells;
  const z: Array<Array<number | null>> = Array.from({ length: ny }, () => new Array<number | null>(nx).fill(null));
  const cx = (u: number) => Math.min(nx - 1, Math.max(0, Math.floor(((u - x0) / (x1 - x0 || 1)) * nx)));
  const cy = (u: number) => Math.min(ny - 1, Math.max(0, Math.floor(((u - y0) / (y1 - y0 || 1)) * ny)));
  for (const q of pts) {
    if (!q.p.feasible || q.p.y === null || !Number.isFinite(q.p.y)) continue;
    const i = cy(q.y);
    const j = cx(q.x);
    const cur = z[i]![j];
    if (cur === null || cur === undefined || (dir === "minimize" ? q.p.y < cur : q.p.y > cur)) z[i]![j] = q.p.y;
  }
  const centers = (a: number, b: number, n: number) => Array.from({ length: n }, (_, k) => a + ((k + 0.5) * (b - a)) / n);
  const out = (s: AxisSeries, u: number) => (s.scale === "log" ? 10 ** u : u);
  const xc = centers(x0, x1, nx).map((u) => out(sx, u));
  const yc = centers(y0, y1, ny).map((u) => out(sy, u));
  const style = markerStyle(pts.length);
  const jx = (q: { p: AxisPoint; x: number }) => (sx.scale === "categorical" ? q.x + 0.3 * jitter(q.p.trial) : out(sx, q.x));
  const jy = (q: { p: AxisPoint; y: number }) => (sy.scale === "categorical" ? q.y + 0.3 * jitter(q.p.trial + "y") : out(sy, q.y));
  const feas = pts.filter((q) => q.p.feasible);
  const inf = pts.filter((q) => !q.p.feasible);
  const data: Trace[] = [
    { type: "heatmap", meta: { role: "best-in-cell" }, name: `best ${plotText(axis.objective.metric)} in cell`, x: xc, y: yc, z, colorscale: objectiveColorscale(dir), zsmooth: false, colorbar: { title: { text: `best ${plotText(axis.objective.metric)}`, side: "right" }, thickness: 14 }, hoverongaps: false, hovertemplate: `best ${plotText(axis.objective.metric)} %{z}<extra></extra>` },
    { type: "scatter", mode: "markers", meta: { role: "feasible" }, name: `trials (${count(feas.length)})`, x: feas.map(jx), y: feas.map(jy), marker: { color: "#1F2933", size: Math.max(3, style.size - 2), opacity: Math.min(0.7, style.opacity + 0.1) }, hoverinfo: "skip" },
    { type: "scatter", mode: "markers", meta: { role: "infeasible" }, name: `infeasible (${count(inf.length)})`, x: inf.map(jx), y: inf.map(jy), marker: { ...infeasibleMarker(pts.length), size: Math.max(5, style.size) }, hoverinfo: "skip" },
  ];
  const axisFor = (s: AxisSeries) =>
    s.scale === "categorical"
      ? axisLayout(plotText(s.hparam), "linear", { tickvals: (s.categories ?? []).map((_, i) => i), ticktext: (s.categories ?? []).map(plotText), zeroline: false })
      : axisLayout(plotText(s.hparam) + (s.scale === "log" ? " (log scale)" : ""), s.scale === "log" ? "log" : "linear", { zeroline: false });
  const title = `Contour view: best ${plotText(axis.objective.metric)} over ${plotText(sx.hparam)} × ${plotText(sy.hparam)}`;
  const subtitle = `${nx}×${ny} cells in each hyperparameter's scale; colour = best trial in the cell (bright = better, blank = no feasible trial); dots = trials, red X = infeasible`;
  const layout = baseLayout(title, { subtitle, width: 900, height: 680 });
  layout.xaxis = axisFor(sx);
  layout.yaxis = axisFor(sy);
  layout.legend = { ...(layout.legend as object), orientation: "h", x: 0, y: -0.12, yanchor: "top" };
  (layout.margin as Record<string, number>).b = 100;
  return applyOptions({ data, layout }, options);
}
