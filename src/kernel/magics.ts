/**
 * The tunebook magics: each one a thin layer over the library. A magic parses its arguments,
 * calls the analysis (a pure function), builds the figure, and shows figure + findings.
 * Its return value can be kept with `as NAME` (e.g. `%isolation lr as iso`).
 */
import { resolve, relative } from "node:path";
import type { OptionSpec } from "./args.js";
import type { Magic, MagicContext } from "./magicTypes.js";
import { UsageError } from "./args.js";
import { FIGURE_MODES } from "./figures.js";
import type { FigureMode } from "../notebook/display.js";
import { didYouMean } from "../util/suggest.js";
import { findingsBundle, findingsText, summaryBundle, escapeHtml } from "./render.js";
import { tableBundle, } from "../notebook/display.js";
import type { Figure } from "../plots/theme.js";
import type { Finding } from "../analysis/finding.js";
import { Study } from "../study/study.js";
import { loadStudy, type FormatName } from "../study/load.js";
import { summarizeStudy } from "../study/summary.js";
import { TunebookError, type Direction } from "../study/types.js";
import type { ObjectiveBy } from "../analysis/common.js";
import { ANALYSES } from "../analysis/analyses.js";
import { type AnyAnalysis, type OptionDef, parseOptions } from "../analysis/registry.js";
import { drawFigures, figuresOfAnalysis } from "../plots/catalog.js";
import { algoperfMagic } from "./algoperfMagic.js";

export type { Magic, MagicContext } from "./magicTypes.js";

const STUDY_OPT: OptionSpec = { type: "value", help: "the study: a notebook variable name, $var or {expression} (default: the last %load)" };
const BY_OPT: OptionSpec = { type: "string", help: "per-trial objective: best (default) or final" };

function by(v: unknown): ObjectiveBy | undefined {
  if (v === undefined) return undefined;
  if (v === "best" || v === "final") return v;
  throw new UsageError(`--by must be "best" or "final", not ${JSON.stringify(v)}`);
}

function direction(v: unknown): Direction | undefined {
  if (v === undefined) return undefined;
  const l = String(v).toLowerCase();
  if (l === "min" || l === "minimize") return "minimize";
  if (l === "max" || l === "maximize") return "maximize";
  throw new UsageError(`--direction must be "minimize" or "maximize", not ${JSON.stringify(v)}`);
}

/** The study a magic works on: `--study` (a Study, or the name of a variable holding one), else the current one. */
export function resolveStudy(ctx: MagicContext, opt: unknown): Study {
  if (opt instanceof Study) return opt;
  if (opt === undefined) {
    const v = ctx.locals[ctx.runtime.current];
    if (v instanceof Study) return v;
    throw new UsageError(`no study loaded: run %load <path> first, or pass --study NAME`);
  }
  if (typeof opt === "string") {
    const v = ctx.locals[opt];
    if (v instanceof Study) return v;
    throw new UsageError(v === undefined ? `--study ${opt}: there is no notebook variable "${opt}"` : `--study ${opt}: the variable "${opt}" does not hold a study`);
  }
  throw new UsageError(`--study expects a study (a variable name, $var or {expression}), got a ${typeof opt}`);
}

/**
 * Every name must be a hyperparameter (or trial attribute) of the study; a typo gets a
 * "did you mean" instead of an empty figure.
 */
export function checkHparams(study: Study, names: readonly string[] | undefined, what = "hyperparameter"): void {
  if (!names?.length) return;
  const known = study.hparamSummaries().map((h) => h.name);
  const rows = study.trialRows();
  const has = (n: string) => known.includes(n) || rows.some((r) => r.attrs[n] !== undefined && r.attrs[n] !== null);
  for (const n of names) {
    if (!has(n)) throw new UsageError(`the study has no ${what} "${n}"${didYouMean(n, known)} (it has: ${known.join(", ") || "none"})`);
  }
}

/** Show figures then findings; returns the result so `as NAME` can keep it. */
async function showAnalysis<T extends { findings: Finding[] }>(ctx: MagicContext, result: T, figures: Figure[], title: string): Promise<T> {
  for (const f of figures) await ctx.showFigure(f);
  ctx.show(findingsBundle(result.findings, title));
  return result;
}

const opts = (o: Record<string, OptionSpec>): Record<string, OptionSpec> => o;

function magic(m: Magic): Magic {
  return m;
}

export const MAGICS: Record<string, Magic> = Object.create(null);

function register(...ms: Magic[]): void {
  for (const m of ms) MAGICS[m.name] = m;
}

register(
  magic({
    name: "lsmagic",
    kind: "line",
    summary: "list the magics",
    usage: "%lsmagic",
    description: "Lists every magic with a one-line summary. `%name?` shows a magic's help.",
    examples: ["%lsmagic"],
    args: { positional: [], required: 0, options: {} },
    run: (_a, ctx) => {
      ctx.show({ "text/plain": lsmagicText(MAGICS), "text/html": lsmagicHtml(MAGICS) });
    },
  }),

  magic({
    name: "config",
    kind: "line",
    summary: "kernel settings: figures=interactive|static|both",
    usage: "%config [figures=interactive|static|both]",
    description:
      "Without arguments, shows the settings. `figures` chooses what a figure output carries: `interactive` (plotly only, no browser needed), `static` (a PNG only: small notebooks, any viewer), or `both` (default: interactive where plotly.js runs, the PNG everywhere else — untrusted notebooks, GitHub, PDF). The default can also be set with the TUNEBOOK_FIGURES environment variable.",
    examples: ["%config", "%config figures=static", "%config figures both"],
    args: { positional: ["...setting"], required: 0, options: {} },
    run: (a, ctx) => {
      const figs = ctx.runtime.figures;
      const words = a.positional.map(String).join(" ").replace(/\s*=\s*/g, "=").trim();
      if (words) {
        const m = /^([\w-]+)(?:=|\s+)(\S+)$/.exec(words);
        if (!m) throw new UsageError(`write a setting as name=value, e.g. figures=static (not ${JSON.stringify(words)})`);
        const [, key, value] = m;
        if (key !== "figures") throw new UsageError(`unknown setting ${JSON.stringify(key)}${didYouMean(key!, ["figures"])}; settings: figures`);
        if (!(FIGURE_MODES as readonly string[]).includes(value!))
          throw new UsageError(`figures must be one of ${FIGURE_MODES.join(", ")}, not ${JSON.stringify(value)}${didYouMean(value!, FIGURE_MODES)}`);
        figs.mode = value as FigureMode;
        if (figs.mode !== "interactive") figs.warm();
      }
      const img = figs.mode === "interactive" ? "" : figs.imagesAvailable ? " (PNG by headless Chromium)" : " (no PNG: Chromium is not available)";
      ctx.print(`figures=${figs.mode}${img}`);
    },
  }),

  magic({
    name: "load",
    kind: "line",
    summary: "load trial logs into a study variable and show its summary",
    usage: "%load <path> [as NAME] [--format F] [--objective METRIC] [--direction min|max] [--study NAME] [--watch SECONDS]",
    description:
      "Loads a log file, folder or storage URL (format detected, or --format) into the notebook variable NAME (default `study`), which becomes the current study of the analysis magics. Paths are relative to the notebook's folder. --study picks one study of an Optuna storage (or MLflow experiment) that holds several. --watch N reloads every N seconds, updating the summary in place and the variable, until nothing has run or changed for two intervals (at least 10 s), or the stop button ends the watch (the cell then finishes and the variable keeps the last snapshot).",
    examples: ["%load datasets/deepcave_mnist/run_1", "%load runs/lr-sweep as sweep --objective valid/loss", "%load $path as s2", "%load study.db as optuna --study mlp-lr", "%load postgresql://tuner@db/optuna --study mlp-lr --watch 10"],
    args: {
      positional: ["path"],
      required: 1,
      options: opts({
        format: { type: "string", help: "log format (default: detected)", alias: "f" },
        objective: { type: "string", help: "objective metric" },
        direction: { type: "string", help: "minimize or maximize", alias: "d" },
        study: { type: "string", help: "which study of a storage that holds several (Optuna, MLflow)" },
        watch: { type: "string", help: "reload every N seconds until nothing has run or changed for 2N s (at least 10 s)" },
      }),
    },
    run: async (a, ctx) => {
      const path = a.positional[0];
      if (typeof path !== "string") throw new UsageError(`<path> must be text, got a ${typeof path}`);
      const options = { // as given: warnings then name the path the user wrote
        format: a.options.format as FormatName | undefined,
        objective: a.options.objective as string | undefined,
        direction: direction(a.options.direction),
        study: a.options.study as string | undefined,
      };
      const name = ctx.bind ?? "study";
      ctx.runtime.current = name;
      if (a.options.watch === undefined) {
        const study = await loadStudy(path, options);
        ctx.show(summaryBundle(summarizeStudy(study), name));
        return study;
      }
      const seconds = Number(a.options.watch);
      if (!(seconds > 0) || seconds > 86400) throw new UsageError(`--watch must be a number of seconds in (0, 86400], not ${JSON.stringify(a.options.watch)}`);
      const { watchStudy } = await import("../study/watch.js");
      const update = ctx.newDisplay();
      // The stop button ends the watch, not the cell: NAME keeps the last snapshot.
      return ctx.endOnInterrupt(async () => {
        let study: Study | undefined;
        for await (const s of watchStudy(path, options, { seconds, signal: ctx.signal })) {
          study = s;
          ctx.locals[name] = s; // the variable follows the study while the cell runs
          update(summaryBundle(summarizeStudy(s), name));
        }
        if (ctx.signal.aborted) ctx.print(`stopped watching (interrupted); ${name} holds the last snapshot shown above`);
        return study;
      });
    },
  }),

  magic({
    name: "review",
    kind: "line",
    summary: "the playbook's review of a study: every check, findings first",
    usage: "%review [--scientific H] [--study S]",
    description: "Runs the study review (axis, boundaries, infeasible regions, curves, checkpoints, variance) and lists what to act on.",
    examples: ["%review", "%review --scientific activation"],
    args: { positional: [], required: 0, options: opts({ scientific: { type: "string", help: "scientific hyperparameter" }, study: STUDY_OPT, by: BY_OPT }) },
    run: async (a, ctx) => {
      const study = resolveStudy(ctx, a.options.study);
      checkHparams(study, a.options.scientific ? [String(a.options.scientific)] : undefined, "scientific hyperparameter");
      const { review } = await import("../analysis/review.js");
      const r = review(study, { scientific: a.options.scientific as string | undefined, by: by(a.options.by) });
      ctx.show(findingsBundle(r.findings, `review of ${r.study}: ${r.ran.length} analyses ran${r.skipped.length ? `, ${r.skipped.length} did not apply (${r.skipped.join(", ")})` : ""}`, r.notChecked));
      return r;
    },
  }),

  magic({
    name: "space",
    kind: "cell",
    summary: "a search space in YAML or JSON, validated, stored in a variable",
    usage: "%%space [NAME]",
    description: "The cell body is a search space (YAML or JSON). It is validated and stored in the variable NAME (default `space`); errors name the line and field.",
    examples: ["%%space space\nparameters:\n  learning_rate: {type: float, low: 1e-4, high: 1e-1, scale: log}\n  activation: {type: categorical, values: [relu, tanh], role: scientific}"],
    args: { positional: [], required: 0, options: {} },
    run: async (_a, ctx, body) => {
      const { parseSpace } = await import("../space/parse.js");
      if (!body || !body.trim()) throw new UsageError("the cell is empty: write the search space (YAML or JSON) below %%space");
      const space = parseSpace(body, "%%space");
      const name = ctx.bind ?? "space";
      const rows = space.params.map((p) => ({
        name: p.name,
        type: p.type,
        role: p.role ?? "",
        range: "low" in p ? `${p.low} .. ${p.high} (${p.scale})` : "values" in p ? p.values.join(" | ") : "value" in p ? String(p.value) : "",
        condition: p.condition ? `${p.condition.parent} in [${p.condition.in.join(", ")}]` : "",
      }));
      ctx.show(tableBundle(rows, { caption: `search space → ${name} (${space.params.length} parameters)` }));
      return space;
    },
  }),

  magic({
    name: "run",
    kind: "line",
    summary: "run a study's training trials with live progress (interrupt to stop)",
    usage: "%run <study config> [as NAME] [--workers N] [--out DIR] [--resume]",
    description:
      "Runs the trials of a study config (YAML/JSON) in worker processes, stored in --out (default runs/<name>), with a progress line updated in place. The stop button interrupts the run (finished trials are kept; --resume finishes it). Afterwards the study is loaded into NAME (default `study`).",
    examples: ["%run examples/studies/command-demo.yaml --workers 2", "%run $config as demo --resume"],
    args: {
      positional: ["config"],
      required: 1,
      options: opts({
        workers: { type: "int", help: "parallel worker processes", alias: "w" },
        out: { type: "string", help: "study directory" },
        resume: { type: "flag", help: "finish an interrupted study" },
      }),
    },
    run: async (a, ctx) => {
      const { loadStudyConfig, runStudy, formatProgress } = await import("../runner/index.js");
      const file = a.positional[0];
      if (typeof file !== "string") throw new UsageError(`<study config> must be a file path, got a ${typeof file}`);
      const workers = a.options.workers as number | undefined;
      if (workers !== undefined && workers < 1) throw new UsageError(`--workers must be at least 1`);
      const config = loadStudyConfig(resolve(file));
      const dir = resolve((a.options.out as string | undefined) ?? `runs/${config.name.replace(/[^\w.-]+/g, "_")}`);
      const update = ctx.newDisplay();
      const show = (line: string, done = false) =>
        update({ "text/plain": line, "text/html": `<pre style="margin:0">${done ? "" : "⏳ "}${escapeHtml(line)}</pre>` });
      show(`starting ${config.name}: ${config.trials} trial(s)…`);
      let last = 0;
      const summary = await runStudy(config, {
        dir,
        workers,
        resume: a.options.resume === true,
        signal: ctx.signal,
        command: `%run ${file}`,
        onProgress: (p) => {
          const now = Date.now();
          // Throttle redraws; always draw trial completions.
          if (now - last < 200 && p.event?.status === "started") return;
          last = now;
          show(formatProgress(p));
        },
      });
      const s = summary.byStatus;
      show(
        `${summary.interrupted ? "interrupted" : "done"}: ${summary.ran} trial(s) run, ${summary.skipped} already done; ${s.complete} complete, ${s.diverged} diverged, ${s.failed} failed, ${s.oom} oom` +
          (summary.best ? `; best ${summary.best.value} (${summary.best.trial})` : "") +
          `\nstudy: ${relative(process.cwd(), summary.dir) || "."}`,
        true,
      );
      if (summary.interrupted || ctx.signal.aborted) throw new TunebookError(`interrupted: finished trials are kept in ${relative(process.cwd(), summary.dir) || "."}; rerun with --resume to finish the study`);
      const study = await loadStudy(summary.dir);
      const name = ctx.bind ?? "study";
      ctx.runtime.current = name;
      ctx.show(summaryBundle(summarizeStudy(study), name));
      return study;
    },
  }),

  magic({
    name: "report",
    kind: "line",
    summary: "write the self-contained HTML report of the current study",
    usage: "%report [--out FILE] [--study S]",
    description: "Runs every analysis and writes one self-contained HTML file (default report.html in the notebook's folder).",
    examples: ["%report", "%report --out reports/mnist.html"],
    args: { positional: [], required: 0, options: opts({ out: { type: "string", help: "output HTML file" }, study: STUDY_OPT }) },
    run: async (a, ctx) => {
      const study = resolveStudy(ctx, a.options.study);
      const { writeReport } = await import("../report/report.js");
      const out = resolve((a.options.out as string | undefined) ?? "report.html");
      const written = await writeReport(study, { out, command: `%report${a.options.out ? ` --out ${String(a.options.out)}` : ""}` });
      ctx.show({ "text/plain": `report written: ${written.join(", ")}`, "text/html": `<p>report written: ${written.map((w) => `<code>${escapeHtml(w)}</code>`).join(", ")}</p>` });
      return written[0];
    },
  }),
);
register(algoperfMagic);

/** `--min-repeats` for `minRepeats`: the CLI's spelling of an option, used by the magics too. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The magic of a registered analysis, generated from its definition: `%name [positional] [--option v]`
 * with the registry's option names, defaults and validation, showing the figures drawn from the
 * result (plots/catalog) and the findings; `as NAME` keeps the result.
 */
export function analysisMagic(a: AnyAnalysis): Magic {
  const options: Record<string, OptionSpec> = { study: STUDY_OPT };
  for (const [k, o] of Object.entries(a.options as Record<string, OptionDef<unknown>>)) {
    if (k === a.positional) continue;
    options[kebab(k)] = { type: o.kind, help: o.help + (o.default !== undefined && o.kind !== "flag" ? ` (default ${String(o.default)})` : "") };
  }
  const figureOptions = new Set<string>();
  for (const e of figuresOfAnalysis(a.name))
    for (const [k, o] of Object.entries(e.figure.options ?? {}) as Array<[string, OptionDef<unknown>]>)
      if (!(k in options)) (options[kebab(k)] = { type: o.kind, help: o.help }), figureOptions.add(k);
  const pos = a.positional ? (a.options as Record<string, OptionDef<unknown>>)[a.positional]! : undefined;
  const posName = a.positional ? kebab(a.positional) : undefined;
  const usage = `%${a.name}${posName ? (pos!.kind === "list" ? ` [${posName}…]` : ` [${posName}]`) : ""} [--study S]${Object.keys(options).filter((k) => k !== "study").map((k) => ` [--${k}${options[k]!.type === "flag" ? "" : " …"}]`).join("")}`;
  return magic({
    name: a.name,
    kind: "line",
    summary: a.summary,
    usage,
    description: `${a.summary}. Runs the ${a.name} analysis on the current study (or --study) with the same options and defaults as the review, the report and \`tunebook analyze ${a.name}\`, then shows its figures and findings.`,
    examples: [`%${a.name}`, `%${a.name} --study study as r`],
    args: { positional: posName ? [pos!.kind === "list" ? `...${posName}` : posName] : [], required: 0, options },
    run: async (args, ctx) => {
      const study = resolveStudy(ctx, args.options.study);
      const raw: Record<string, unknown> = {};
      const fig: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(args.options)) {
        if (k === "study") continue;
        const key = camel(k);
        if (figureOptions.has(key)) fig[key] = v;
        else raw[key] = v;
      }
      if (a.positional && args.positional.length) raw[a.positional] = pos!.kind === "list" ? args.positional.map(String) : String(args.positional[0]);
      const parsed = parseOptions(a, raw) as Record<string, unknown>;
      const applies = a.applies(study, parsed);
      if (applies !== true) throw new UsageError(`${a.name} does not apply to this study: ${applies}`);
      const r = a.run(study, parsed);
      const figures = drawFigures(a.name, r, study, parsed, { report: true, options: fig }).map((d) => d.figure);
      if (a.table) ctx.show(tableBundle(a.table(r), { caption: a.name }));
      return showAnalysis(ctx, r, figures, a.summary.split(":")[0]!);
    },
  });
}

register(...(ANALYSES as readonly AnyAnalysis[]).map(analysisMagic));

/** `%lsmagic` as text. */
export function lsmagicText(magics: Record<string, Magic>): string {
  const ms = Object.values(magics);
  const w = Math.max(...ms.map((m) => m.name.length)) + 2;
  const line = (m: Magic) => `  ${(m.kind === "cell" ? "%%" : "%") + m.name.padEnd(w)}${m.summary}`;
  return [
    "line magics:",
    ...ms.filter((m) => m.kind === "line").map(line),
    "cell magics:",
    ...ms.filter((m) => m.kind === "cell").map(line),
    "",
    "%name? shows a magic's help. Arguments take notebook values: $name or {expression}.",
  ].join("\n");
}

function lsmagicHtml(magics: Record<string, Magic>): string {
  const rows = Object.values(magics)
    .map((m) => `<tr><td><code>${m.kind === "cell" ? "%%" : "%"}${escapeHtml(m.name)}</code></td><td style="text-align:left">${escapeHtml(m.summary)}</td></tr>`)
    .join("\n");
  return `<table>${rows}</table><p><code>%name?</code> shows a magic's help. Arguments take notebook values: <code>$name</code> or <code>{expression}</code>.</p>`;
}

/** The help text of one magic (`%name?`). */
export function formatMagicHelp(m: Magic): string {
  const lines = [m.usage, "", m.summary + ".", m.description];
  const o = Object.entries(m.args.options);
  if (o.length) {
    lines.push("", "options:");
    const w = Math.max(...o.map(([k, s]) => k.length + (s.type === "flag" ? 0 : 4) + (s.alias ? 4 : 0)));
    for (const [k, s] of o) lines.push(`  ${`${s.alias ? `-${s.alias}, ` : ""}--${k}${s.type === "flag" ? "" : " <v>"}`.padEnd(w + 4)}${s.help}`);
  }
  lines.push("", "examples:", ...m.examples.map((e) => e.split("\n").map((l) => `  ${l}`).join("\n")));
  return lines.join("\n");
}

export { findingsText };
