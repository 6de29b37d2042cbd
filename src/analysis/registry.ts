/**
 * One definition per analysis: its name, a one-line summary, its options (one schema, validated
 * once), whether it applies to a study (and why not), and `run`, which returns a typed result with
 * findings. The review, the report, the kernel magics, the CLI and the figure list all iterate
 * {@link ANALYSES} (./analyses.ts), so the same study and options give the same numbers everywhere.
 *
 * ## How to add an analysis
 *
 * 1. Write the pure function in `src/analysis/<name>.ts` (study or arrays in, a result with
 *    `findings` out; it never draws or prints), and at the bottom of the same module its definition:
 *
 *    ```ts
 *    export const fooAnalysis = defineAnalysis({
 *      name: "foo",                                  // the word the playbook uses, camelCase
 *      summary: "one line: what it answers",
 *      positional: "hparam",                         // optional: the option a bare argument fills
 *      options: {
 *        by: commonOptions.by,                       // shared options keep one meaning everywhere
 *        hparam: option.string("the hyperparameter to look at"),
 *        top: option.int("how many best trials", { default: 5, min: 1 }),
 *      },
 *      applies: (study, o) => (study.size >= 10 ? true : "needs at least 10 trials"),
 *      run: (study, o) => foo(study, o),
 *    });
 *    ```
 *    Option names are the flags: `--top 3` on the command line (`tunebook analyze foo PATH --top 3`)
 *    and in the kernel (`%foo --top 3`), `{ analysis: { foo: { top: 3 } } }` in `review()`.
 * 2. Add one line to `ANALYSES` in `./analyses.ts` (the order there is the review's order).
 * 3. Test the function on real data in `tests/…/<name>.test.ts`.
 *
 * A figure for it (optional) is drawn in plots/ from the result: add the builder to
 * `src/plots/<name>.ts` and one entry to `ANALYSIS_FIGURES` in `src/plots/catalog.ts`. Nothing else
 * changes: `review`, `%foo`, `tunebook analyze foo`, `tunebook plot`, the report and the
 * consistency test (tests/registry/consistency.test.ts) pick it up from the registry.
 */
import { z } from "zod";
import { TunebookError } from "../core/errors.js";
import type { Finding } from "../core/findings.js";
import type { Study } from "../study/study.js";
import { didYouMean } from "../util/suggest.js";

/** How an option is written on a command line or in a magic (the parser converts the text). */
export type OptionKind = "string" | "number" | "int" | "list" | "numbers" | "flag";

/** One option of an analysis: its schema (with its default) and its help line. */
export interface OptionDef<T> {
  kind: OptionKind;
  help: string;
  schema: z.ZodType<T>;
  /** The default, shown in help (undefined: the analysis decides, or the option is off). */
  default?: T;
}

type Bounds = { min?: number; max?: number };

function numberSchema(kind: "number" | "int", b: Bounds): z.ZodNumber {
  let s = kind === "int" ? z.number().int() : z.number();
  if (b.min !== undefined) s = s.min(b.min);
  if (b.max !== undefined) s = s.max(b.max);
  return s;
}

function make<T>(kind: OptionKind, help: string, base: z.ZodType<T>, dflt: T | undefined): OptionDef<T> {
  return { kind, help, schema: (dflt === undefined ? base.optional() : base.default(dflt as never)) as z.ZodType<T>, default: dflt };
}

/**
 * Option constructors. With `{ default }` the option always has a value in `run`; without, it is
 * `T | undefined`.
 *
 * @example
 * option.int("bootstrap resamples", { default: 500, min: 1 });
 * option.choice(["best", "final"], "per-trial objective", { default: "best" });
 */
export const option = {
  string(help: string, o: { default?: string } = {}) {
    return make<string>("string", help, z.string(), o.default) as OptionDef<string | undefined>;
  },
  int: ((help: string, o: Bounds & { default?: number } = {}) => make<number>("int", help, numberSchema("int", o), o.default)) as {
    (help: string, o: Bounds & { default: number }): OptionDef<number>;
    (help: string, o?: Bounds): OptionDef<number | undefined>;
  },
  number: ((help: string, o: Bounds & { default?: number } = {}) => make<number>("number", help, numberSchema("number", o), o.default)) as {
    (help: string, o: Bounds & { default: number }): OptionDef<number>;
    (help: string, o?: Bounds): OptionDef<number | undefined>;
  },
  list(help: string) {
    return make<string[]>("list", help, z.array(z.string()), undefined) as OptionDef<string[] | undefined>;
  },
  numbers(help: string, o: Bounds & { int?: boolean } = {}) {
    return make<number[]>("numbers", help, z.array(numberSchema(o.int ? "int" : "number", o)), undefined) as OptionDef<number[] | undefined>;
  },
  flag(help: string) {
    return make<boolean>("flag", help, z.boolean(), false) as OptionDef<boolean>;
  },
  choice: (<const C extends string>(values: readonly C[], help: string, o: { default?: C } = {}) =>
    make<C>("string", `${help} (${values.join(" | ")})`, z.enum(values as unknown as [C, ...C[]]), o.default)) as {
    <const C extends string>(values: readonly C[], help: string, o: { default: C }): OptionDef<C>;
    <const C extends string>(values: readonly C[], help: string, o?: object): OptionDef<C | undefined>;
  },
};

/**
 * Options shared by many analyses, with one meaning and one default everywhere (review, report,
 * magics, CLI): the per-trial objective, the scientific hyperparameter and the resampling seed/count.
 */
export const commonOptions = {
  by: option.choice(["best", "final"], "per-trial objective: its best value over training or its final one", { default: "best" }),
  scientific: option.string("the scientific hyperparameter to compare (default: categorical ones with 2–10 values)"),
  seed: option.int("seed of the resampling", { default: 0 }),
  resamples: option.int("bootstrap resamples", { default: 500, min: 1 }),
};

/** The defaults of {@link commonOptions} (for functions that take one of them but are no analysis of their own). */
export const commonDefaults = optionDefaults(commonOptions);

type OptionShape = Record<string, OptionDef<unknown>>;

/** The parsed options of a definition: each option's value type (defaults filled in). */
export type OptionsOf<S extends OptionShape> = { [K in keyof S]: S[K] extends OptionDef<infer T> ? T : never };

/** `true` when the analysis can run on a study, else the reason it cannot (shown to the user). */
export type Applies = true | string;

/** What every analysis result has. */
export interface AnalysisResult {
  findings: Finding[];
}

/** An analysis as the tools see it (see the module comment for how to write one). */
export interface AnalysisDefinition<S extends OptionShape = OptionShape, R extends AnalysisResult = AnalysisResult> {
  name: string;
  summary: string;
  options: S;
  /** The option a bare (positional) argument fills in magics and on the command line. */
  positional?: keyof S & string;
  /** Can it run on this study? `true`, or why not (the review lists it as skipped with the reason). */
  applies(study: Study, options: OptionsOf<S>): Applies;
  run(study: Study, options: OptionsOf<S>): R;
  /** Rows for a table of the result (the notebook shows it under the figures). */
  table?(result: R): Array<Record<string, unknown>>;
}

/** Any definition, with its option and result types erased (what the registry holds). */
// biome-ignore lint: the registry holds definitions of every option shape and result type.
export type AnyAnalysis = AnalysisDefinition<any, any>;

/**
 * Declare an analysis. Returns the definition unchanged; the types of `options` flow into
 * `applies` and `run`.
 *
 * @example
 * export const checkpointsAnalysis = defineAnalysis({
 *   name: "checkpoints", summary: "where each trial reached its best step",
 *   options: { metric: option.string("metric to select on (default: the objective)") },
 *   applies: (s) => (s.metrics().includes(s.objective.metric) ? true : "no curve of the objective"),
 *   run: (s, o) => checkpointSelection(s, o),
 * });
 */
export function defineAnalysis<const N extends string, S extends OptionShape, R extends AnalysisResult>(def: AnalysisDefinition<S, R> & { name: N }): AnalysisDefinition<S, R> & { name: N } {
  if (def.positional !== undefined && !(def.positional in def.options)) throw new Error(`analysis ${def.name}: positional "${def.positional}" is not one of its options`);
  return def;
}

const schemas = new WeakMap<AnyAnalysis, z.ZodType>();

function schemaOf(def: AnyAnalysis): z.ZodType {
  let s = schemas.get(def);
  if (!s) {
    const shape: Record<string, z.ZodType> = {};
    for (const [k, o] of Object.entries(def.options as OptionShape)) shape[k] = o.schema;
    s = z.strictObject(shape);
    schemas.set(def, s);
  }
  return s;
}

/**
 * The values `run` gets when no option is given: each option's default (undefined where the
 * analysis decides from the data). An analysis module reads its direct call's defaults from here,
 * so the function called directly and the registry (review, report, magics, CLI) share one default.
 *
 * @example
 * const DEFAULTS = optionDefaults({ resamples: commonOptions.resamples, bins: option.int("bins") });
 * DEFAULTS.resamples; // 500
 * DEFAULTS.bins; // undefined
 */
export function optionDefaults<S extends OptionShape>(options: S): OptionsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(options)) out[k] = o.default;
  return out as OptionsOf<S>;
}

/** `--kebab-case` of an option name, as the CLI writes it. */
export function optionFlag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Validate options for an analysis once: unknown names (with a did-you-mean), wrong types and out
 * of range values are a {@link TunebookError}; defaults are filled in. `undefined` values count as
 * not given.
 *
 * @example
 * parseOptions(isolationAnalysis, { scientific: "activation" }).resamples; // 500
 * parseOptions(isolationAnalysis, { resample: 10 }); // TunebookError: isolation: unknown option resample (did you mean resamples?)
 */
export function parseOptions<S extends OptionShape>(def: AnalysisDefinition<S, AnalysisResult>, raw: Record<string, unknown> = {}): OptionsOf<S> {
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) given[k] = v;
  const known = Object.keys(def.options);
  for (const k of Object.keys(given))
    if (!known.includes(k)) throw new TunebookError(`${def.name}: unknown option ${k}${didYouMean(k, known, { form: "aside" })} (options: ${known.join(", ") || "none"})`);
  const r = schemaOf(def as AnyAnalysis).safeParse(given);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = String(issue.path[0] ?? "");
    throw new TunebookError(`${def.name}: option ${key}: ${issue.message.replace(/^Invalid input: /, "")} (got ${JSON.stringify(given[key])})`);
  }
  return r.data as OptionsOf<S>;
}

/**
 * Convert an option's text (command line, magic) to its value by its kind.
 *
 * @example
 * optionValue(option.numbers("budgets"), "1,5,20"); // [1, 5, 20]
 */
export function optionValue(def: OptionDef<unknown>, text: string | boolean): unknown {
  if (def.kind === "flag") return text === true || text === "true";
  const s = String(text);
  switch (def.kind) {
    case "int":
    case "number": {
      const n = Number(s);
      return s.trim() === "" || Number.isNaN(n) ? s : n;
    }
    case "list":
      return s.split(",").map((x) => x.trim()).filter(Boolean);
    case "numbers":
      return s.split(",").map((x) => x.trim()).filter(Boolean).map((x) => (Number.isNaN(Number(x)) ? x : Number(x)));
    default:
      return s;
  }
}
