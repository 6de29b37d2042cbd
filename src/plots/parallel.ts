/**
 * Parallel coordinates: each trial a line across every hyperparameter to the objective, for
 * reading many hyperparameters at once (see also slice.ts and contour.ts).
 */
import type { AxisPlotData, AxisPoint, AxisSeries } from "../analysis/axis.js";
import { type Figure, type FigureOptions, type Trace, applyOptions, baseLayout, count, formatValue, metricTitle, objectiveColorscale, plotText, MAX_FIGURE_WIDTH } from "./theme.js";

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
      meta: { role: "parallel" },
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
  const layout = baseLayout(title, { subtitle, width: Math.min(MAX_FIGURE_WIDTH, Math.max(900, dims.length * 150 + 160)), height: 560, showlegend: false });
  Object.assign(layout.margin as object, { l: 90, r: 90, b: 40 });
  (layout.margin as Record<string, number>).t += 50;
  return applyOptions({ data, layout }, options);
}
