/**
 * Trial variance (playbook: seed noise): a strip plot of each repeated configuration's results,
 * its mean ± one standard deviation, so a change is only adopted when it beats this noise.
 */
import type { TrialVarianceResult } from "../analysis/trialVariance.js";
import type { Direction } from "../study/types.js";
import { jitter, wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, formatValue, metricTitle, plotText, MAX_FIGURE_WIDTH } from "./theme.js";

export interface TrialVarianceFigureOptions extends FigureOptions {
  metric?: string;
  direction?: Direction;
  /** Most configurations drawn, best mean first (default 40). */
  maxConfigs?: number;
}

/** Short label for a configuration: its group and the hyperparameters that differ between configs. */
function labels(configs: TrialVarianceResult["configs"]): string[] {
  const keys = new Set<string>();
  for (const c of configs) for (const k of Object.keys(c.hparams)) keys.add(k);
  const varying = [...keys].filter((k) => new Set(configs.map((c) => String(c.hparams[k]))).size > 1);
  const sameGroup = new Set(configs.map((c) => c.group)).size <= 1;
  return configs.map((c, i) => {
    const parts = varying.slice(0, 2).map((k) => `${k}=${formatValue(c.hparams[k] ?? null)}`);
    const base = sameGroup ? "" : `${c.group ?? `config ${i + 1}`}: `;
    const s = `${base}${parts.join(", ")}` || `config ${i + 1}`;
    return s.length > 34 ? s.slice(0, 33) + "…" : s;
  });
}

/**
 * Strip plot of every repeat of every repeated configuration (sorted best mean first), the mean
 * as a diamond with ±1 std error bars, infeasible repeats counted in the label, and the pooled
 * seed noise in the title.
 *
 * @example
 * const fig = trialVarianceFigure(trialVariance(study), { metric: "validation/accuracy", direction: "maximize" });
 */
export function trialVarianceFigure(result: TrialVarianceResult, options: TrialVarianceFigureOptions = {}): Figure {
  const dir = options.direction ?? "minimize";
  const metric = options.metric ?? "objective";
  const sign = dir === "minimize" ? 1 : -1;
  let configs = result.configs.filter((c) => c.values.length > 0 && c.count >= 2);
  if (configs.length === 0) configs = result.configs.filter((c) => c.values.length > 0);
  configs = [...configs].sort((a, b) => sign * (a.mean - b.mean)).slice(0, options.maxConfigs ?? 40);
  const names = labels(configs).map((l, i) => `${i + 1}. ${l}${configs[i]!.infeasible ? ` (${configs[i]!.infeasible} infeasible)` : ""}`);
  const data: Trace[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const texts: string[] = [];
  configs.forEach((c, i) =>
    c.values.forEach((v, k) => {
      xs.push(i - 0.05 + 0.15 * jitter(`${c.key}#${k}`));
      ys.push(v);
      texts.push(`${plotText(c.trials[k] ?? "")}<br>${plotText(metric)}: ${formatValue(v)}`);
    }),
  );
  data.push({ type: "scatter", mode: "markers", name: "one repeat (seed)", meta: { role: "repeat" }, x: xs, y: ys, text: texts, hoverinfo: "text", marker: { color: COLORS.feasible, size: 8, opacity: 0.7 } });
  data.push({
    type: "scatter",
    mode: "markers",
    name: "mean ± 1 std",
    meta: { role: "mean" },
    x: configs.map((_, i) => i + 0.3),
    y: configs.map((c) => c.mean),
    error_y: { type: "data", array: configs.map((c) => (Number.isFinite(c.std) ? c.std : 0)), color: COLORS.best, thickness: 2, width: 8 },
    marker: { symbol: "diamond", color: COLORS.best, size: 11, line: { color: "#7A4F00", width: 1 } },
    text: configs.map((c) => `mean ${formatValue(c.mean)}, std ${formatValue(c.std)}, ${c.n} feasible of ${c.count}`),
    hoverinfo: "text",
  });
  const noise = result.pooledStd !== null ? `pooled seed std ${formatValue(result.pooledStd)}` : "no repeated configuration";
  const between = result.betweenStd !== null ? `; std between configurations ${formatValue(result.betweenStd)}` : "";
  const title = `Trial variance: ${plotText(metric)} of each configuration retrained with different seeds`;
  const groups = [...new Set(configs.map((c) => c.group).filter((g) => g !== null))];
  const where = groups.length === 1 ? ` of ${groups[0]}` : "";
  const subtitle = `${count(result.repeated)} repeated configurations${where}; ${noise}${between}. A change is worth adopting only when its gain exceeds this noise.`;
  const width = Math.min(MAX_FIGURE_WIDTH, Math.max(820, configs.length * 46 + 260));
  const layout = baseLayout(title, { subtitle: wrapText(plotText(subtitle), Math.floor(width / 6.6)), width, height: 600 });
  layout.xaxis = axisLayout("configuration (best mean first)", "linear", { tickvals: configs.map((_, i) => i), ticktext: names.map(plotText), tickangle: configs.length > 4 ? -35 : 0, tickfont: { size: 10 }, range: [-0.6, configs.length - 0.4], zeroline: false });
  layout.yaxis = axisLayout(metricTitle(metric, dir));
  Object.assign(layout.margin as object, { l: 110, r: 30, b: 160 });
  layout.legend = { ...(layout.legend as object), x: 1, xanchor: "right", y: 1, yanchor: "top" };
  return applyOptions({ data, layout }, options);
}
