/**
 * `tunebook plot <kind> <path> --out FILE.{png,svg,html} [--option value…]`: run the analysis
 * behind a figure kind on a study and write the figure (PNG/SVG through headless Chromium, HTML
 * self-contained). One subcommand per kind of the figure catalog (src/plots/catalog.ts), with its
 * analysis's options and its own figure options as flags — the names `tunebook analyze` and the
 * magics take (`--scientific`, `--seed`, `--trials`, `--hparam`, `--x`, `--y`, `--resamples`…).
 * `tunebook plot list` names every kind.
 */
import type { Command } from "commander";
import type { OptionDef } from "../../analysis/registry.js";
import { optionFlag, optionValue } from "../../analysis/registry.js";
import { figureEntries, type FigureKindEntry } from "../../plots/catalog.js";
import { type ExportFormat, formatFromPath, writeFigure } from "../../plots/export.js";
import { buildFigure } from "../../plots/figures.js";
import { loadStudy } from "../../study/load.js";
import type { Study } from "../../study/study.js";
import { TunebookError } from "../../study/types.js";
import { type InputOptions, addInputOptions, checkOutputPath, loadOptionsOf, parseIntOption } from "../options.js";
import { escapeTerminal, escapeTerminalBlock } from "../../core/terminal.js";

/** The most trial ids one figure takes (a curve per trial; more is unreadable and slow to draw). */
const MAX_TRIALS = 1000;

interface OutputOpts {
  out?: string;
  format?: string;
  width?: string;
  height?: string;
  scale?: string;
  title?: string;
}

function parseScale(v: string | undefined): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (!(n > 0 && n <= 8)) throw new TunebookError(`--scale must be a number in (0, 8], not "${v}"`);
  return n;
}

/** The list printed by `tunebook plot list`. */
export function plotList(): string {
  const kinds = figureEntries();
  const w = Math.max(...kinds.map((k) => k.kind.length));
  return kinds.map((k) => `${k.kind.padEnd(w)}  ${k.summary}`).join("\n");
}

/** The analysis options and the figure's own options of a kind, as the flags of its subcommand. */
function optionsOf(e: FigureKindEntry): { analysis: Array<[string, OptionDef<unknown>]>; figure: Array<[string, OptionDef<unknown>]> } {
  const analysis = Object.entries(e.analysis.options as Record<string, OptionDef<unknown>>);
  const figure = Object.entries((e.figure.options ?? {}) as Record<string, OptionDef<unknown>>).filter(([k]) => !analysis.some(([a]) => a === k));
  return { analysis, figure };
}

/** `--trials`: bounded, never empty, and ids the study lacks are a warning (an empty selection draws an empty figure). */
function checkTrials(study: Study, trials: string[] | undefined, text: string): string[] | undefined {
  if (trials === undefined) return undefined;
  if (trials.length === 0) throw new TunebookError(`--trials: no trial ids in "${escapeTerminal(text)}" (give comma-separated ids)`);
  if (trials.length > MAX_TRIALS) throw new TunebookError(`--trials: at most ${MAX_TRIALS} trial ids, not ${trials.length}`);
  const unknown = trials.filter((id) => study.trial(id) === undefined);
  if (unknown.length) {
    const some = study.trialIds().slice(0, 5).map((id) => JSON.stringify(id)).join(", ");
    const what = unknown.length === trials.length ? "none of the --trials is in the study: the figure is empty" : `--trials: ${unknown.length} of ${trials.length} not in the study, left out`;
    process.stderr.write(escapeTerminalBlock(`warning: ${what} (${unknown.slice(0, 5).map((id) => escapeTerminal(JSON.stringify(id))).join(", ")}${unknown.length > 5 ? ", …" : ""}; the study's trials include ${some})`) + "\n");
  }
  // The analysis sees only the trials the study has.
  return trials.filter((id) => study.trial(id) !== undefined);
}

function addKindCommand(plot: Command, e: FigureKindEntry): void {
  const cmd = plot.command(e.kind).description(e.summary).argument("<path>", "log file, folder, or storage URL");
  const { analysis, figure } = optionsOf(e);
  for (const [k, o] of analysis) {
    const d = o.default !== undefined && o.kind !== "flag" ? ` (default ${String(o.default)})` : "";
    cmd.option(o.kind === "flag" ? optionFlag(k) : `${optionFlag(k)} <value>`, `${e.analysis.name}: ${o.help}${d}`);
  }
  for (const [k, o] of figure) cmd.option(`${optionFlag(k)} <value>`, `figure: ${o.help}`);
  addInputOptions(cmd);
  cmd
    .option("-o, --out <file>", "output file (.png, .svg or .html)")
    .option("--format <fmt>", "png, svg or html (default: from --out's extension)")
    .option("--width <px>", "image width in pixels")
    .option("--height <px>", "image height in pixels")
    .option("--scale <k>", "pixel ratio for PNG (2 = sharper, twice the pixels)")
    .option("--title <text>", "figure title");
  cmd.action(async (path: string, opts: Record<string, unknown> & InputOptions & OutputOpts) => {
    if (!opts.out) throw new TunebookError(`tunebook plot ${e.kind} needs --out FILE.png, FILE.svg or FILE.html`);
    let format: ExportFormat;
    if (opts.format) {
      const f = opts.format.toLowerCase();
      if (f !== "png" && f !== "svg" && f !== "html") throw new TunebookError(`--format must be png, svg or html, not "${opts.format}"`);
      format = f;
    } else format = formatFromPath(opts.out);
    checkOutputPath("out", opts.out);
    const width = opts.width === undefined ? undefined : parseIntOption("width", opts.width, 0, 50, 10000);
    const height = opts.height === undefined ? undefined : parseIntOption("height", opts.height, 0, 50, 10000);
    const raw: Record<string, unknown> = {};
    for (const [k, o] of analysis) if (opts[k] !== undefined) raw[k] = optionValue(o, opts[k] as string | boolean);
    const own: Record<string, unknown> = {};
    for (const [k] of figure) if (opts[k] !== undefined) own[k] = opts[k];
    const study = await loadStudy(path, loadOptionsOf(opts));
    if ("trials" in raw) raw.trials = checkTrials(study, raw.trials as string[], String(opts.trials));
    // The one path every front end shares: the registry validates the options, runs the
    // analysis once and the catalog draws the figure from that result.
    const fig = buildFigure(e.kind, study, { analysis: raw, figure: own, title: opts.title, width, height });
    await writeFigure(fig, opts.out, { format, width, height, scale: parseScale(opts.scale) });
    process.stderr.write(`wrote ${escapeTerminal(opts.out)} (${e.kind}, ${format})\n`);
  });
}

export function register(program: Command): void {
  const plot = program
    .command("plot")
    .description("draw a figure of a study: tunebook plot <kind> <path> --out FILE.png|svg|html [--option value…] (tunebook plot list: every kind)")
    .addHelpText("after", `\nFigure kinds (tunebook plot <kind> --help: its options):\n${plotList().replace(/^/gm, "  ")}\n`);
  plot
    .command("list")
    .description("name every figure kind")
    .action(() => {
      process.stdout.write(plotList() + "\n");
    });
  for (const e of figureEntries()) addKindCommand(plot, e);
}
