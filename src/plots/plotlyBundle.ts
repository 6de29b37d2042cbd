/**
 * Which plotly.js a page gets. tunebook's figures draw five trace types, so reports, figure pages,
 * notebook outputs and the PNG exporter carry a partial plotly.js built from the plotly.js package
 * by `npm run build` (scripts/build-plotly.ts: esbuild, minified) into dist/plotly/:
 * - `cartesian`: plotly's core (scatter, axes, legend, hover, modebar, shapes, annotations,
 *   colour bars, error bars, selections, toImage) with bar, box and heatmap: every figure of a
 *   report, about a quarter of the full bundle;
 * - `parcoords`: the same plus parallel coordinates, which brings WebGL (regl) along, so only
 *   the parallel-coordinates figure pays for it;
 * - `full`: the whole of plotly.js (`plotly.js-dist-min`), for a figure that draws anything else
 *   (a user's own figure in a notebook), so nothing a user draws is lost.
 * Each bundle can draw everything the one before it can.
 */
import type { Figure } from "./theme.js";

/** A plotly.js bundle, smallest first (see the module comment). */
export type PlotlyBundle = "cartesian" | "parcoords" | "full";

/** The partial bundles that `npm run build` writes, smallest first, with the trace types each draws. */
export const PARTIAL_BUNDLES: ReadonlyArray<{ name: Exclude<PlotlyBundle, "full">; traces: readonly string[] }> = [
  { name: "cartesian", traces: ["scatter", "bar", "box", "heatmap"] },
  { name: "parcoords", traces: ["scatter", "bar", "box", "heatmap", "parcoords"] },
];

/**
 * Every trace type tunebook's own bundles draw: each type a figure builder in src/plots uses
 * (tests/plots/bundle.test.ts fails when a builder draws one that is missing here).
 */
export const BUNDLED_TRACE_TYPES: readonly string[] = PARTIAL_BUNDLES[PARTIAL_BUNDLES.length - 1]!.traces;

/**
 * plotly components the partial bundles leave out (no tunebook figure uses them): layout keys
 * that draw them, and the axis keys for range sliders and selectors. A figure that sets one gets
 * the full bundle.
 */
export const LEFT_OUT_LAYOUT_KEYS = ["updatemenus", "sliders", "images", "grid"] as const;
export const LEFT_OUT_AXIS_KEYS = ["rangeslider", "rangeselector"] as const;

/** The file of a partial bundle, from the package root. */
export function partialBundlePath(bundle: Exclude<PlotlyBundle, "full">): string {
  return `dist/plotly/plotly-${bundle}.min.js`;
}

/**
 * The trace types the figures draw (plotly draws a trace without `type` as `scatter`).
 *
 * @example
 * traceTypes([{ data: [{ x: [1], y: [2] }, { type: "bar", x: [1], y: [2] }], layout: {} }]); // Set {"scatter", "bar"}
 */
export function traceTypes(figures: Iterable<Figure>): Set<string> {
  const types = new Set<string>();
  for (const fig of figures) for (const t of fig.data) types.add(typeof t.type === "string" ? t.type : "scatter");
  return types;
}

function usesLeftOutComponent(fig: Figure): boolean {
  const layout = fig.layout as Record<string, unknown>;
  for (const key of LEFT_OUT_LAYOUT_KEYS) if (layout[key] !== undefined) return true;
  for (const [key, axis] of Object.entries(layout)) {
    if (!/^xaxis\d*$/.test(key) || typeof axis !== "object" || axis === null) continue;
    for (const k of LEFT_OUT_AXIS_KEYS) {
      const v = (axis as Record<string, unknown>)[k];
      if (v !== undefined && v !== false && !(typeof v === "object" && v !== null && (v as { visible?: unknown }).visible === false)) return true;
    }
  }
  return false;
}

/**
 * The smallest plotly.js bundle that draws every one of `figures`.
 *
 * @example
 * plotlyBundleFor([{ data: [{ type: "box", y: [1, 2] }], layout: {} }]); // "cartesian"
 * plotlyBundleFor([{ data: [{ type: "pie", values: [1, 2] }], layout: {} }]); // "full"
 */
export function plotlyBundleFor(figures: Iterable<Figure>): PlotlyBundle {
  const figs = [...figures];
  if (figs.some(usesLeftOutComponent)) return "full";
  const types = traceTypes(figs);
  for (const b of PARTIAL_BUNDLES) if ([...types].every((t) => b.traces.includes(t))) return b.name;
  return "full";
}

/**
 * Whether a page that has `loaded` can draw figures that need `needed`.
 *
 * @example
 * bundleCovers("full", "cartesian"); // true
 */
export function bundleCovers(loaded: PlotlyBundle, needed: PlotlyBundle): boolean {
  const order: PlotlyBundle[] = ["cartesian", "parcoords", "full"];
  return order.indexOf(loaded) >= order.indexOf(needed);
}
