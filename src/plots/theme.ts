/**
 * One look for every tunebook figure: font, colours, marker sizes that adapt to the number of
 * points, and the red X for infeasible trials (DESIGN.md "Infeasible trial": kept, counted, shown).
 */
import type { Direction, HpValue } from "../study/types.js";
import { formatNumber } from "../util/format.js";

import type { ColorScale, Data, Layout as PlotlyLayout } from "plotly.js";

/**
 * What a trace is for, so code and tests find a trace by what it shows, never by its display name
 * (which is prose and may change): e.g. `feasible`, `infeasible`, `best`, `threshold`.
 */
export interface TraceMeta {
  role: string;
  [key: string]: unknown;
}

/**
 * Trace kinds @types/plotly.js does not describe (parcoords, and box plots drawn from precomputed
 * quantiles): their attributes are plotly's documented ones, checked by the figure tests that
 * draw them in Chromium.
 */
export interface UntypedTrace {
  type: "parcoords" | "box";
  [attribute: string]: unknown;
}

/** A plotly trace (typed by @types/plotly.js), with its role in `meta` (plotly keeps `meta` as opaque data). */
export type Trace = (Data | UntypedTrace) & { meta?: TraceMeta };

/** A plotly layout (typed by @types/plotly.js). */
export type Layout = Partial<PlotlyLayout>;

/**
 * The traces of a figure with a given role (see {@link TraceMeta}).
 *
 * @example
 * tracesWithRole(axisFigure(axisPlotData(study)), "infeasible").length; // one per panel
 */
export function tracesWithRole(fig: Figure, role: string): Trace[] {
  return fig.data.filter((t) => t.meta?.role === role);
}

/** A plotly figure as JSON: what every builder returns and what export/display consume. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}

export const FONT_FAMILY = "Inter, 'Helvetica Neue', Arial, sans-serif";

/** Palette (colour-blind friendly, Okabe–Ito order) used for series in order. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"] as const;

export const COLORS = {
  feasible: "#0072B2",
  best: "#E69F00",
  infeasible: "#D62728",
  faded: "#B8C2CC",
  band: "rgba(214, 39, 40, 0.10)",
  zoneEarly: "rgba(0, 114, 178, 0.12)",
  zoneLate: "rgba(230, 159, 0, 0.16)",
  grid: "#E5E8EC",
  text: "#1F2933",
  muted: "#6B7785",
  threshold: "#D62728",
} as const;

/** Colour of the i-th series. */
export function seriesColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/**
 * Marker size and opacity for a scatter of `n` points: one trial is a big solid dot, 2,000
 * trials are small translucent dots so dense regions read as density instead of a blob.
 *
 * @example
 * markerStyle(1);    // { size: 10, opacity: 0.9 }
 * markerStyle(2000); // { size: 4, opacity: 0.35 }
 */
export function markerStyle(n: number): { size: number; opacity: number } {
  if (n <= 20) return { size: 10, opacity: 0.9 };
  if (n <= 100) return { size: 8, opacity: 0.8 };
  if (n <= 400) return { size: 6, opacity: 0.6 };
  if (n <= 1000) return { size: 5, opacity: 0.45 };
  return { size: 4, opacity: 0.35 };
}

/**
 * Marker for infeasible trials: a red X, a little larger than the feasible dots so it is seen
 * even among thousands of points.
 *
 * @example
 * infeasibleMarker(10).symbol; // "x"
 */
export function infeasibleMarker(n: number): Record<string, unknown> {
  const { size, opacity } = markerStyle(n);
  return { symbol: "x", color: COLORS.infeasible, size: size + 3, opacity: Math.min(1, opacity + 0.25), line: { width: 0 } };
}

const NEEDS_ESCAPE = /[&<>]/;

/**
 * Escape a user string for plotly text (titles, hover, annotations): plotly interprets a few
 * HTML tags, so `<`, `>` and `&` become entities that it renders literally.
 *
 * @example
 * plotText("<b>x</b>"); // "&lt;b&gt;x&lt;/b&gt;"
 */
export function plotText(s: unknown): string {
  const str = String(s);
  // Most labels have nothing to escape: one scan instead of three replaces (hover text is built per point).
  if (!NEEDS_ESCAPE.test(str)) return str;
  return str.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Axis title for an objective: the metric and which way is better, e.g. "validation/loss (lower is better)".
 *
 * @example
 * metricTitle("loss", "minimize"); // "loss (lower is better)"
 */
export function metricTitle(metric: string, direction?: Direction): string {
  const dir = direction === "minimize" ? " (lower is better)" : direction === "maximize" ? " (higher is better)" : "";
  return plotText(metric) + dir;
}

/** Format a hyperparameter value for hover text. */
export function formatValue(v: HpValue | number | undefined): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return formatNumber(v);
  return String(v);
}

/**
 * Hover text listing a trial's id, status, objective and every hyperparameter (escaped), one per line.
 *
 * @example
 * hoverText("t1", { lr: 0.01 }, { status: "complete", objective: 0.3 }); // "<b>t1</b><br>status: complete<br>objective: 0.3<br>lr: 0.01"
 */
export function hoverText(trial: string, hparams: Record<string, HpValue>, extra: Record<string, HpValue | number | undefined> = {}, maxHparams = 24): string {
  // String concatenation rather than arrays of lines: this runs once per point of large figures.
  let out = `<b>${plotText(trial)}</b>`;
  for (const k of Object.keys(extra)) {
    const v = extra[k];
    if (v !== undefined) out += `<br>${plotText(k)}: ${plotText(formatValue(v))}`;
  }
  // Unused (conditional) hyperparameters are left out: hover text is repeated for every point.
  const keys = Object.keys(hparams).filter((k) => hparams[k] !== null && hparams[k] !== undefined);
  for (const k of keys.slice(0, maxHparams)) out += `<br>${plotText(k)}: ${plotText(formatValue(hparams[k]))}`;
  if (keys.length > maxHparams && maxHparams > 0) out += `<br>… ${keys.length - maxHparams} more`;
  return out;
}

/** Options every builder accepts for its overall look. */
export interface FigureOptions {
  /** Override the generated title (escaped). */
  title?: string;
  width?: number;
  height?: number;
}

/**
 * Widest a figure is built: it fits a notebook's output area (classic Notebook's is about
 * 980 px, JupyterLab's and VS Code's similar), so panels wrap into rows instead of hiding
 * behind a scrollbar.
 */
export const MAX_FIGURE_WIDTH = 960;

/** Columns of a small-multiples grid of `n` panels that fit {@link MAX_FIGURE_WIDTH}: two at most. */
export function gridColumns(n: number): number {
  return Math.min(2, Math.max(1, n));
}

/**
 * The base layout of every figure: white background, light grid, the theme font, a title that
 * states what the figure shows (already escaped by the caller) and an optional subtitle.
 *
 * @example
 * baseLayout("Validation loss vs learning rate", { subtitle: "2,000 trials" });
 */
export function baseLayout(title: string, opts: { subtitle?: string; width?: number; height?: number; showlegend?: boolean } = {}): Layout {
  const text = opts.subtitle ? `${title}<br><span style="font-size:12px;color:${COLORS.muted}">${opts.subtitle.replace(/<br>/g, `</span><br><span style="font-size:12px;color:${COLORS.muted}">`)}</span>` : title;
  // The title block grows downward from the top; the top margin makes room for all its lines.
  const titleLines = title.split("<br>").length;
  const subLines = opts.subtitle ? opts.subtitle.split("<br>").length : 0;
  const top = 26 + titleLines * 21 + subLines * 16 + 26;
  const layout: Layout = {
    title: { text, x: 0.02, xanchor: "left", y: 1, yref: "container", yanchor: "top", pad: { t: 18 }, font: { size: 16, color: COLORS.text } },
    font: { family: FONT_FAMILY, size: 12, color: COLORS.text },
    paper_bgcolor: "#FFFFFF",
    plot_bgcolor: "#FFFFFF",
    margin: { l: 70, r: 30, t: top, b: 60 },
    hovermode: "closest",
    showlegend: opts.showlegend ?? true,
    legend: { bgcolor: "rgba(255,255,255,0.85)", bordercolor: COLORS.grid, borderwidth: 1 },
  };
  if (opts.width) layout.width = Math.min(MAX_FIGURE_WIDTH, opts.width);
  if (opts.height) layout.height = opts.height;
  return layout;
}

/**
 * An axis in the theme: title, grid, log type when asked, categories kept in given order.
 *
 * @example
 * axisLayout("learning_rate", "log"); // { type: "log", title: { text: "learning_rate" }, ... }
 */
export function axisLayout(title: string, scale: "linear" | "log" | "categorical" = "linear", extra: Record<string, unknown> = {}): Record<string, unknown> {
  const a: Record<string, unknown> = {
    title: { text: title, standoff: 8 },
    gridcolor: COLORS.grid,
    zerolinecolor: COLORS.grid,
    linecolor: "#9AA5B1",
    showline: true,
    ticks: "outside",
    automargin: true,
  };
  if (scale === "log") {
    a.type = "log";
    a.exponentformat = "power";
    a.dtick = "D2"; // label 1, 2 and 5 of each decade, not every digit
  } else if (scale === "categorical") a.type = "category";
  return { ...a, ...extra };
}

/**
 * Ticks for a log axis over [lo, hi] at 1, 2 and 5 of each decade, labelled with their whole value.
 * Plotly's own log ticks label the 2 and 5 of a decade with the digit alone, so on an axis that
 * spans about a decade "5" reads as five where it means 0.5.
 *
 * @example
 * logTicks(0.2, 2.3); // { tickvals: [0.2, 0.5, 1, 2], ticktext: ["0.2", "0.5", "1", "2"] }
 */
export function logTicks(lo: number, hi: number): { tickvals: number[]; ticktext: string[] } {
  const tickvals: number[] = [];
  if (lo > 0 && hi >= lo && Number.isFinite(hi))
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
      for (const m of [1, 2, 5]) {
        const v = Number((m * 10 ** e).toPrecision(3));
        if (v >= lo * 0.999 && v <= hi * 1.001) tickvals.push(v);
      }
  return { tickvals, ticktext: tickvals.map((v) => formatNumber(v)) };
}

/** Apply the caller's title/size overrides to a built figure. */
export function applyOptions(fig: Figure, opts: FigureOptions | undefined): Figure {
  if (!opts) return fig;
  if (opts.title !== undefined) {
    const t = (fig.layout.title as Record<string, unknown> | undefined) ?? {};
    fig.layout.title = { ...t, text: plotText(opts.title) };
  }
  if (opts.width) fig.layout.width = opts.width;
  if (opts.height) fig.layout.height = opts.height;
  return fig;
}

/** The figure's title as plain text (tags and entities removed), for text/plain and alt text. */
export function figureTitle(fig: Figure): string {
  const t = fig.layout.title;
  const raw = typeof t === "string" ? t : typeof t === "object" && t !== null ? String((t as { text?: unknown }).text ?? "") : "";
  return raw
    .replace(/<br\s*\/?>/gi, " — ")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}

const COUNT_FORMAT = new Intl.NumberFormat("en-US");

/** Thousands separator for counts in titles and legends. */
export function count(n: number): string {
  // One formatter for every call: toLocaleString builds a new ICU formatter each time (same output).
  return COUNT_FORMAT.format(n);
}

/** "1 trial" / "2,000 trials". */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : pluralWord}`;
}

/**
 * Colour scale for an objective where bright = better: viridis, reversed for minimization.
 *
 * @example
 * objectiveColorscale("maximize"); // "Viridis"
 */
export function objectiveColorscale(direction: "minimize" | "maximize"): ColorScale {
  return direction === "maximize" ? "Viridis" : [[0, "#FDE725"], [0.25, "#5EC962"], [0.5, "#21918C"], [0.75, "#3B528B"], [1, "#440154"]];
}
