/**
 * `tunebook plot <kind> <path> --out FILE.{png,svg,html}`: run the analysis for a figure kind on
 * a study and write the figure (PNG/SVG through headless Chromium, HTML self-contained).
 * `tunebook plot list` names every kind.
 */
import type { Command } from "commander";
import { type ExportFormat, formatFromPath, writeFigure } from "../../plots/export.js";
import { FIGURES, buildFigure, figureKinds } from "../../plots/figures.js";
import { loadStudy, type FormatName } from "../../study/load.js";
import { TunebookError } from "../../study/types.js";
import { checkOutputPath, parseEncodingOption, ENCODING_HELP, parseDirection, parseIntOption } from "../options.js";
import { escapeTerminal, escapeTerminalBlock } from "../../core/terminal.js";

/** The most trial ids one figure takes (a curve per trial; more is unreadable and slow to draw). */
const MAX_TRIALS = 1000;

interface PlotOpts {
  out?: string;
  format?: string;
  logFormat?: string;
  encoding?: string;
  objective?: string;
  direction?: string;
  hparam?: string;
  scientific?: string;
  x?: string;
  y?: string;
  trials?: string;
  seed?: string;
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
  const w = Math.max(...figureKinds().map((k) => k.length));
  return figureKinds().map((k) => `${k.padEnd(w)}  ${FIGURES[k].describe}`).join("\n");
}

export function register(program: Command): void {
  program
    .command("plot")
    .description("draw a figure of a study: tunebook plot <kind> <path> --out FILE.png|svg|html (tunebook plot list: every kind)")
    .argument("<kind>", "figure kind, or `list`")
    .argument("[path]", "log file or folder")
    .option("-o, --out <file>", "output file (.png, .svg or .html)")
    .option("--format <fmt>", "png, svg or html (default: from --out's extension)")
    .option("--log-format <format>", "log format of <path> (default: detected)")
    .option("--objective <metric>", "objective metric")
    .option("-d, --direction <dir>", "minimize or maximize")
    .option("--hparam <name>", "one hyperparameter (axis, boundaries, infeasible, slice)")
    .option("--scientific <name>", "scientific hyperparameter (isolation)")
    .option("--x <name>", "x hyperparameter (contour)")
    .option("--y <name>", "y hyperparameter (contour)")
    .option("--trials <ids>", "comma-separated trial ids (curves, clipping)")
    .option("--encoding <name>", ENCODING_HELP)
    .option("--seed <n>", "seed for resampling (default 0)")
    .option("--width <px>", "image width in pixels")
    .option("--height <px>", "image height in pixels")
    .option("--scale <k>", "pixel ratio for PNG (2 = sharper, twice the pixels)")
    .option("--title <text>", "figure title")
    .addHelpText("after", `\nFigure kinds:\n${plotList().replace(/^/gm, "  ")}\n`)
    .action(async (kind: string, path: string | undefined, opts: PlotOpts) => {
      if (kind === "list") {
        process.stdout.write(plotList() + "\n");
        return;
      }
      if (!Object.hasOwn(FIGURES, kind)) throw new TunebookError(`unknown figure kind "${kind}" (known: ${figureKinds().join(", ")}; see tunebook plot list)`);
      if (!path) throw new TunebookError(`tunebook plot ${kind} needs a <path> to the trial logs`);
      if (!opts.out) throw new TunebookError(`tunebook plot ${kind} needs --out FILE.png, FILE.svg or FILE.html`);
      let format: ExportFormat;
      if (opts.format) {
        const f = opts.format.toLowerCase();
        if (f !== "png" && f !== "svg" && f !== "html") throw new TunebookError(`--format must be png, svg or html, not "${opts.format}"`);
        format = f;
      } else format = formatFromPath(opts.out);
      checkOutputPath("out", opts.out);
      const width = opts.width === undefined ? undefined : parseIntOption("width", opts.width, 0, 50, 10000);
      const height = opts.height === undefined ? undefined : parseIntOption("height", opts.height, 0, 50, 10000);
      const trials = opts.trials === undefined ? undefined : opts.trials.split(",").map((s) => s.trim()).filter(Boolean);
      if (trials !== undefined && trials.length === 0) throw new TunebookError(`--trials: no trial ids in "${escapeTerminal(opts.trials ?? "")}" (give comma-separated ids)`);
      if (trials !== undefined && trials.length > MAX_TRIALS) throw new TunebookError(`--trials: at most ${MAX_TRIALS} trial ids, not ${trials.length}`);
      const study = await loadStudy(path, { format: opts.logFormat as FormatName | undefined, objective: opts.objective, direction: parseDirection(opts.direction), encoding: parseEncodingOption(opts.encoding) });
      if (trials) {
        // An empty selection draws an empty figure: say so, with ids the study does have.
        const unknown = trials.filter((id) => study.trial(id) === undefined);
        if (unknown.length) {
          const some = study.trialIds().slice(0, 5).map((id) => JSON.stringify(id)).join(", ");
          const what = unknown.length === trials.length ? "none of the --trials is in the study: the figure is empty" : `--trials: ${unknown.length} of ${trials.length} not in the study, left out`;
          process.stderr.write(escapeTerminalBlock(`warning: ${what} (${unknown.slice(0, 5).map((id) => escapeTerminal(JSON.stringify(id))).join(", ")}${unknown.length > 5 ? ", …" : ""}; the study's trials include ${some})`) + "\n");
        }
      }
      const fig = buildFigure(kind, study, {
        hparam: opts.hparam,
        scientific: opts.scientific,
        x: opts.x,
        y: opts.y,
        // Unknown ids were warned about above; the analysis sees only the trials the study has.
        trials: trials?.filter((id) => study.trial(id) !== undefined),
        seed: opts.seed === undefined ? undefined : parseIntOption("seed", opts.seed, 0, 0, 2 ** 32 - 1),
        title: opts.title,
        width,
        height,
      });
      await writeFigure(fig, opts.out, { format, width, height, scale: parseScale(opts.scale) });
      process.stderr.write(`wrote ${escapeTerminal(opts.out)} (${kind}, ${format})\n`);
    });
}
