/**
 * fANOVA figures: importance of main effects and pairwise interactions with their spread over the
 * forest's trees, and the surrogate's partial dependence on each hyperparameter.
 */
import type { FanovaEffect, FanovaResult, PartialDependence } from "../analysis/fanova.js";
import { panelGrid, panelTitle } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, plotText } from "./theme.js";

interface Bar {
  label: string;
  effect: FanovaEffect;
  kind: "main" | "pair" | "conditional";
  note: string;
}

/**
 * Horizontal bars: each hyperparameter's main effect and the strongest pairwise interactions, as
 * the share of the surrogate's variance (mean over trees) with a 10th–90th-percentile whisker;
 * conditional hyperparameters are shown within their subspace and labelled so.
 *
 * @example
 * const fig = fanovaFigure(fanova(study));
 */
export function fanovaFigure(result: FanovaResult, options: FigureOptions & { pairs?: number } = {}): Figure {
  const m = result.model;
  const bars: Bar[] = m.main.map((e) => ({ label: e.hparams[0]!, effect: e, kind: "main", note: `main effect, ${count(m.n)} trials` }));
  for (const s of result.subspaces)
    for (const e of s.main.filter((x) => s.conditional?.includes(x.hparams[0]!)))
      bars.push({ label: `${e.hparams[0]} (within ${s.subspace})`, effect: e, kind: "conditional", note: `main effect within ${s.subspace}, ${count(s.n)} trials` });
  const nPairs = options.pairs ?? 5;
  for (const e of m.pairs.slice(0, nPairs)) if (e.fraction >= 0.005) bars.push({ label: `${e.hparams[0]} × ${e.hparams[1]}`, effect: e, kind: "pair", note: "interaction (beyond each alone)" });
  // Bottom-up for plotly: interactions at the bottom, then conditional ones, main effects on top; each by size.
  const rank = { pair: 0, conditional: 1, main: 2 };
  bars.sort((a, b) => rank[a.kind] - rank[b.kind] || a.effect.fraction - b.effect.fraction);
  const label = (b: Bar) => `${plotText(b.label)}  ${(b.effect.fraction * 100).toFixed(1)}%`;
  const color = { main: COLORS.feasible, pair: "#8E6C8A", conditional: "#C48A3A" };
  const data: Trace[] = (["main", "conditional", "pair"] as const)
    .filter((k) => bars.some((b) => b.kind === k))
    .map((k) => {
      const bs = bars.filter((b) => b.kind === k);
      return {
        type: "bar",
        orientation: "h",
        meta: { role: k },
        name: k === "main" ? "main effect" : k === "pair" ? "pairwise interaction" : "conditional (within its subspace)",
        x: bs.map((b) => b.effect.fraction),
        y: bs.map(label),
        marker: { color: color[k] },
        error_x: { type: "data", symmetric: false, array: bs.map((b) => Math.max(0, b.effect.high - b.effect.fraction)), arrayminus: bs.map((b) => Math.max(0, b.effect.fraction - b.effect.low)), color: COLORS.text, thickness: 1.2, width: 3 },
        hovertext: bs.map((b) => `${plotText(b.label)}<br>${(b.effect.fraction * 100).toFixed(1)}% of the variance (trees: ${(b.effect.low * 100).toFixed(1)}–${(b.effect.high * 100).toFixed(1)}%, sd ${(b.effect.std * 100).toFixed(1)})<br>${plotText(b.note)}`),
        hoverinfo: "text",
      } as Trace;
    });
  const metric = plotText(result.objective.metric);
  const title = `fANOVA importance for ${metric}: share of the surrogate's variance, with interactions`;
  const oob = m.oobR2 === null ? "" : ` · forest out-of-bag R² ${m.oobR2.toFixed(2)}`;
  const subtitle = `${count(result.n)} feasible trials${result.infeasible ? ` (${count(result.infeasible)} infeasible: in a separate feasibility model)` : ""}${oob} · whiskers: 10th–90th percentile over trees<br>${plotText(result.method.replace(/; interval[^;]*/, ""))}`;
  const layout = baseLayout(title, { subtitle: wrap(subtitle, 130), width: 900, height: Math.max(340, bars.length * 34 + 200), showlegend: data.length > 1 });
  const max = Math.max(0.02, ...bars.map((b) => b.effect.high));
  layout.xaxis = axisLayout("share of the surrogate's variance (per tree, mean)", "linear", { range: [0, Math.min(1.05, max * 1.2)], tickformat: ".0%" });
  layout.yaxis = axisLayout("", "categorical", { automargin: true, categoryorder: "array", categoryarray: bars.map(label) });
  layout.barmode = "overlay";
  layout.legend = { ...(layout.legend as object), orientation: "h", y: -0.12, x: 0 };
  Object.assign(layout.margin as object, { l: 200, r: 50, b: 80 });
  return applyOptions({ data, layout }, options);
}

/** Break a subtitle into lines of at most `n` characters at "·" or spaces (keeps existing <br>). */
function wrap(s: string, n: number): string {
  return s
    .split("<br>")
    .map((line) => {
      const out: string[] = [];
      let cur = "";
      for (const w of line.split(" ")) {
        if ((cur + " " + w).length > n && cur) {
          out.push(cur);
          cur = w;
        } else cur = cur ? `${cur} ${w}` : w;
      }
      if (cur) out.push(cur);
      return out.join("<br>");
    })
    .join("<br>");
}

/**
 * Partial dependence of the surrogate on each hyperparameter (its fANOVA main-effect marginal: the
 * forest averaged over every other hyperparameter), one panel each, with the 10th–90th-percentile
 * band over trees. Log-scaled hyperparameters on a log axis; categories as points with whiskers.
 *
 * @example
 * const fig = partialDependenceFigure(fanova(study));
 */
export function partialDependenceFigure(result: FanovaResult, options: FigureOptions & { cols?: number } = {}): Figure {
  const pds = result.partialDependence;
  const cols = options.cols ?? Math.min(3, Math.max(1, pds.length));
  const panels = panelGrid(pds.length, cols, { x: 0.08, y: Math.min(0.16, 0.45 / Math.ceil(pds.length / cols)) });
  const data: Trace[] = [];
  const layout = baseLayout(`Partial dependence of the ${plotText(result.objective.metric)} surrogate on each hyperparameter`, {
    subtitle: `random-forest prediction averaged over the other hyperparameters (fANOVA marginal) · band: 10th–90th percentile over trees · ${count(result.n)} feasible trials`,
    width: 320 * cols + 80,
    height: 270 * Math.ceil(pds.length / cols) + 150,
    showlegend: false,
  });
  const annotations: Record<string, unknown>[] = [];
  pds.forEach((pd: PartialDependence, i) => {
    const p = panels[i]!;
    const cat = pd.scale === "categorical";
    const name = plotText(pd.hparam) + (pd.subspace ? ` (within ${plotText(pd.subspace)})` : "");
    if (cat) {
      data.push({
        type: "scatter",
        mode: "markers",
        meta: { role: "mean" },
        x: pd.x.map((v) => plotText(v)),
        y: pd.mean,
        xaxis: p.xref,
        yaxis: p.yref,
        marker: { color: COLORS.feasible, size: 9 },
        error_y: { type: "data", symmetric: false, array: pd.high.map((h, k) => h - pd.mean[k]!), arrayminus: pd.low.map((l, k) => pd.mean[k]! - l), color: COLORS.feasible },
        hovertemplate: `${name} = %{x}<br>predicted %{y:.4g}<extra></extra>`,
      });
    } else {
      data.push({ type: "scatter", mode: "lines", meta: { role: "band-high" }, x: pd.x, y: pd.high, xaxis: p.xref, yaxis: p.yref, line: { width: 0 }, hoverinfo: "skip" });
      data.push({ type: "scatter", mode: "lines", meta: { role: "band-low" }, x: pd.x, y: pd.low, xaxis: p.xref, yaxis: p.yref, line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(46,104,165,0.18)", hoverinfo: "skip" });
      data.push({ type: "scatter", mode: "lines", meta: { role: "mean" }, x: pd.x, y: pd.mean, xaxis: p.xref, yaxis: p.yref, line: { color: COLORS.feasible, width: 2 }, hovertemplate: `${name} = %{x:.4g}<br>predicted %{y:.4g}<extra></extra>` });
    }
    // Narrow panels: label log axes by decade only (1-2-5 labels collide).
    (layout as Record<string, unknown>)[p.xaxis] = axisLayout("", cat ? "categorical" : pd.scale, { domain: p.xdomain, anchor: p.yref, ...(pd.scale === "log" ? { dtick: 1 } : {}) });
    (layout as Record<string, unknown>)[p.yaxis] = axisLayout(p.col === 0 ? plotText(result.objective.metric) : "", "linear", { domain: p.ydomain, anchor: p.xref });
    annotations.push(panelTitle(p, name));
  });
  layout.annotations = annotations;
  return applyOptions({ data, layout }, options);
}
