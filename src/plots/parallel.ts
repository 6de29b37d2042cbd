/**
 * Many hyperparameters at once: parallel coordinates (each trial a line across every
 * hyperparameter to the objective), the slice view (objective vs each hyperparameter coloured by
 * trial order, like Optuna's) and a two-hyperparameter contour of the best objective.
 */
import type { AxisPlotData, AxisPoint, AxisSeries } from "../analysis/axis.js";
import type { HpValue } from "../study/types.js";
import { axisFigure } from "./axis.js";
import { jitter } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, formatValue, infeasibleMarker, markerStyle, metricTitle, plotText } from "./theme.js";

/** Better = bright: viridis reversed for minimization. */
function objectiveColorscale(direction: "minimize" | "maximize"): unknown {
  return direction === "maximize" ? "Viridis" : [[0, "#FDE725"], [0.25, "#5EC962"], [0.5, "#21918C"], [0.75, "#3B528B"], [1, "#440154"]];
}

/** Trials (feasible, with a finite objective) keyed by id, with their hyperparameters. */
function trialsOf(axis: AxisPlotData): { feasible: AxisPoint[]; infeasible: number } {
  const seen = new Map<string, AxisPoint>();
  const bad = new Set<string>();
  for (const s of axis.series)
    for (const p of s.points) {
      if (!p.feasible || p.y === null || !Number.isFinite(p.y)) bad.add(p.trial);
      else if (!seen.has(p.trial)) seen.set(p.trial, p);
    }
  return { feasible: [...seen.values()], infeasible: bad.size };
}

function dimension(s: AxisSeries, pts: AxisPoint[]): Record<string, unknown> {
  const label = plotText(s.hparam);
  const vals = pts.map((p) => p.hparams[s.hparam] ?? null);
  if (s.scale === "categorical") {
    const cats = s.categories ?? [...new Set(vals.filter((v) => v !== null).map(String))];
    const hasUnset = vals.some((v) => v === null);
    const ticks = hasUnset ? [...cats, "(unset)"] : cats;
    return { label, values: vals.map((v) => (v === null ? cats.length : cats.indexOf(String(v)))), tickvals: ticks.map((_, i) => i), ticktext: ticks.map(plotText), range: [-0.3, ticks.length - 0.7] };
  }
  const nums = vals.filter((v): v is number => typeof v === "number" && (s.scale !== "log" || v > 0));
  const log = s.scale === "log";
  const tf = (v: number) => (log ? Math.log10(v) : v);
  let lo = s.range ? tf(s.range.low) : Math.min(...nums.map(tf));
  const hi = s.range ? tf(s.range.high) : Math.max(...nums.map(tf));
  const hasUnset = vals.some((v) => typeof v !== "number");
  const unset = lo - 0.08 * (hi - lo || 1);
  if (hasUnset) lo = unset;
  const dim: Record<string, unknown> = { label: label + (log ? " (log)" : ""), values: vals.map((v) => (typeof v === "number" && (!log || v > 0) ? tf(v) : unset)), range: [lo, hi] };
  if (log) {
    const ticks: number[] = [];
    for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) ticks.push(k);
    dim.tickvals = hasUnset ? [unset, ...ticks] : ticks;
    dim.ticktext = [...(hasUnset ? ["unset"] : []), ...ticks.map((k) => (k >= 0 && k <= 4 ? String(10 ** k) : `1e${k}`))];
  } else if (hasUnset) {
    const realLo = s.range ? tf(s.range.low) : Math.min(...nums.map(tf));
    const ticks = [realLo, (realLo + hi) / 2, hi];
    dim.tickvals = [unset, ...ticks];
    dim.ticktext = ["unset", ...ticks.map((t) => formatValue(Number(t.toPrecision(3))))];
  }
  return dim;
}

/**
 * Parallel coordinates of every feasible trial: one axis per hyperparameter (log ones in log10,
 * categories by name, conditional ones with an "unset" position) and the objective last; lines
 * coloured by the objective (bright = better). Infeasible trials are counted in the title.
 *
 * @example
 * const fig = parallelFigure(axisPlotData(study));
 */
export function parallelFigure(axis: AxisPlotData, options: FigureOptions = {}): Figure {
  const { feasible: unsorted, infeasible } = trialsOf(axis);
  const dir = axis.objective.direction;
  // Best trials drawn last, on top of the others.
  const feasible = [...unsorted].sort((a, b) => (dir === "minimize" ? (b.y as number) - (a.y as number) : (a.y as number) - (b.y as number)));
  const dims = axis.series.map((s) => dimension(s, feasible));
  dims.push({ label: `${plotText(axis.objective.metric)}`, values: feasible.map((p) => p.y) });
  const data: Trace[] = [
    {
      type: "parcoords",
      dimensions: dims,
      line: { color: feasible.map((p) => p.y), colorscale: objectiveColorscale(dir), showscale: true, colorbar: { title: { text: plotText(axis.objective.metric), side: "right" }, thickness: 14 } },
      labelangle: -20,
      labelside: "top",
      labelfont: { size: 12 },
      tickfont: { size: 10 },
    },
  ];
  const title = `Parallel coordinates: ${count(feasible.length)} feasible trials across ${count(axis.series.length)} hyperparameters and ${plotText(axis.objective.metric)}`;
  const subtitle = `line colour = ${metricTitle(axis.objective.metric, dir)}, bright = better; ${count(infeasible)} infeasible trials not drawn`;
  const layout = baseLayout(title, { subtitle, width: Math.max(900, dims.length * 150 + 160), height: 560, showlegend: false });
  Object.assign(layout.margin as object, { l: 90, r: 90, b: 40 });
  (layout.margin as Record<string, number>).t += 50;
  return applyOptions({ data, layout }, options);
}

/**
 * Slice view: the axis plot with feasible trials coloured by trial order (when each was run), as
 * in Optuna's slice plot, to see whether later trials concentrated where the objective is good.
 *
 * @example
 * const fig = sliceFigure(axisPlotData(study));
 */
export function sliceFigure(axis: AxisPlotData, options: FigureOptions & { hparam?: string } = {}): Figure {
  const fig = axisFigure(axis, { hparam: options.hparam });
  const order = new Map<string, number>();
  for (const s of axis.series) for (const p of s.points) if (!order.has(p.trial)) order.set(p.trial, order.size);
  const series = options.hparam ? axis.series.filter((s) => s.hparam === options.hparam) : axis.series;
  let k = 0;
  for (const tr of fig.data) {
    if (tr.name !== "feasible trials") continue;
    const s = series[k++];
    if (!s) continue;
    const ids = s.points.filter((p) => p.feasible).map((p) => order.get(p.trial) ?? 0);
    tr.marker = { ...(tr.marker as object), color: ids, colorscale: [[0, "#F4A582"], [0.5, "#92C5DE"], [1, "#2166AC"]], cmin: 0, cmax: Math.max(1, order.size - 1), showscale: k === 1, colorbar: { title: { text: "trial #", side: "right" }, thickness: 12, len: 0.5, y: 1, yanchor: "top" } };
    tr.name = "feasible trials (colour = trial order)";
  }
  const t = fig.layout.title as Record<string, unknown>;
  fig.layout.title = { ...t, text: String(t.text).replace("every trial (axis plot)", "slice plot, colour = trial order (orange = early, blue = late)") };
  (fig.layout.margin as Record<string, number>).r = 110;
  return applyOptions(fig, options);
}

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
    { type: "heatmap", name: `best ${plotText(axis.objective.metric)} in cell`, x: xc, y: yc, z, colorscale: objectiveColorscale(dir), zsmooth: false, colorbar: { title: { text: `best ${plotText(axis.objective.metric)}`, side: "right" }, thickness: 14 }, hoverongaps: false, hovertemplate: `best ${plotText(axis.objective.metric)} %{z}<extra></extra>` },
    { type: "scatter", mode: "markers", name: `trials (${count(feas.length)})`, x: feas.map(jx), y: feas.map(jy), marker: { color: "#1F2933", size: Math.max(3, style.size - 2), opacity: Math.min(0.7, style.opacity + 0.1) }, hoverinfo: "skip" },
    { type: "scatter", mode: "markers", name: `infeasible (${count(inf.length)})`, x: inf.map(jx), y: inf.map(jy), marker: { ...infeasibleMarker(pts.length), size: Math.max(5, style.size) }, hoverinfo: "skip" },
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
