/**
 * Isolation plot (playbook: "Detecting whether a change is useful with isolation plots"): the
 * best trial per value of the scientific hyperparameter, after optimizing over the nuisance
 * hyperparameters, drawn as a line over every trial faded behind it.
 */
import type { IsolationResult, IsolationValue } from "../analysis/isolation.js";
import { objectiveRange } from "./axis.js";
import { jitter, wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, hoverText, infeasibleMarker, markerStyle, metricTitle, plotText, plural, MAX_FIGURE_WIDTH } from "./theme.js";

/** x position of a value: category index (categorical) or the value / bucket centre. */
function xOf(v: IsolationValue, i: number, categorical: boolean): number {
  if (categorical) return i;
  return typeof v.value === "number" ? v.value : i;
}

/**
 * Isolation plot of an {@link IsolationResult}: one point per scientific value (its best trial
 * over the nuisance hyperparameters) joined by a line, bootstrap error bars when the result has
 * intervals, the trial count under each point, the winner starred, and every trial faded behind
 * (infeasible ones as faded red Xs at the worse edge).
 *
 * @example
 * const fig = isolationFigure(isolation(study, { scientific: "activation", bootstrap: { seed: 1 } }));
 */
export function isolationFigure(result: IsolationResult, options: FigureOptions = {}): Figure {
  const dir = result.objective.direction;
  const categorical = result.scale === "categorical";
  const values = result.values;
  const allTrials = values.flatMap((v) => v.trials);
  const ys = allTrials.filter((t) => t.feasible && t.y !== null).map((t) => t.y as number);
  for (const v of values) if (v.interval) ys.push(v.interval.low, v.interval.high);
  const { range, edge } = objectiveRange(ys, dir);
  // Room at the better edge for the per-value trial counts, above the best line.
  const span = range[1] - range[0];
  if (dir === "minimize") range[0] -= 0.1 * span;
  else range[1] += 0.1 * span;
  const style = markerStyle(allTrials.length);
  const data: Trace[] = [];
  const bgX: number[] = [];
  const bgY: number[] = [];
  const infX: number[] = [];
  values.forEach((v, i) => {
    const x0 = xOf(v, i, categorical);
    for (const t of v.trials) {
      // Bucketed and categorical values spread their trials around the value's position.
      let x: number;
      if (categorical) x = x0 + 0.22 * jitter(t.trial);
      else if (typeof t.x === "number") x = t.x;
      else x = x0;
      if (t.feasible && t.y !== null && Number.isFinite(t.y)) {
        bgX.push(x);
        bgY.push(t.y);
      } else infX.push(x);
    }
  });
  data.push({
    type: "scatter",
    mode: "markers",
    name: `all trials (${count(bgX.length)} feasible)`,
    meta: { role: "feasible" },
    x: bgX,
    y: bgY,
    marker: { color: COLORS.faded, size: style.size, opacity: Math.min(0.6, style.opacity), line: { width: 0 } },
    hoverinfo: "skip",
  });
  if (infX.length)
    data.push({
      type: "scatter",
      mode: "markers",
      name: `infeasible trials: ${count(infX.length)}`,
      meta: { role: "infeasible" },
      x: infX,
      y: infX.map(() => edge),
      marker: { ...infeasibleMarker(allTrials.length), opacity: 0.35 },
      hoverinfo: "skip",
      cliponaxis: false,
    });
  const withBest = values.map((v, i) => ({ v, i })).filter(({ v }) => v.best !== null);
  const hasIntervals = withBest.some(({ v }) => v.interval);
  const line: Trace = {
    type: "scatter",
    mode: "lines+markers",
    meta: { role: "isolation" },
    name: `best trial per ${plotText(result.scientific)}${hasIntervals ? ` (${Math.round((withBest.find(({ v }) => v.interval)!.v.interval!.level) * 100)}% bootstrap interval)` : ""}`,
    x: withBest.map(({ v, i }) => xOf(v, i, categorical)),
    y: withBest.map(({ v }) => v.best!.y),
    line: { color: COLORS.feasible, width: 2.5 },
    marker: { color: COLORS.feasible, size: 11, line: { color: "#FFFFFF", width: 1.5 } },
    text: withBest.map(({ v }) =>
      hoverText(v.best!.trial, v.best!.hparams, {
        [result.scientific]: v.label,
        [`best ${result.objective.metric}`]: v.best!.y,
        trials: v.count,
        feasible: v.feasibleCount,
        ...(v.interval ? { "interval low": v.interval.low, "interval high": v.interval.high } : {}),
      }),
    ),
    hoverinfo: "text",
  };
  if (hasIntervals) {
    line.error_y = {
      type: "data",
      symmetric: false,
      array: withBest.map(({ v }) => (v.interval ? Math.max(0, v.interval.high - v.best!.y) : 0)),
      arrayminus: withBest.map(({ v }) => (v.interval ? Math.max(0, v.best!.y - v.interval.low) : 0)),
      color: COLORS.feasible,
      thickness: 1.5,
      width: 6,
    };
  }
  data.push(line);
  const win = values.findIndex((v) => v.label === result.winner);
  if (win >= 0 && values[win]!.best) {
    const v = values[win]!;
    data.push({
      type: "scatter",
      mode: "markers",
      name: `winner: ${plotText(v.label)}`,
      meta: { role: "winner" },
      x: [xOf(v, win, categorical)],
      y: [v.best!.y],
      marker: { symbol: "star", color: COLORS.best, size: 18, line: { color: "#7A4F00", width: 1 } },
      hoverinfo: "skip",
    });
  }
  // Trial counts: one label per value just inside the better edge of the plot.
  const countY = dir === "minimize" ? range[0] + 0.03 * span : range[1] - 0.03 * span;
  data.push({
    type: "scatter",
    mode: "text",
    name: "trials per value",
    meta: { role: "counts" },
    showlegend: false,
    x: values.map((v, i) => xOf(v, i, categorical)),
    y: values.map(() => countY),
    text: values.map((v) => `n=${count(v.count)}${v.feasibleCount !== v.count ? ` (${count(v.feasibleCount)} ok)` : ""}`),
    textposition: "middle center",
    textfont: { size: 10, color: COLORS.muted },
    hoverinfo: "skip",
    cliponaxis: false,
  });

  const xTitle = plotText(result.scientific) + (result.bucketed ? ` (buckets${result.scale === "log" ? ", log scale" : ""})` : result.scale === "log" ? " (log scale)" : "");
  const xaxis =
    categorical
      ? axisLayout(xTitle, "linear", { tickvals: values.map((_, i) => i), ticktext: values.map((v) => plotText(v.label)), range: [-0.6, values.length - 0.4], zeroline: false })
      : axisLayout(xTitle, result.scale === "log" ? "log" : "linear");
  const nuisance = result.nuisance.length ? result.nuisance.map(plotText).join(", ") : "none";
  const title = `Isolation plot: best ${plotText(result.objective.metric)} for each ${plotText(result.scientific)}, optimized over the nuisance hyperparameters`;
  const winnerMsg = result.findings.find((f) => f.code === "isolation.winner") ?? result.findings.find((f) => f.code.startsWith("isolation."));
  const width = Math.max(820, Math.min(MAX_FIGURE_WIDTH, values.length * 90 + 300));
  const chars = Math.floor(width / 6.6);
  let subtitle = wrapText(`${plural(allTrials.length, "trial")} · nuisance: ${nuisance}`, chars);
  if (winnerMsg) subtitle += "<br>" + wrapText(plotText(winnerMsg.message.length > 260 ? winnerMsg.message.slice(0, 257) + "…" : winnerMsg.message), chars);
  const lines = subtitle.split("<br>").length;
  const layout = baseLayout(wrapText(title, Math.floor(width / 9.5)), { subtitle, width, height: 560 + lines * 14 });
  layout.xaxis = xaxis;
  layout.yaxis = axisLayout(`best ${metricTitle(result.objective.metric, dir)}`, "linear", { range });
  layout.legend = { ...(layout.legend as object), orientation: "h", x: 0, y: -0.2, yanchor: "top" };
  Object.assign(layout.margin as object, { l: 80, r: 30, b: 120 });
  return applyOptions({ data, layout }, options);
}
