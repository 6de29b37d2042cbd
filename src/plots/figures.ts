/**
 * Figures by kind: `buildFigure(kind, study, options)` runs the kind's analysis once (options
 * validated by the registry, the same defaults as the review) and draws its result with the
 * catalog's builder (./catalog.ts). The CLI's `tunebook plot`, the gallery and the benchmarks use
 * it; the report and the magics draw the results they already have through `drawFigures`.
 */
import { parseOptions } from "../analysis/registry.js";
import { TunebookError } from "../core/errors.js";
import type { Study } from "../study/study.js";
import { drawFigures, figureEntries, figureEntry } from "./catalog.js";
import { type Figure, applyOptions } from "./theme.js";

/** Options of {@link buildFigure}: the figure's own, the common ones, and any option of its analysis. */
export interface BuildOptions {
  /** One hyperparameter (axis, boundaries, infeasible, slice). */
  hparam?: string;
  /** The scientific hyperparameter (isolation, and boundaries per scientific value). */
  scientific?: string;
  /** Contour axes. */
  x?: string;
  y?: string;
  /** Curves: the trials to draw (default: up to 12, best first). */
  trials?: string[];
  /** Seed for resampling analyses (default 0, as in the review). */
  seed?: number;
  /** Options of the kind's analysis by their registry names (e.g. `{ resamples: 1000 }`). */
  analysis?: Record<string, unknown>;
  /** The figure's own options by their catalog names (e.g. `{ hparam: "learning_rate" }`); unknown ones are an error. */
  figure?: Record<string, unknown>;
  title?: string;
  width?: number;
  height?: number;
}

/** A figure kind name (see {@link figureKinds}; tests/plots/cli.test.ts checks this list against the catalog). */
export type FigureKind =
  | "axis"
  | "isolation"
  | "boundaries"
  | "infeasible"
  | "bootstrap"
  | "trial-variance"
  | "importance"
  | "fanova"
  | "partial-dependence"
  | "curves"
  | "clipping"
  | "checkpoints"
  | "lr-sweep"
  | "warmup"
  | "batch-size"
  | "parallel"
  | "slice"
  | "contour";

export interface FigureEntry {
  /** One line: what the figure shows. */
  describe: string;
  build(study: Study, options?: BuildOptions): Figure;
}

/**
 * Run the analysis behind `kind` on `study` and draw it.
 *
 * @example
 * const fig = buildFigure("isolation", study, { scientific: "activation" });
 */
export function buildFigure(kind: string, study: Study, options: BuildOptions = {}): Figure {
  const e = figureEntry(kind);
  const a = e.analysis;
  const raw: Record<string, unknown> = { ...options.analysis };
  if (options.seed !== undefined && "seed" in a.options) raw.seed = options.seed;
  if (options.scientific !== undefined && "scientific" in a.options) raw.scientific = [options.scientific];
  if (options.trials !== undefined && "trials" in a.options) raw.trials = options.trials;
  const parsed = parseOptions(a, raw) as Record<string, unknown>;
  const applies = a.applies(study, parsed);
  if (applies !== true) throw new TunebookError(`${kind}: ${applies}`);
  const result = a.run(study, parsed);
  const own: Record<string, unknown> = { ...options.figure };
  for (const k of ["hparam", "x", "y"] as const) if (options[k] !== undefined) own[k] = options[k];
  const known = Object.keys(e.figure.options ?? {});
  for (const k of Object.keys(own))
    if (own[k] !== undefined && !known.includes(k)) throw new TunebookError(`${kind} figure: unknown option ${k} (options: ${known.join(", ") || "none"})`);
  const drawn = drawFigures(a.name, result, study, parsed, { kinds: [kind], options: own });
  if (!drawn.length) throw new TunebookError(`${kind}: nothing to draw for this study (the ${a.name} analysis found no ${kind} data)`);
  return applyOptions(drawn[0]!.figure, { title: options.title, width: options.width, height: options.height });
}

/** Every figure kind: `FIGURES[kind].build(study, options)` (see {@link buildFigure}). */
export const FIGURES = Object.fromEntries(
  figureEntries().map((e) => [e.kind, { describe: e.summary, build: (study: Study, options: BuildOptions = {}) => buildFigure(e.kind, study, options) }]),
) as Record<FigureKind, FigureEntry>;

/**
 * Names of every figure kind, in registry order.
 *
 * @example
 * figureKinds().includes("lr-sweep"); // true
 */
export function figureKinds(): FigureKind[] {
  return figureEntries().map((e) => e.kind) as FigureKind[];
}
