/**
 * `tunebook analyze <analysis> <path> [--option value…] [--json] [-o FIGURE]`: run one registered
 * analysis (one subcommand per entry of the registry, with its options as flags) and print its
 * findings, or as JSON its findings, result and figures; `-o` writes its first figure.
 */
import type { Command } from "commander";
import { ANALYSES } from "../../analysis/analyses.js";
import { type AnyAnalysis, type OptionDef, optionFlag, optionValue, parseOptions } from "../../analysis/registry.js";
import { drawFigures, figuresOfAnalysis } from "../../plots/catalog.js";
import { formatFromPath, writeFigure } from "../../plots/export.js";
import { loadStudy } from "../../study/load.js";
import { TunebookError } from "../../study/types.js";
import { stringifyJson } from "../../util/fs.js";
import { type InputOptions, addInputOptions, loadOptionsOf, writeOut } from "../options.js";
import { formatFindings } from "./review.js";
import { escapeJsonForTerminal, escapeTerminal, escapeTerminalBlock } from "../../core/terminal.js";

/** Commander's camelCase key of a `--kebab-case` flag is the registry's option name. */
function addAnalysisCommand(parent: Command, a: AnyAnalysis): void {
  const cmd = parent.command(a.name).description(a.summary).argument("<path>", "log file or folder");
  const defs = a.options as Record<string, OptionDef<unknown>>;
  if (a.positional) cmd.argument(`[${a.positional}...]`, defs[a.positional]!.help);
  for (const [k, o] of Object.entries(defs)) {
    if (k === a.positional) continue;
    const flag = optionFlag(k);
    const d = o.default !== undefined && o.kind !== "flag" ? ` (default ${String(o.default)})` : "";
    cmd.option(o.kind === "flag" ? flag : `${flag} <value>`, o.help + d);
  }
  const figureOpts = new Map<string, OptionDef<unknown>>();
  for (const e of figuresOfAnalysis(a.name)) for (const [k, o] of Object.entries(e.figure.options ?? {}) as Array<[string, OptionDef<unknown>]>) if (!(k in defs) && !figureOpts.has(k)) figureOpts.set(k, o);
  for (const [k, o] of figureOpts) cmd.option(`${optionFlag(k)} <value>`, `figure: ${o.help}`);
  addInputOptions(cmd);
  cmd.option("-o, --out <file>", "write the analysis's first figure (.png, .svg or .html)");
  cmd.option("--json", "print { analysis, options, findings, result, figures } as JSON");
  cmd.action(async (path: string, ...rest: unknown[]) => {
    const positional = a.positional ? (rest[0] as string[] | undefined) : undefined;
    const opts = (a.positional ? rest[1] : rest[0]) as Record<string, unknown> & InputOptions & { out?: string; json?: boolean };
    const raw: Record<string, unknown> = {};
    for (const [k, o] of Object.entries(defs)) if (opts[k] !== undefined) raw[k] = optionValue(o, opts[k] as string | boolean);
    if (a.positional && positional?.length) raw[a.positional] = defs[a.positional]!.kind === "list" ? positional : positional[0];
    const fig: Record<string, unknown> = {};
    for (const k of figureOpts.keys()) if (opts[k] !== undefined) fig[k] = opts[k];
    const options = parseOptions(a, raw) as Record<string, unknown>;
    const study = await loadStudy(path, loadOptionsOf(opts));
    const applies = a.applies(study, options);
    if (applies !== true) throw new TunebookError(`${a.name} does not apply to ${path}: ${applies}`);
    const result = a.run(study, options);
    const figures = drawFigures(a.name, result, study, options, { report: true, options: fig });
    if (opts.out) {
      if (!figures.length) throw new TunebookError(`${a.name} has no figure to write for this study`);
      await writeFigure(figures[0]!.figure, opts.out, { format: formatFromPath(opts.out) });
      process.stderr.write(`wrote ${escapeTerminal(opts.out)} (${figures[0]!.kind})\n`);
    }
    if (opts.json) {
      await writeOut(escapeJsonForTerminal(stringifyJson({ analysis: a.name, options, findings: result.findings, result, figures }, 2)) + "\n");
      return;
    }
    await writeOut(escapeTerminalBlock(formatFindings(result.findings, escapeTerminal(`${study.name}: ${a.name} (${study.size} trials, objective ${study.objective.metric})`))) + "\n");
  });
}

export function register(program: Command): void {
  const analyze = program
    .command("analyze")
    .description("run one analysis of the registry on a study: tunebook analyze <analysis> <path> [--option value…] (tunebook analyze --help lists them)");
  for (const a of ANALYSES as readonly AnyAnalysis[]) addAnalysisCommand(analyze, a);
}
