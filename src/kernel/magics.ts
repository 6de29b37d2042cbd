/**
 * The tunebook magics: each one a thin layer over the library. A magic parses its arguments,
 * calls the analysis (a pure function), builds the figure, and shows figure + findings.
 * Its return value can be kept with `as NAME` (e.g. `%isolation lr as iso`).
 */
import { resolve, relative } from "node:path";
import type { ArgSpec, OptionSpec, ParsedArgs } from "./args.js";
import { UsageError } from "./args.js";
import type { MagicRuntime } from "./runtime.js";
import { FIGURE_MODES } from "./figures.js";
import type { FigureMode } from "../notebook/display.js";
import { didYouMean } from "../util/suggest.js";
import { findingsBundle, findingsText, summaryBundle, escapeHtml } from "./render.js";
import { tableBundle, type MimeBundle } from "../notebook/display.js";
import type { Figure } from "../plots/theme.js";
import type { Finding } from "../analysis/finding.js";
import { Study } from "../study/study.js";
import { loadStudy, type FormatName } from "../study/load.js";
import { summarizeStudy } from "../study/summary.js";
import { TunebookError, type Direction } from "../study/types.js";
import type { ObjectiveBy } from "../analysis/common.js";
import { algoperfMagic } from "./algoperfMagic.js";

/** What a magic gets besides its arguments. */
export interface MagicContext {
  /** The notebook's variables (tslab's exports object). */
  locals: Record<string, unknown>;
  /** Aborted when the user interrupts the cell. */
  signal: AbortSignal;
  /** `as NAME` (or the magic's default binding), when the result is stored in a variable. */
  bind?: string;
  runtime: MagicRuntime;
  show(bundle: MimeBundle): void;
  /** Show a figure (views per `%config figures=…`, with its static image). */
  showFigure(fig: Figure): Promise<void>;
  /** A display that can be updated in place (update_display_data with a display_id). */
  newDisplay(): (bundle: MimeBundle) => void;
  print(text: string): void;
}

export interface Magic {
  name: string;
  kind: "line" | "cell";
  summary: string;
  usage: string;
  description: string;
  examples: string[];
  args: ArgSpec;
  run(args: ParsedArgs, ctx: MagicContext, body?: string): Promise<unknown> | unknown;
}

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
      "Loads a log file, folder or storage URL (format detected, or --format) into the notebook variable NAME (default `study`), which becomes the current study of the analysis magics. Paths are relative to the notebook's folder. --study picks one study of an Optuna storage (or MLflow experiment) that holds several. --watch N reloads every N seconds, updating the summary in place and the variable, until no trial is running at two loads in a row or the cell is interrupted.",
    examples: ["%load datasets/deepcave_mnist/run_1", "%load runs/lr-sweep as sweep --objective valid/loss", "%load $path as s2", "%load study.db as optuna --study mlp-lr", "%load postgresql://tuner@db/optuna --study mlp-lr --watch 10"],
    args: {
      positional: ["path"],
      required: 1,
      options: opts({
        format: { type: "string", help: "log format (default: detected)", alias: "f" },
        objective: { type: "string", help: "objective metric", alias: "o" },
        direction: { type: "string", help: "minimize or maximize", alias: "d" },
        study: { type: "string", help: "which study of a storage that holds several (Optuna, MLflow)" },
        watch: { type: "string", help: "reload every N seconds until no trial is running" },
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
      let study: Study | undefined;
      for await (const s of watchStudy(path, options, { seconds, signal: ctx.signal })) {
        study = s;
        ctx.locals[name] = s; // the variable follows the study while the cell runs
        update(summaryBundle(summarizeStudy(s), name));
      }
      return study;
    },
  }),

  magic({
    name: "axis",
    kind: "line",
    summary: "basic hyperparameter axis plots: objective vs each hyperparameter",
    usage: "%axis [hparam…] [--study S] [--by best|final]",
    description: "Every trial's objective against each hyperparameter (or the ones named), infeasible trials shown as red X (never dropped).",
    examples: ["%axis", "%axis learning_rate dropout_rate", "%axis --study sweep"],
    args: { positional: ["...hparam"], required: 0, options: opts({ study: STUDY_OPT, by: BY_OPT }) },
    run: async (a, ctx) => {
      const { axisPlotData } = await import("../analysis/axis.js");
      const study = resolveStudy(ctx, a.options.study);
      checkHparams(study, a.positional.map(String));
      const r = axisPlotData(study, { hparams: a.positional.length ? a.positional.map(String) : undefined, by: by(a.options.by) });
      const { axisFigure } = await import("../plots/axis.js");
      return showAnalysis(ctx, r, [axisFigure(r)], "axis plot findings");
    },
  }),

  magic({
    name: "isolation",
    kind: "line",
    summary: "isolation plot: best trial per value of a scientific hyperparameter",
    usage: "%isolation <scientific> [--nuisance a,b] [--buckets N] [--bootstrap N] [--study S] [--by best|final]",
    description:
      "For each value (or bucket) of the scientific hyperparameter, the best trial over the nuisance hyperparameters (default: all other varying ones). --bootstrap N adds a seeded bootstrap interval per value and says whether the winner beats the noise.",
    examples: ["%isolation activation", "%isolation model --nuisance learning_rate,dropout_rate --bootstrap 500", "%isolation $sci --study sweep"],
    args: {
      positional: ["scientific"],
      required: 1,
      options: opts({
        nuisance: { type: "list", help: "nuisance hyperparameters, comma-separated" },
        buckets: { type: "int", help: "buckets for a continuous scientific hyperparameter (default 8)" },
        bootstrap: { type: "int", help: "bootstrap resamples for an interval per value" },
        seed: { type: "int", help: "bootstrap seed (default 1)" },
        study: STUDY_OPT,
        by: BY_OPT,
      }),
    },
    run: async (a, ctx) => {
      const { isolation } = await import("../analysis/isolation.js");
      const study = resolveStudy(ctx, a.options.study);
      const scientific = String(a.positional[0]);
      // A trial attribute works too (e.g. AlgoPerf's `submission`): isolation() accepts both.
      checkHparams(study, [scientific]);
      checkHparams(study, a.options.nuisance as string[] | undefined, "nuisance hyperparameter");
      const resamples = a.options.bootstrap as number | undefined;
      const r = isolation(study, {
        scientific,
        nuisance: a.options.nuisance as string[] | undefined,
        buckets: a.options.buckets as number | undefined,
        bootstrap: resamples ? { resamples, seed: (a.options.seed as number | undefined) ?? 1 } : undefined,
        by: by(a.options.by),
      });
      const { isolationFigure } = await import("../plots/isolation.js");
      return showAnalysis(ctx, r, [isolationFigure(r)], `isolation of ${scientific}`);
    },
  }),

  magic({
    name: "boundaries",
    kind: "line",
    summary: "bad search-space boundaries: best trials near an edge of a range",
    usage: "%boundaries [--scientific H] [--top K] [--band F] [--study S]",
    description: "Checks each numeric hyperparameter for best trials crowding an edge of its range (so the optimum may lie outside), and for mostly-infeasible regions.",
    examples: ["%boundaries", "%boundaries --scientific activation --band 0.1"],
    args: {
      positional: [],
      required: 0,
      options: opts({
        scientific: { type: "string", help: "also check within each value of this scientific hyperparameter" },
        top: { type: "int", help: "how many best trials to look at" },
        band: { type: "number", help: "edge band as a fraction of the range (default 0.1)" },
        study: STUDY_OPT,
        by: BY_OPT,
      }),
    },
    run: async (a, ctx) => {
      const { boundaries } = await import("../analysis/boundaries.js");
      const study = resolveStudy(ctx, a.options.study);
      checkHparams(study, a.options.scientific ? [String(a.options.scientific)] : undefined, "scientific hyperparameter");
      const r = boundaries(study, {
        perScientific: a.options.scientific as string | undefined,
        topK: a.options.top as number | undefined,
        band: a.options.band as number | undefined,
        by: by(a.options.by),
      });
      const { boundaryFigure } = await import("../plots/boundaries.js");
      const { axisPlotData } = await import("../analysis/axis.js");
      return showAnalysis(ctx, r, [boundaryFigure(r, axisPlotData(study, { by: by(a.options.by) }))], "search-space boundaries");
    },
  }),

  magic({
    name: "bootstrap",
    kind: "line",
    summary: "study variance: distribution of the best of N trials (box plots per budget)",
    usage: "%bootstrap [--budgets 1,5,20] [--resamples N] [--seed S] [--study S]",
    description: "How the best result of a study of N trials would vary if it were rerun, exactly from order statistics and by seeded resampling; says how many trials reach the study best within tolerance.",
    examples: ["%bootstrap", "%bootstrap --budgets 1,5,10,50 --resamples 2000"],
    args: {
      positional: [],
      required: 0,
      options: opts({
        budgets: { type: "numbers", help: "budgets N, comma-separated" },
        resamples: { type: "int", help: "Monte-Carlo resamples per budget (default 1000)" },
        seed: { type: "int", help: "seed (default 1)" },
        probability: { type: "number", help: "probability the budget must reach (default 0.9)" },
        study: STUDY_OPT,
        by: BY_OPT,
      }),
    },
    run: async (a, ctx) => {
      const { bestOfNBootstrap } = await import("../analysis/bootstrap.js");
      const study = resolveStudy(ctx, a.options.study);
      const budgets = a.options.budgets as number[] | undefined;
      if (budgets?.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`--budgets must be positive integers, not ${budgets.join(",")}`);
      const r = bestOfNBootstrap(study, {
        budgets,
        resamples: a.options.resamples as number | undefined,
        seed: (a.options.seed as number | undefined) ?? 1,
        probability: a.options.probability as number | undefined,
        by: by(a.options.by),
        keepSamples: true,
      });
      const { bootstrapFigure } = await import("../plots/bootstrap.js");
      return showAnalysis(ctx, r, [bootstrapFigure(r)], "study variance (best of N)");
    },
  }),

  magic({
    name: "curves",
    kind: "line",
    summary: "training-curve diagnostics (overfitting, noise, still improving, saturated, diverged)",
    usage: "%curves [trial…] [--train METRIC] [--validation METRIC] [--study S]",
    description: "Diagnoses the training curves of every trial (or the ones named) and summarises the problems over the study.",
    examples: ["%curves", "%curves trial-000003 trial-000007", "%curves --validation valid/loss"],
    args: {
      positional: ["...trial"],
      required: 0,
      options: opts({
        train: { type: "string", help: "training metric (default: guessed from names)" },
        validation: { type: "string", help: "validation metric (default: the objective)" },
        study: STUDY_OPT,
      }),
    },
    run: async (a, ctx) => {
      const { curveDiagnostics } = await import("../analysis/curves.js");
      const study = resolveStudy(ctx, a.options.study);
      const trials = a.positional.length ? a.positional.map(String) : undefined;
      if (trials) {
        const ids = new Set(study.trialRows().map((r) => r.id));
        const missing = trials.filter((t) => !ids.has(t));
        if (missing.length) throw new UsageError(`no trial ${missing.map((m) => JSON.stringify(m)).join(", ")} in the study`);
      }
      const r = curveDiagnostics(study, { trials, trainMetric: a.options.train as string | undefined, validationMetric: a.options.validation as string | undefined });
      // The figure draws the named trials, else up to 12 (best first), with the diagnoses at their steps.
      const { buildFigure } = await import("../plots/figures.js");
      const figures = r.roles.train || r.roles.validation ? [buildFigure("curves", study, { trials })] : [];
      return showAnalysis(ctx, r, figures, "training-curve diagnostics");
    },
  }),

  magic({
    name: "clipping",
    kind: "line",
    summary: "gradient clipping: norms vs step, histogram, the 90th-percentile threshold",
    usage: "%clipping [--metric M] [--quantile Q] [--threshold T] [--study S]",
    description: "Reads logged gradient norms, proposes a clipping threshold at the 90th percentile, and warns when more than half of the updates would be clipped.",
    examples: ["%clipping", "%clipping --quantile 0.95"],
    args: {
      positional: [],
      required: 0,
      options: opts({
        metric: { type: "string", help: "metric with the gradient norms (default: grad_norm)" },
        quantile: { type: "number", help: "quantile for the threshold (default 0.9)" },
        threshold: { type: "number", help: "evaluate this threshold instead" },
        study: STUDY_OPT,
      }),
    },
    run: async (a, ctx) => {
      const { gradientClipping } = await import("../analysis/clipping.js");
      const study = resolveStudy(ctx, a.options.study);
      const { resolveMetricRoles } = await import("../analysis/metricRoles.js");
      const { clippingFigure } = await import("../plots/clipping.js");
      const metric = (a.options.metric as string | undefined) ?? resolveMetricRoles(study.metrics(), study.objective).gradNorm;
      if (!metric || !study.metrics().includes(metric))
        throw new UsageError(`${metric ? `no metric "${metric}"` : "no gradient-norm metric (grad_norm…)"} in the study; it has: ${study.metrics().join(", ") || "no metrics"} (pass --metric)`);
      const series = study
        .trialIds()
        .map((id) => {
          const c = study.curve(id, metric);
          return { trial: id, steps: c.steps, norms: c.values };
        })
        .filter((x) => x.steps.length > 0);
      const r = gradientClipping(series, { metric, quantile: a.options.quantile as number | undefined, threshold: a.options.threshold as number | undefined });
      return showAnalysis(ctx, r, [clippingFigure(r, series)], "gradient clipping");
    },
  }),

  magic({
    name: "checkpoints",
    kind: "line",
    summary: "retrospective checkpoint selection: where each trial reached its best step",
    usage: "%checkpoints [--metric M] [--study S]",
    description: "The best step of each trial: best steps in the first 10% of training mean steps can be cut; in the last 25%, training may benefit from more steps.",
    examples: ["%checkpoints", "%checkpoints --metric valid/accuracy"],
    args: { positional: [], required: 0, options: opts({ metric: { type: "string", help: "metric to select on (default: the objective)" }, study: STUDY_OPT }) },
    run: async (a, ctx) => {
      const { checkpointSelection } = await import("../analysis/checkpoints.js");
      const study = resolveStudy(ctx, a.options.study);
      const r = checkpointSelection(study, { metric: a.options.metric as string | undefined });
      const { checkpointsFigure } = await import("../plots/checkpoints.js");
      return showAnalysis(ctx, r, [checkpointsFigure(r)], "checkpoint selection");
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
