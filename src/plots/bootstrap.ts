/**
 * Study variance (playbook: how the best result of a study of N trials would vary if the study
 * were rerun): box plots of the best-of-N objective by budget N, like the playbook's figure.
 */
import type { BestOfNResult } from "../analysis/bootstrap.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, metricTitle, plotText, MAX_FIGURE_WIDTH } from "./theme.js";

export interface BootstrapFigureOptions extends FigureOptions {
  /** Metric name for the y axis (the result itself does not carry it). */
  metric?: string;
  /** Show the Monte-Carlo resampled boxes next to the exact ones when present (default true). */
  showResampled?: boolean;
}

/**
 * Box plots of best-of-N by budget N (whiskers p5–p95, box p25–p75, line = median, dot = mean),
 * from the exact order-statistics distribution, with the study's best as a dashed line, the
 * tolerance band around it, and the budget needed to get within tolerance marked.
 *
 * @example
 * const fig = bootstrapFigure(bestOfNBootstrap(study, { seed: 1 }), { metric: "validation/loss" });
 */
export function bootstrapFigure(result: BestOfNResult, options: BootstrapFigureOptions = {}): Figure {
  const metric = options.metric ?? "objective";
  const budgets = result.budgets.filter((b) => b.exact.quantiles.p50 !== null);
  const labels = budgets.map((b) => `N=${count(b.n)}`);
  const data: Trace[] = [];
  const box = (name: string, q: (b: (typeof budgets)[number]) => BestOfNResult["budgets"][number]["exact"] | undefined, color: string, offset: string): Trace => ({
    type: "box",
    name,
    meta: { role: offset },
    x: labels,
    q1: budgets.map((b) => q(b)?.quantiles.p25 ?? null),
    median: budgets.map((b) => q(b)?.quantiles.p50 ?? null),
    q3: budgets.map((b) => q(b)?.quantiles.p75 ?? null),
    lowerfence: budgets.map((b) => q(b)?.quantiles.p5 ?? null),
    upperfence: budgets.map((b) => q(b)?.quantiles.p95 ?? null),
    mean: budgets.map((b) => q(b)?.mean ?? null),
    boxmean: true,
    marker: { color },
    line: { color },
    fillcolor: color === COLORS.feasible ? "rgba(0, 114, 178, 0.25)" : "rgba(230, 159, 0, 0.25)",
    offsetgroup: offset,
    hoverinfo: "y+name",
  });
  data.push(box("best of N (exact, order statistics)", (b) => b.exact, COLORS.feasible, "exact"));
  const resampled = (options.showResampled ?? true) && budgets.some((b) => b.resampled && b.resampled.quantiles.p50 !== null);
  if (resampled) data.push(box(`best of N (resampled ×${budgets.find((b) => b.resampled)!.resampled!.resamples})`, (b) => b.resampled, COLORS.best, "resampled"));
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  if (result.studyBest !== null) {
    shapes.push({ type: "rect", xref: "paper", yref: "y", x0: 0, x1: 1, y0: result.studyBest - result.tolerance, y1: result.studyBest + result.tolerance, fillcolor: "rgba(0, 158, 115, 0.12)", line: { width: 0 }, layer: "below" });
    shapes.push({ type: "line", xref: "paper", yref: "y", x0: 0, x1: 1, y0: result.studyBest, y1: result.studyBest, line: { color: "#009E73", width: 1.5, dash: "dash" } });
    annotations.push({ text: `study best ${fmt(result.studyBest)} ± tolerance ${fmt(result.tolerance)}`, xref: "paper", yref: "y", x: 1, y: result.studyBest, xanchor: "right", yanchor: result.direction === "minimize" ? "top" : "bottom", showarrow: false, font: { size: 11, color: "#007A59" } });
  }
  const needed = result.budgetNeeded;
  if (needed !== null) {
    const i = budgets.findIndex((b) => b.n >= needed);
    if (i >= 0) {
      // Between two budgets' boxes when N itself is not one of them (category index, log-interpolated).
      const prev = i > 0 ? budgets[i - 1]!.n : budgets[i]!.n;
      const cur = budgets[i]!.n;
      const pos = i > 0 && cur !== needed ? i - 1 + Math.log(needed / prev) / Math.log(cur / prev) : i;
      annotations.push({
        text: `N=${count(needed)} trials reach the tolerance with probability ${Math.round(result.probability * 100)}%`,
        x: pos,
        y: result.studyBest ?? budgets[i]!.exact.quantiles.p50,
        xref: "x",
        yref: "y",
        showarrow: true,
        arrowhead: 2,
        ax: -60,
        ay: result.direction === "minimize" ? -60 : 60,
        font: { size: 11, color: COLORS.text },
        bgcolor: "rgba(255,255,255,0.85)",
      });
    }
  }
  const infeasibleNote = result.feasible < result.n ? `, ${count(result.n - result.feasible)} infeasible counted as failed draws` : "";
  const title = `Study variance: best ${plotText(metric)} of a study of N trials, if the study were rerun`;
  const noLow = budgets.filter((b) => b.exact.quantiles.p5 === null).map((b) => b.n);
  const lowNote = noLow.length ? `<br>no lower whisker at N=${noLow.join(", ")}: more than 5% of such studies would have no feasible trial at all` : "";
  const subtitle = `from ${count(result.n)} trials${infeasibleNote}; box p25–p75, whiskers p5–p95, line = median, dashed = mean${lowNote}`;
  const layout = baseLayout(title, { subtitle, width: Math.min(MAX_FIGURE_WIDTH, Math.max(760, budgets.length * 70 + 260)), height: 540 });
  layout.xaxis = axisLayout("trial budget N (trials per study)", "categorical");
  layout.yaxis = axisLayout(`best-of-N ${metricTitle(metric, result.direction)}`);
  layout.boxmode = resampled ? "group" : "overlay";
  layout.shapes = shapes;
  layout.annotations = annotations;
  layout.legend = { ...(layout.legend as object), orientation: "h", x: 0, y: -0.16, yanchor: "top" };
  Object.assign(layout.margin as object, { l: 80, r: 30, b: 110 });
  return applyOptions({ data, layout }, options);
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
