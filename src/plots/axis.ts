/**
 * Basic hyperparameter axis plot (playbook: "Identifying bad search space boundaries"): the
 * objective of every trial against one hyperparameter, one panel per hyperparameter, in the
 * space's scale. Infeasible trials are red Xs on the panel's "worse" edge (top when minimizing,
 * bottom when maximizing), counted in the legend, never dropped.
 */
import type { AxisPlotData, AxisPoint, AxisSeries } from "../analysis/axis.js";
import type { Direction } from "../study/types.js";
import { jitter, panelGrid, panelTitle } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, hoverText, infeasibleMarker, markerStyle, metricTitle, plotText, plural, MAX_FIGURE_WIDTH, gridColumns } from "./theme.js";

export interface AxisFigureOptions extends FigureOptions {
  /** Draw only this hyperparameter (default: every series of the result). */
  hparam?: string;
  /** Panels per row (default: up to 3). */
  columns?: number;
  /** What the title says the figure is (default "every trial (axis plot)"); the slice plot says its own. */
  kind?: string;
}

/**
 * Padded y range over finite values, and where infeasible markers sit (the worse edge). With
 * `clipOutliers`, values on the worse side far from the bulk (beyond Q3 + 6·IQR when minimizing,
 * Q1 − 6·IQR when maximizing, with at least 20 values) are left out of the range and `clip` says
 * where they are drawn instead, so one blown-up trial does not flatten the plot.
 *
 * @example
 * objectiveRange([0.1, 0.2, 0.3], "minimize").edge; // above 0.3
 */
export function objectiveRange(ys: number[], direction: Direction, clipOutliers = false): { range: [number, number]; edge: number; clip: number | null } {
  // A typed-array sort (numeric, no comparator calls): the axis figure passes every point of every panel.
  let m = 0;
  for (const y of ys) if (Number.isFinite(y)) m++;
  const f = new Float64Array(m);
  m = 0;
  for (const y of ys) if (Number.isFinite(y)) f[m++] = y;
  f.sort();
  let lo = f.length ? f[0]! : 0;
  let hi = f.length ? f[f.length - 1]! : 1;
  let clip: number | null = null;
  if (clipOutliers && f.length >= 20) {
    const q1 = f[Math.floor(0.25 * (f.length - 1))]!;
    const q3 = f[Math.floor(0.75 * (f.length - 1))]!;
    const iqr = q3 - q1;
    if (iqr > 0) {
      if (direction === "minimize" && hi > q3 + 6 * iqr) {
        // The largest value within the fence (q3 itself is one, so there is always one).
        let k = f.length - 1;
        while (!(f[k]! <= q3 + 6 * iqr)) k--;
        hi = f[k]!;
        clip = hi;
      } else if (direction === "maximize" && lo < q1 - 6 * iqr) {
        let k = 0;
        while (!(f[k]! >= q1 - 6 * iqr)) k++;
        lo = f[k]!;
        clip = lo;
      }
    }
  }
  if (lo === hi) {
    const d = Math.abs(lo) * 0.1 || 1;
    lo -= d;
    hi += d;
  }
  const span = hi - lo;
  // Room at the worse edge for the Xs (and off-scale marks), a little at the other.
  const range: [number, number] = direction === "minimize" ? [lo - 0.05 * span, hi + 0.16 * span] : [lo - 0.16 * span, hi + 0.05 * span];
  if (clip !== null) clip = direction === "minimize" ? hi + 0.06 * span : lo - 0.06 * span;
  const edge = direction === "minimize" ? hi + 0.12 * span : lo - 0.12 * span;
  return { range, edge, clip };
}

/** x coordinate of a point: numbers as they are, categories as jittered indices. */
function xOf(p: AxisPoint, s: AxisSeries, cats: Map<string, number>): number | null {
  if (s.scale === "categorical") {
    const i = cats.get(String(p.x));
    return i === undefined ? null : i + 0.18 * jitter(p.trial);
  }
  return typeof p.x === "number" ? p.x : null;
}

function xAxisFor(s: AxisSeries, cats: string[]): Record<string, unknown> {
  const title = plotText(s.hparam) + (s.scale === "log" ? " (log scale)" : "");
  if (s.scale === "categorical") {
    return axisLayout(title, "linear", { tickvals: cats.map((_, i) => i), ticktext: cats.map(plotText), range: [-0.6, cats.length - 0.4], zeroline: false });
  }
  const extra: Record<string, unknown> = {};
  if (s.range) {
    const { low, high } = s.range;
    if (s.scale === "log" && low > 0 && high > 0) {
      const a = Math.log10(low);
      const b = Math.log10(high);
      const pad = (b - a) * 0.04 || 0.5;
      extra.range = [a - pad, b + pad];
    } else if (s.scale !== "log") {
      const pad = (high - low) * 0.04 || Math.abs(low) * 0.1 || 1;
      extra.range = [low - pad, high + pad];
    }
  }
  return axisLayout(title, s.scale === "log" ? "log" : "linear", extra);
}

/**
 * Axis plots of an {@link AxisPlotData} result: one panel per hyperparameter (or `options.hparam`),
 * log x where the space is log, feasible trials as dots (size/opacity adapt to the count), the
 * best trial as a star, infeasible trials as red Xs at the worse edge with their count in the legend.
 *
 * @example
 * const fig = axisFigure(axisPlotData(study), { hparam: "learning_rate" });
 */
export function axisFigure(result: AxisPlotData, options: AxisFigureOptions = {}): Figure {
  const series = options.hparam ? result.series.filter((s) => s.hparam === options.hparam) : result.series;
  const dir = result.objective.direction;
  // Plain loops below (not filter/map/flatMap chains): 2,000 trials × several panels per figure.
  const allY: number[] = [];
  for (const s of series) for (const p of s.points) if (p.feasible && p.y !== null) allY.push(p.y);
  const { range, edge, clip } = objectiveRange(allY, dir, true);
  const offScale = (y: number | null) => clip !== null && y !== null && (dir === "minimize" ? y > clip : y < clip);
  const n = Math.max(1, ...series.map((s) => s.points.length));
  const style = markerStyle(n);
  // Hover text is repeated in every panel: keep it short when there are many points × panels.
  const hoverMax = n * series.length > 20000 ? 0 : n * series.length > 5000 ? 8 : 24;
  // A trial's hover text is the same in every panel: built once per trial (axisPlotData shares
  // one hyperparameter record per trial across series; other inputs just miss the cache).
  const hoverCache = new Map<string, { hp: AxisPoint["hparams"]; y: number | null; status: string; text: string }>();
  const hover = (q: AxisPoint): string => {
    const c = hoverCache.get(q.trial);
    if (c && c.hp === q.hparams && Object.is(c.y, q.y) && c.status === q.status) return c.text;
    const text = hoverText(q.trial, q.hparams, { status: q.status, [result.objective.metric]: q.y ?? undefined }, hoverMax);
    hoverCache.set(q.trial, { hp: q.hparams, y: q.y, status: q.status, text });
    return text;
  };
  const cols = options.columns ?? gridColumns(series.length);
  const panels = panelGrid(Math.max(1, series.length), cols);
  const data: Trace[] = [];
  const annotations: Array<Record<string, unknown>> = [];
  const layoutAxes: Record<string, unknown> = {};
  const yTitle = `${result.by} ${metricTitle(result.objective.metric, dir)}`;
  const bestTrial = bestOf(series, dir);
  // Every trial counted once, whether or not it uses each hyperparameter.
  const offScaleTrials = new Set<string>();
  const infeasibleTrials = new Set<string>();
  for (const s of series)
    for (const q of s.points) {
      if (!q.feasible) infeasibleTrials.add(q.trial);
      else if (offScale(q.y)) offScaleTrials.add(q.trial);
    }
  const offScaleAll = offScaleTrials.size;
  const totalInfeasibleAll = infeasibleTrials.size;

  series.forEach((s, i) => {
    const p = panels[i]!;
    const cats = new Map((s.categories ?? []).map((c, j) => [c, j]));
    const feas: AxisPoint[] = [];
    const off: AxisPoint[] = [];
    const inf: AxisPoint[] = [];
    for (const q of s.points) (!q.feasible ? inf : offScale(q.y) ? off : feas).push(q);
    const xs = (ps: AxisPoint[]) => {
      const out: Array<number | null> = [];
      for (const q of ps) out.push(xOf(q, s, cats));
      return out;
    };
    const texts = (ps: AxisPoint[]) => {
      const out: string[] = [];
      for (const q of ps) out.push(hover(q));
      return out;
    };
    data.push({
      type: "scatter",
      mode: "markers",
      name: `feasible trials`,
      meta: { role: "feasible", panel: i },
      legendgroup: "feasible",
      showlegend: i === 0,
      x: xs(feas),
      y: feas.map((q) => q.y),
      xaxis: p.xref,
      yaxis: p.yref,
      marker: { color: COLORS.feasible, size: style.size, opacity: style.opacity, line: { width: 0 } },
      text: texts(feas),
      hoverinfo: "text",
    });
    data.push({
      type: "scatter",
      mode: "markers",
      name: `infeasible trials (diverged/failed/oom): ${count(totalInfeasibleAll)}`,
      meta: { role: "infeasible", panel: i },
      legendgroup: "infeasible",
      showlegend: i === 0,
      x: xs(inf),
      y: inf.map(() => edge),
      xaxis: p.xref,
      yaxis: p.yref,
      marker: infeasibleMarker(n),
      text: texts(inf),
      hoverinfo: "text",
      cliponaxis: false,
    });
    if (clip !== null)
      data.push({
        type: "scatter",
        mode: "markers",
        name: `off-scale trials (${dir === "minimize" ? "above" : "below"} the range): ${count(offScaleAll)}`,
        meta: { role: "off-scale", panel: i },
        legendgroup: "offscale",
        showlegend: i === 0,
        x: xs(off),
        y: off.map(() => clip),
        xaxis: p.xref,
        yaxis: p.yref,
        marker: { symbol: dir === "minimize" ? "triangle-up" : "triangle-down", color: COLORS.muted, size: style.size + 2, opacity: 0.8 },
        text: texts(off),
        hoverinfo: "text",
      });
    const best = bestTrial ? s.points.find((q) => q.trial === bestTrial) : undefined;
    if (best) {
      data.push({
        type: "scatter",
        mode: "markers",
        name: "best trial",
        meta: { role: "best", panel: i },
        legendgroup: "best",
        showlegend: i === 0,
        x: [xOf(best, s, cats)],
        y: [best.y],
        xaxis: p.xref,
        yaxis: p.yref,
        marker: { symbol: "star", color: COLORS.best, size: 16, line: { color: "#7A4F00", width: 1 } },
        text: [hoverText(best.trial, best.hparams, { status: best.status, [result.objective.metric]: best.y ?? undefined })],
        hoverinfo: "text",
      });
    }
    layoutAxes[p.xaxis] = { ...xAxisFor(s, s.categories ?? []), domain: p.xdomain, anchor: p.yref };
    layoutAxes[p.yaxis] = axisLayout(p.col === 0 ? yTitle : "", "linear", { domain: p.ydomain, anchor: p.xref, range, matches: i === 0 ? undefined : "y" });
    const notes: string[] = [];
    if (series.length > 1 && inf.length !== totalInfeasibleAll) notes.push(`${count(inf.length)} infeasible`);
    if (s.missingCount > 0) notes.push(`${count(s.missingCount)} trials without it`);
    const extra = notes.length ? ` <span style="font-size:11px;color:${COLORS.muted}">(${notes.join("; ")})</span>` : "";
    if (series.length > 1) annotations.push({ ...panelTitle(p, plotText(s.hparam)), text: `<b>${plotText(s.hparam)}</b>${extra}` });
  });

  if (series.length === 0) {
    annotations.push({ text: "no hyperparameter varies in this study", xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: 14, color: COLORS.muted } });
    layoutAxes.xaxis = axisLayout("", "linear", { visible: false });
    layoutAxes.yaxis = axisLayout("", "linear", { visible: false });
  }
  const rows = Math.ceil(Math.max(1, series.length) / cols);
  const what = series.length === 1 ? plotText(series[0]!.hparam) : "each hyperparameter";
  const title = `${plotText(result.objective.metric)} vs ${what}: ${options.kind ?? "every trial (axis plot)"}`;
  const trialIds = new Set<string>();
  for (const s of series) for (const q of s.points) trialIds.add(q.trial);
  const trialsAll = trialIds.size;
  const subtitle = `${plural(trialsAll, "trial")}, ${count(totalInfeasibleAll)} infeasible (red X at the ${dir === "minimize" ? "top" : "bottom"} edge); y = each trial's ${result.by === "best" ? "best value over training" : "final value"}`;
  const layout = baseLayout(title, { subtitle, width: Math.min(MAX_FIGURE_WIDTH, Math.max(700, cols * 420 + 120)), height: rows * 330 + 170 });
  Object.assign(layout, layoutAxes, { annotations, legend: { ...(layout.legend as object), orientation: "h", x: 0, y: -0.08 - 0.12 / rows, yanchor: "top" } });
  (layout.margin as Record<string, number>).b = 110;
  (layout.margin as Record<string, number>).t += 22; // panel titles
  return applyOptions({ data, layout }, options);
}

function bestOf(series: AxisSeries[], dir: Direction): string | undefined {
  let best: { t: string; y: number } | undefined;
  for (const s of series)
    for (const p of s.points) {
      if (!p.feasible || p.y === null || !Number.isFinite(p.y)) continue;
      if (!best || (dir === "minimize" ? p.y < best.y : p.y > best.y)) best = { t: p.trial, y: p.y };
    }
  return best?.t;
}
