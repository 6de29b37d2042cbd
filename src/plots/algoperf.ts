/**
 * Figures for comparing training algorithms: the AlgoPerf performance profiles, the per-workload
 * time-to-target table and the study-to-study spread (from `algoperfScore`), and rliable's interval
 * estimates, probability of improvement and score distributions with bands (from
 * `compareAlgorithms`).
 */
import type { Annotations } from "plotly.js";
import type { AlgoPerfMiss, AlgoPerfScoreResult } from "../analysis/algoperfScore.js";
import type { CompareAlgorithmsResult } from "../analysis/compareAlgorithms.js";
import { panelGrid, panelTitle, wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, formatValue, plotText, seriesColor, gridColumns, MAX_FIGURE_WIDTH } from "./theme.js";

const MISS_TEXT: Record<AlgoPerfMiss, string> = {
  missed: "target missed (median over studies is ∞)",
  absent: "no logs",
  over_cap: "slower than 4× the fastest",
  base_missed: "base workload missed",
  variant_missed: "held-out variant missed",
};
const MISS_SHORT: Record<AlgoPerfMiss, string> = { missed: "✗", absent: "–", over_cap: ">4×", base_missed: "✗ base", variant_missed: "✗ var" };

function hours(sec: number): string {
  if (!Number.isFinite(sec)) return "∞";
  return sec < 3600 ? `${(sec / 60).toFixed(0)} min` : `${(sec / 3600).toFixed(sec < 36000 ? 1 : 0)} h`;
}

/**
 * The performance profile ρ(τ) of every submission: the fraction of base workloads on which its
 * time to target is within τ× the fastest submission's, a step line per submission, labelled with
 * its benchmark score (the normalized area under its line).
 *
 * @example
 * const fig = algoperfProfileFigure(algoperfScore(await readAlgoPerfLogs("datasets/algoperf_v05")));
 */
export function algoperfProfileFigure(r: AlgoPerfScoreResult, options: FigureOptions = {}): Figure {
  const data: Trace[] = r.submissions.map((sub, i) => ({
    type: "scatter",
    mode: "lines",
    line: { shape: "hv", width: 2.5, color: seriesColor(i), dash: i >= 8 ? "dot" : "solid" },
    name: `${i + 1}. ${plotText(sub)} (${r.scores[sub]!.score.toFixed(4)})`,
    x: r.profiles.tau,
    y: r.profiles.rho[sub],
    hovertemplate: `${plotText(sub)}<br>τ = %{x:.2f}: %{y:.3f} of workloads<extra></extra>`,
  }));
  const layout = baseLayout(`AlgoPerf performance profiles (${r.ruleset}-tuning ruleset)`, {
    subtitle: wrapText(
      `ρ(τ): fraction of the ${r.baseWorkloads.length} base workloads a submission trains to target within τ× the fastest submission's time. Score (in the legend) = area under ρ over τ ∈ [1, ${r.options.maxTau}], divided by ${r.options.maxTau - 1}.`,
      130,
    ),
    width: 1000,
    height: 560,
  });
  layout.xaxis = axisLayout("τ: time to target ÷ fastest submission's", "linear", { range: [1, r.options.maxTau], dtick: 0.5 });
  layout.yaxis = axisLayout("ρ(τ): fraction of base workloads", "linear", { range: [-0.02, 1.02], dtick: 0.125, tickformat: ".3f" });
  layout.legend = { ...(layout.legend as object), x: 1.02, xanchor: "left", y: 1, title: { text: "submission (score)" } };
  (layout.margin as Record<string, number>).r = 280;
  return applyOptions({ data, layout }, options);
}

/**
 * Heat table of times to target: one row per submission (best score first), one column per
 * workload (base workloads, then the held-out variants). Colour: the median time over studies
 * divided by the fastest submission's on that workload (log scale, 1× to 4×); text: that median in
 * hours or minutes; cells that do not count toward the score say why (✗ missed, >4×, ✗ var: the
 * held-out variant missed, ✗ base: the base workload missed).
 *
 * @example
 * const fig = algoperfTimeTable(result);
 */
export function algoperfTimeTable(r: AlgoPerfScoreResult, options: FigureOptions = {}): Figure {
  const cols = [...r.baseWorkloads, ...r.heldOutWorkloads];
  const rows = [...r.submissions];
  const best = cols.map((wl) => Math.min(...rows.map((s) => r.perWorkload[s]![wl]!.medianTime).filter((t) => !Number.isNaN(t))));
  const z: Array<Array<number | null>> = [];
  const text: string[][] = [];
  const hover: string[][] = [];
  for (const sub of rows) {
    const zr: Array<number | null> = [];
    const tr: string[] = [];
    const hr: string[] = [];
    cols.forEach((wl, j) => {
      const c = r.perWorkload[sub]![wl]!;
      const ratio = c.medianTime / best[j]!;
      zr.push(Number.isFinite(ratio) ? Math.log2(Math.min(ratio, 8)) : null);
      const t = Number.isFinite(c.medianTime) ? hours(c.medianTime) : "";
      const miss = c.miss ? MISS_SHORT[c.miss] : "";
      tr.push(t && miss && miss !== "✗" ? `${t}<br>${miss}` : t || miss);
      const studies = c.studies.map((s) => `${s.study}: ${hours(s.time)}${s.trial ? ` (${s.trial})` : ""}`).join("<br>");
      hr.push(
        `<b>${plotText(sub)}</b> on ${plotText(wl)}${c.heldOut ? " (held-out)" : ""}<br>median ${hours(c.medianTime)}` +
          (Number.isFinite(ratio) ? `, ${formatValue(ratio)}× the fastest` : "") +
          (c.miss ? `<br>does not count: ${MISS_TEXT[c.miss]}` : "") +
          `<br>${studies}`,
      );
    });
    z.push(zr);
    text.push(tr);
    hover.push(hr);
  }
  const x = cols.map((wl, j) => `${j >= r.baseWorkloads.length ? "↳ " : ""}${plotText(wl)}`);
  const y = rows.map((s) => `${r.scores[s]!.rank}. ${plotText(s)} (${r.scores[s]!.score.toFixed(3)})`);
  const data: Trace[] = [
    {
      type: "heatmap",
      x,
      y,
      z,
      zmin: 0,
      zmax: 2,
      colorscale: [
        [0, "#1A9850"],
        [0.5, "#FEE08B"],
        [1, "#D73027"],
      ],
      colorbar: { title: { text: "median time ÷ fastest" }, tickvals: [0, 0.5, 1, 1.5, 2], ticktext: ["1×", "1.4×", "2×", "2.8×", "≥4×"], len: 0.8 },
      text: text as unknown as string[], // a heatmap takes one text per cell (string[][]); @types/plotly.js only knows the 1-D form
      texttemplate: "%{text}",
      textfont: { size: 11 },
      hovertext: hover as unknown as string[],
      hoverinfo: "text",
      xgap: 2,
      ygap: 2,
    },
  ];
  const layout = baseLayout(`AlgoPerf time to target per workload (${r.ruleset}-tuning ruleset)`, {
    subtitle: wrapText(
      "Median over studies of each study's fastest trial to the validation target. Grey: never reached. ✗ missed · >4× slower than 4× the fastest · ✗ var: the held-out variant (↳) missed, so the base workload does not count · ✗ base: the variant's base workload missed.",
      150,
    ),
    width: 1400,
    height: 160 + 44 * rows.length + 170,
    showlegend: false,
  });
  layout.plot_bgcolor = "#D5D9DE";
  layout.xaxis = axisLayout("", "categorical", { tickangle: -35, showgrid: false, side: "bottom" });
  layout.yaxis = axisLayout("", "categorical", { autorange: "reversed", showgrid: false });
  layout.shapes = [
    {
      type: "line",
      xref: "x",
      yref: "paper",
      x0: r.baseWorkloads.length - 0.5,
      x1: r.baseWorkloads.length - 0.5,
      y0: 0,
      y1: 1,
      line: { color: COLORS.text, width: 2 },
    },
  ];
  (layout.margin as Record<string, number>).l = 260;
  return applyOptions({ data, layout }, options);
}

/**
 * Study-to-study spread: per base workload, each study's time to target (its fastest trial) per
 * submission, as a ratio to the fastest submission's median (log scale), with the median a
 * diamond; studies that never reached the target sit on the "missed" line at the top. The width
 * of each strip is the seed noise a single leaderboard number hides.
 *
 * @example
 * const fig = algoperfStudySpreadFigure(result);
 */
export function algoperfStudySpreadFigure(r: AlgoPerfScoreResult, options: FigureOptions & { workloads?: string[] } = {}): Figure {
  const wls = options.workloads ?? r.baseWorkloads;
  const subs = r.submissions;
  // Two columns: at the notebook's width (960 px, and narrower when the output area is) four
  // panels in a row leave no room for their titles and tick labels.
  const cols = gridColumns(wls.length);
  const rows = Math.ceil(wls.length / cols);
  const subtitle = wrapText(
    "Each dot is one study (5 seeds of the whole tuning procedure): its fastest trial's time to target ÷ the fastest submission's median. Diamond: median over studies (what the score uses). Red ×: the study never reached the target.",
    100,
  );
  // The key breaks between submissions, never between a rank and its name.
  const keyRows: string[] = [];
  for (const item of subs.map((s, i) => `${i + 1} ${plotText(s)}`)) {
    const last = keyRows.length - 1;
    if (last >= 0 && keyRows[last]!.length + 3 + item.length <= 95) keyRows[last] += ` · ${item}`;
    else keyRows.push(last < 0 ? `x: submission by rank — ${item}` : item);
  }
  const key = keyRows.join("<br>");
  const keyLines = key.split("<br>").length;
  const plotHeight = rows * 300;
  // Room between rows for the x tick labels and the next row's two-line panel titles, in pixels.
  const gapPx = 85;
  const layout = baseLayout(`AlgoPerf study-to-study spread (${r.ruleset}-tuning ruleset)`, { subtitle, width: MAX_FIGURE_WIDTH, showlegend: false });
  const margin = layout.margin as Record<string, number>;
  margin.t += 24;
  margin.b = 50 + keyLines * 15;
  layout.height = plotHeight + (rows - 1) * gapPx + margin.t + margin.b;
  const panels = panelGrid(wls.length, cols, { x: 0.1, y: gapPx / (plotHeight + (rows - 1) * gapPx) });
  const data: Trace[] = [];
  // Finite ratios above 5× are drawn on the 5× line; misses on their own line above it.
  const CLAMP = 5;
  const CAP = 6.5;
  const annotations: Array<Partial<Annotations>> = [];
  wls.forEach((wl, w) => {
    const p = panels[w]!;
    const best = Math.min(...subs.map((s) => r.perWorkload[s]![wl]!.medianTime).filter((t) => !Number.isNaN(t)));
    subs.forEach((sub, i) => {
      const c = r.perWorkload[sub]![wl]!;
      const hit = c.studies.filter((s) => Number.isFinite(s.time));
      const miss = c.studies.filter((s) => !Number.isFinite(s.time));
      const common = { xaxis: p.xref, yaxis: p.yref, showlegend: false };
      data.push({
        type: "scatter",
        mode: "markers",
        name: plotText(sub),
        x: hit.map((_, k) => i + (k - 2) * 0.08),
        y: hit.map((s) => Math.min(s.time / best, CLAMP)),
        marker: { color: seriesColor(i), size: 7, opacity: 0.85, symbol: i >= 8 ? "square" : "circle" },
        text: hit.map((s) => `${plotText(sub)} ${s.study}: ${hours(s.time)} (${s.trial})`),
        hoverinfo: "text",
        ...common,
      });
      if (miss.length)
        data.push({
          type: "scatter",
          mode: "markers",
          name: "study missed the target",
          meta: { role: "missed" },
          x: miss.map((_, k) => i + (k - 2) * 0.08),
          y: miss.map(() => CAP),
          marker: { color: COLORS.infeasible, symbol: "x-thin", size: 8, line: { width: 2, color: COLORS.infeasible } },
          text: miss.map((s) => `${plotText(sub)} ${s.study}: target never reached`),
          hoverinfo: "text",
          xaxis: p.xref,
          yaxis: p.yref,
          legendgroup: "missed",
          showlegend: false,
        });
      if (Number.isFinite(c.medianTime))
        data.push({
          type: "scatter",
          mode: "markers",
          name: "median over studies",
          x: [i + 0.3],
          y: [Math.min(c.medianTime / best, CLAMP)],
          marker: { color: seriesColor(i), symbol: "diamond", size: 10, line: { color: COLORS.text, width: 1 } },
          text: [`${plotText(sub)} median: ${hours(c.medianTime)}${c.miss ? ` — does not count: ${MISS_TEXT[c.miss]}` : ""}`],
          hoverinfo: "text",
          xaxis: p.xref,
          yaxis: p.yref,
          legendgroup: "median",
          showlegend: false,
        });
    });
    (layout as Record<string, unknown>)[p.xaxis] = axisLayout("", "linear", { domain: p.xdomain, anchor: p.yref, range: [-0.7, subs.length - 0.3], tickvals: subs.map((_, i) => i), ticktext: subs.map((_, i) => String(i + 1)), showgrid: false, zeroline: false });
    (layout as Record<string, unknown>)[p.yaxis] = axisLayout(p.col === 0 ? "time ÷ fastest median" : "", "log", { domain: p.ydomain, anchor: p.xref, range: [Math.log10(0.8), Math.log10(CAP * 1.15)], tickvals: [1, 1.5, 2, 3, 4, CLAMP, CAP], ticktext: ["1×", "1.5×", "2×", "3×", "4×", "≥5×", "missed"] });
    annotations.push(panelTitle(p, plotText(wl), `fastest median ${hours(best)}`));
  });
  layout.annotations = [
    ...annotations,
    {
      text: key,
      xref: "paper",
      yref: "paper",
      x: 0,
      y: 0,
      yshift: -34,
      xanchor: "left",
      yanchor: "top",
      align: "left",
      showarrow: false,
      font: { size: 11, color: COLORS.muted },
    } as Partial<Annotations>,
  ];
  return applyOptions({ data, layout }, options);
}

/**
 * rliable's interval estimates: per algorithm (rows, best IQM first) the median, IQM, mean and
 * optimality gap as a point with its stratified-bootstrap confidence interval, one panel each.
 *
 * @example
 * const fig = aggregateIntervalsFigure(compareAlgorithms(scores, { tasks }));
 */
export function aggregateIntervalsFigure(c: CompareAlgorithmsResult, options: FigureOptions & { scoreLabel?: string } = {}): Figure {
  const metrics = [
    ["median", "Median"],
    ["iqm", "IQM"],
    ["mean", "Mean"],
    ["optimalityGap", "Optimality gap (lower is better)"],
  ] as const;
  const panels = panelGrid(4, 4, { x: 0.03 });
  const algos = [...c.algorithms].reverse(); // best at the top
  const data: Trace[] = [];
  const layout = baseLayout("Aggregate scores with stratified-bootstrap confidence intervals", {
    subtitle: wrapText(
      `${Math.round(c.options.confidence * 100)}% percentile intervals from ${c.options.reps} stratified bootstrap resamples of runs within each task (rliable). ${options.scoreLabel ?? ""} Overlapping intervals: the ordering may be seed noise.`,
      160,
    ),
    width: 1100,
    height: 180 + 30 * algos.length + 90,
    showlegend: false,
  });
  const annotations: Array<Partial<Annotations>> = [];
  metrics.forEach(([key, label], m) => {
    const p = panels[m]!;
    algos.forEach((a) => {
      const iv = c.aggregates[a]![key];
      const i = c.algorithms.indexOf(a);
      data.push({
        type: "scatter",
        mode: "markers",
        x: [iv.point],
        y: [plotText(a)],
        error_x: { type: "data", symmetric: false, array: [iv.high - iv.point], arrayminus: [iv.point - iv.low], color: seriesColor(i), thickness: 6, width: 0 },
        marker: { color: COLORS.text, size: 7, symbol: "line-ns-open", line: { width: 2 } },
        text: [`${plotText(a)} ${label}: ${formatValue(iv.point)} [${formatValue(iv.low)}, ${formatValue(iv.high)}]`],
        hoverinfo: "text",
        xaxis: p.xref,
        yaxis: p.yref,
      });
    });
    (layout as Record<string, unknown>)[p.xaxis] = axisLayout("", "linear", { domain: p.xdomain, anchor: p.yref, zeroline: false });
    (layout as Record<string, unknown>)[p.yaxis] = axisLayout("", "categorical", { domain: p.ydomain, anchor: p.xref, showticklabels: m === 0, categoryorder: "array", categoryarray: algos.map(plotText) });
    annotations.push(panelTitle(p, label));
  });
  layout.annotations = annotations;
  (layout.margin as Record<string, number>).l = 220;
  return applyOptions({ data, layout }, options);
}

/**
 * Probability of improvement P(X > Y) for each pair with its confidence interval, and the line at
 * ½: an interval entirely right of it means X beats Y beyond run-to-run noise.
 *
 * @example
 * const fig = improvementFigure(compareAlgorithms(scores));
 */
export function improvementFigure(c: CompareAlgorithmsResult, options: FigureOptions = {}): Figure {
  const pairs = [...c.improvement].reverse();
  const labels = pairs.map((p) => `P(${plotText(p.x)} > ${plotText(p.y)})`);
  const data: Trace[] = [
    {
      type: "scatter",
      mode: "markers",
      x: pairs.map((p) => p.point),
      y: labels,
      error_x: { type: "data", symmetric: false, array: pairs.map((p) => p.high - p.point), arrayminus: pairs.map((p) => p.point - p.low), color: COLORS.feasible, thickness: 6, width: 0 },
      marker: { color: pairs.map((p) => (p.beyondNoise ? COLORS.best : p.high < 0.5 ? COLORS.infeasible : COLORS.text)), size: 9, symbol: "diamond" },
      text: pairs.map((p) => `P(${plotText(p.x)} > ${plotText(p.y)}) = ${formatValue(p.point)} [${formatValue(p.low)}, ${formatValue(p.high)}]${p.beyondNoise ? " — beyond noise" : ""}`),
      hoverinfo: "text",
    },
  ];
  const layout = baseLayout("Probability of improvement, with stratified-bootstrap confidence intervals", {
    subtitle: wrapText(
      `Per task, the share of run pairs where X scores higher (ties ½), averaged over tasks (rliable). Orange: the ${Math.round(c.options.confidence * 100)}% interval lies above ½ — X beats Y beyond run-to-run noise.`,
      130,
    ),
    width: 1000,
    height: 170 + 28 * pairs.length + 80,
    showlegend: false,
  });
  layout.xaxis = axisLayout("P(X > Y)", "linear", { range: [0, 1.02], dtick: 0.1 });
  layout.yaxis = axisLayout("", "categorical", { categoryorder: "array", categoryarray: labels });
  layout.shapes = [{ type: "line", xref: "x", yref: "paper", x0: 0.5, x1: 0.5, y0: 0, y1: 1, line: { color: COLORS.threshold, dash: "dash", width: 1.5 } }];
  (layout.margin as Record<string, number>).l = 380;
  return applyOptions({ data, layout }, options);
}

/**
 * Score distributions (rliable's performance profiles): for each τ the fraction of runs × tasks
 * scores above τ, with its bootstrap confidence band, one line per algorithm.
 *
 * @example
 * const fig = scoreDistributionFigure(compareAlgorithms(scores), { scoreLabel: "speed vs fastest median" });
 */
export function scoreDistributionFigure(c: CompareAlgorithmsResult, options: FigureOptions & { scoreLabel?: string; algorithms?: string[] } = {}): Figure {
  const data: Trace[] = [];
  (options.algorithms ?? c.algorithms).forEach((a) => {
    const i = c.algorithms.indexOf(a);
    if (i < 0) return;
    const curve = c.profiles.curves[a]!;
    const col = seriesColor(i);
    data.push({ type: "scatter", mode: "lines", x: c.profiles.tau, y: curve.high, line: { width: 0, shape: "hv" }, hoverinfo: "skip", showlegend: false, legendgroup: a });
    data.push({ type: "scatter", mode: "lines", x: c.profiles.tau, y: curve.low, line: { width: 0, shape: "hv" }, fill: "tonexty", fillcolor: hexAlpha(col, 0.15), hoverinfo: "skip", showlegend: false, legendgroup: a });
    data.push({
      type: "scatter",
      mode: "lines",
      name: plotText(a),
      x: c.profiles.tau,
      y: curve.point,
      line: { color: col, width: 2.2, shape: "hv", dash: i >= 8 ? "dot" : "solid" },
      legendgroup: a,
      hovertemplate: `${plotText(a)}: %{y:.2f} above τ = %{x:.2f}<extra></extra>`,
    });
  });
  const what = c.profiles.kind === "runs" ? "runs × tasks" : "task means";
  const layout = baseLayout("Score distributions with confidence bands", {
    subtitle: wrapText(`Fraction of ${what} with score above τ; bands: ${Math.round(c.options.confidence * 100)}% stratified-bootstrap intervals (rliable). ${options.scoreLabel ?? ""}`, 130),
    width: 1000,
    height: 560,
  });
  layout.xaxis = axisLayout(options.scoreLabel ? `τ (${plotText(options.scoreLabel)})` : "τ (score)");
  layout.yaxis = axisLayout(`fraction of ${what} > τ`, "linear", { range: [-0.02, 1.02] });
  layout.legend = { ...(layout.legend as object), x: 1.02, xanchor: "left", y: 1 };
  (layout.margin as Record<string, number>).r = 240;
  return applyOptions({ data, layout }, options);
}

function hexAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
