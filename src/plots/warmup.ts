/**
 * Learning-rate warmup (playbook: "How to apply learning rate warmup"): the warmup sweep's
 * schedules, and when results are given, the outcome of each warmup length.
 */
import type { WarmupPlan } from "../analysis/warmup.js";
import type { Direction } from "../study/types.js";
import { wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, formatValue, metricTitle, plotText, seriesColor, MAX_FIGURE_WIDTH } from "./theme.js";

/** Outcome of one warmup length (from the runner's study of the plan). */
export interface WarmupOutcome {
  warmupSteps: number;
  /** Best objective, null when the run diverged/failed. */
  best: number | null;
  stable: boolean;
  trial?: string;
}

export interface WarmupFigureOptions extends FigureOptions {
  objective?: { metric: string; direction: Direction };
}

/** Learning rate of a warmup trial at `step`: linear warmup then constant (or cosine decay). */
function lrAt(t: WarmupPlan["trials"][number], step: number): number {
  if (t.warmup_steps > 0 && step < t.warmup_steps) return (t.learning_rate * step) / t.warmup_steps;
  if (t.schedule === "linear_warmup_then_cosine") {
    const rest = Math.max(1, t.max_train_steps - t.warmup_steps);
    return t.learning_rate * 0.5 * (1 + Math.cos((Math.PI * (step - t.warmup_steps)) / rest));
  }
  return t.learning_rate;
}

/**
 * Left: each planned trial's learning-rate schedule (warmup lengths up to 10% of max steps, then
 * the post-warmup rate = multiplier × the unstable rate). Right, with outcomes: the best objective
 * per warmup length (log x), failed lengths as red X.
 *
 * @example
 * const plan = warmupPlan({ lrStar: 0.01, unstableLr: 0.03, maxTrainSteps: 10_000 });
 * const fig = warmupFigure(plan, [{ warmupSteps: 100, best: 0.31, stable: true }]);
 */
export function warmupFigure(plan: WarmupPlan, outcomes: WarmupOutcome[] = [], options: WarmupFigureOptions = {}): Figure {
  const data: Trace[] = [];
  const two = outcomes.length > 0;
  plan.trials.forEach((t, i) => {
    const end = Math.min(t.max_train_steps, Math.max(t.warmup_steps + t.post_warmup_steps, plan.maxWarmupSteps * 3));
    const n = 120;
    const xs = Array.from({ length: n + 1 }, (_, k) => Math.round((end * k) / n));
    if (!xs.includes(t.warmup_steps)) xs.push(t.warmup_steps);
    xs.sort((a, b) => a - b);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `warmup ${count(t.warmup_steps)} steps`,
      meta: { role: "curve" },
      x: xs,
      y: xs.map((s) => lrAt(t, s)),
      line: { color: seriesColor(i), width: 2 },
      hovertemplate: `warmup ${t.warmup_steps}: step %{x}, lr %{y:.3g}<extra></extra>`,
    });
  });
  const shapes: Array<Record<string, unknown>> = [
    { type: "line", xref: "x", yref: "y domain", x0: plan.maxWarmupSteps, x1: plan.maxWarmupSteps, y0: 0, y1: 1, line: { color: COLORS.muted, dash: "dash", width: 1.5 } },
    { type: "line", xref: "x domain", yref: "y", x0: 0, x1: 1, y0: plan.unstableBaseLearningRate, y1: plan.unstableBaseLearningRate, line: { color: COLORS.infeasible, dash: "dot", width: 1.5 } },
  ];
  const annotations: Array<Record<string, unknown>> = [
    { text: `10% of max steps (${count(plan.maxWarmupSteps)})`, xref: "x", yref: "y domain", x: plan.maxWarmupSteps, y: 1, xanchor: "left", yanchor: "top", showarrow: false, font: { size: 10, color: COLORS.muted } },
    { text: `unstable rate ${formatValue(plan.unstableBaseLearningRate)}`, xref: "x domain", yref: "y", x: 1, y: plan.unstableBaseLearningRate, xanchor: "right", yanchor: "bottom", showarrow: false, font: { size: 10, color: COLORS.infeasible } },
  ];
  let rightAxes: Record<string, unknown> = {};
  if (two) {
    const obj = options.objective ?? { metric: "objective", direction: "minimize" as Direction };
    const ok = outcomes.filter((o) => o.stable && o.best !== null);
    const bad = outcomes.filter((o) => !o.stable || o.best === null);
    const ys = ok.map((o) => o.best as number);
    const lo = ys.length ? Math.min(...ys) : 0;
    const hi = ys.length ? Math.max(...ys) : 1;
    const edge = obj.direction === "minimize" ? hi + 0.1 * (hi - lo || 1) : lo - 0.1 * (hi - lo || 1);
    data.push({ type: "scatter", mode: "lines+markers", name: "result per warmup length", meta: { role: "result" }, x: ok.map((o) => Math.max(1, o.warmupSteps)), y: ys, xaxis: "x2", yaxis: "y2", marker: { color: COLORS.feasible, size: 10 }, line: { color: COLORS.feasible } });
    data.push({ type: "scatter", mode: "markers", name: `unstable / failed: ${bad.length}`, meta: { role: "unstable" }, x: bad.map((o) => Math.max(1, o.warmupSteps)), y: bad.map(() => edge), xaxis: "x2", yaxis: "y2", marker: { symbol: "x", color: COLORS.infeasible, size: 13 }, cliponaxis: false });
    rightAxes = {
      xaxis2: { ...axisLayout("warmup steps (log scale)", "log"), domain: [0.56, 1], anchor: "y2" },
      yaxis2: { ...axisLayout(`best ${metricTitle(obj.metric, obj.direction)}`), anchor: "x2" },
    };
  }
  const title = `Learning-rate warmup sweep: ${count(plan.trials.length)} warmup lengths to reach ${formatValue(plan.baseLearningRate)} (${formatValue(plan.baseLearningRate / plan.unstableBaseLearningRate)}× the unstable rate)`;
  let subtitle = `linear warmup then ${plan.trials[0]?.schedule === "linear_warmup_then_cosine" ? "cosine decay" : "constant"}; max ${count(plan.maxTrainSteps)} steps; warmup ≤ ${count(plan.maxWarmupSteps)} steps (10%)`;
  for (const n of plan.notes.slice(0, 1)) subtitle += "<br>" + wrapText(plotText(n), 160);
  const layout = baseLayout(title, { subtitle, width: two ? MAX_FIGURE_WIDTH : 900, height: 520 });
  layout.xaxis = { ...axisLayout("training step"), domain: two ? [0, 0.46] : [0, 1], anchor: "y" };
  layout.yaxis = { ...axisLayout("learning rate"), anchor: "x", rangemode: "tozero" };
  Object.assign(layout, rightAxes);
  layout.shapes = shapes;
  layout.annotations = annotations;
  layout.legend = { ...(layout.legend as object), orientation: "h", x: 0, y: -0.16, yanchor: "top" };
  (layout.margin as Record<string, number>).b = 110;
  return applyOptions({ data, layout }, options);
}
