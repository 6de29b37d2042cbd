/**
 * Study config: the one file that says what a study runs (YAML or JSON), validated at the edge
 * with messages that name the file and the field.
 *
 * ```yaml
 * name: mnist-lr
 * objective: { metric: validation/accuracy, direction: maximize }
 * space: spaces/mnist.yaml            # or the space inline
 * sampler: halton                      # halton | random | grid | bo
 * bo: { warmStart: runs/explore, acquisition: ei }   # bo only: exploitation after exploration
 * seed: 0
 * trials: 16
 * workers: 2
 * trainer:
 *   type: command                      # or: tfjs (with `config:` a TrainConfig)
 *   command: [python3, train.py, --lr, "{learning_rate}"]
 *   timeout: 600                       # seconds per trial
 *   unused: [seed]                     # hyperparameters deliberately not on the command line
 * ```
 *
 * The schema is strict: an unknown key is an error that suggests the nearest known one, every
 * `{placeholder}` must name a hyperparameter of the space, and every hyperparameter must appear in
 * the command or be listed under `unused` (a typo can no longer train every trial at the script's
 * default while distinct values are recorded).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument, parse as parseYaml, isMap, isSeq, type Node as YamlNode } from "yaml";
import { z } from "zod";
import { TunebookError } from "../study/types.js";
import { parseSpace } from "../space/parse.js";
import { didYouMean } from "../util/suggest.js";

/** More trials than this is a typo (`trials: 1e9`), not a study: the runner refuses it up front. */
export const MAX_TRIALS = 1_000_000;

const objectiveSchema = z.strictObject({
  metric: z.string().min(1),
  direction: z.enum(["minimize", "maximize"]),
});

const commandTrainer = z.strictObject({
  type: z.literal("command"),
  /** argv as a list, or a string split on whitespace (quotes group words); never run through a shell. */
  command: z.union([z.array(z.string()).min(1), z.string().min(1)]),
  /** Per-trial timeout in seconds (0 = none). */
  timeout: z.number().nonnegative().default(0),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  /**
   * Hyperparameters deliberately absent from the command line: the trainer reads them from
   * TUNEBOOK_HPARAMS, or they only label the trial. Every other one must have a {placeholder}.
   */
  unused: z.array(z.string()).default([]),
});

const tfjsTrainer = z.strictObject({
  type: z.literal("tfjs"),
  /** A TrainConfig (see src/train): the base that each trial's hyperparameters override. */
  config: z.record(z.string(), z.unknown()).default({}),
});

export const studyConfigSchema = z.strictObject({
  name: z.string().min(1),
  objective: objectiveSchema,
  /** Inline search space, or a path to a space file relative to the config. */
  space: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  /**
   * An explicit list of trials instead of a sampler: each entry is one trial's hyperparameters
   * (e.g. the warmup sweep of `warmupPlan`, or a hand-picked comparison). `trials` defaults to its length.
   */
  points: z.array(z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]))).min(1).optional(),
  sampler: z.enum(["halton", "random", "grid", "bo"]).default("halton"),
  /** `sampler: bo` options: Gaussian-process Bayesian optimization (see src/space/bo.ts). */
  bo: z
    .object({
      /** Study folder(s), relative to the config, whose trials are observations from the start (e.g. the exploration study). */
      warmStart: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
      acquisition: z.enum(["ei", "ucb"]).optional(),
      kappa: z.number().positive().optional(),
      /** Feasible observations needed before the model is used (Halton points until then). */
      initial: z.number().int().nonnegative().optional(),
    })
    .strict()
    .optional(),
  seed: z.number().int().nonnegative().default(0),
  scramble: z.boolean().default(true),
  trials: z.number().int().positive().max(MAX_TRIALS, `at most ${MAX_TRIALS.toLocaleString("en")} trials per study (split a bigger one into studies)`).optional(),
  workers: z.number().int().positive().optional(),
  notes: z.string().optional(),
  trainer: z.discriminatedUnion("type", [commandTrainer, tfjsTrainer]),
});

export type StudyConfig = Omit<z.infer<typeof studyConfigSchema>, "trials"> & {
  /** Number of trials (the length of `points` when those are given). */
  trials: number;
  /** Absolute folder the config came from: relative paths (space, cwd) resolve against it. */
  baseDir: string;
  /** The resolved search-space object (inline or read from the file). */
  spaceObject: unknown;
  /** The config file, when the config came from one. */
  file?: string;
};

/** The keys each object of the config allows, for "did you mean" hints. */
function allowedKeys(path: ReadonlyArray<PropertyKey>, raw: unknown): string[] | undefined {
  const key = path.map(String).join(".");
  if (key === "") return Object.keys(studyConfigSchema.shape);
  if (key === "objective") return Object.keys(objectiveSchema.shape);
  if (key === "bo") return ["warmStart", "acquisition", "kappa", "initial"];
  if (key === "trainer") {
    const type = (raw as { trainer?: { type?: unknown } })?.trainer?.type;
    return Object.keys((type === "tfjs" ? tfjsTrainer : commandTrainer).shape);
  }
  return undefined;
}

/** "did you mean" for a misspelt name, else the list of known names. */
function hint(name: string, known: readonly string[]): string {
  if (known.length === 0) return "";
  return didYouMean(name, known, { quote: true, form: "aside" }) || ` (known: ${known.join(", ")})`;
}

/** Where a field is in the config file: its line, when the config came from YAML/JSON text. */
export type Locator = (path: ReadonlyArray<PropertyKey>) => number | undefined;

/** Validate a config object; `file` is only used in messages, `locate` adds line numbers. */
export function parseStudyConfig(raw: unknown, file = "<config>", baseDir = process.cwd(), locate: Locator = () => undefined): StudyConfig {
  const fail = (message: string, path: ReadonlyArray<PropertyKey>): never => {
    throw new TunebookError(message, file, locate(path), path.map(String).join(".") || undefined);
  };
  const r = studyConfigSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : "";
    if (first.code === "unrecognized_keys") {
      const bad = first.keys[0]!;
      const known = allowedKeys(first.path, raw) ?? [];
      fail(`unknown key "${bad}"${hint(bad, known)}${more}`, [...first.path, bad]);
    }
    fail(`${first.message}${more}`, first.path);
  }
  const cfg = r.data!;
  if (cfg.space === undefined && cfg.points === undefined) fail("give a search space (space:) or a list of trials (points:)", ["space"]);
  const trials = cfg.trials ?? cfg.points?.length;
  if (trials === undefined) fail("the number of trials is required with a search space", ["trials"]);
  if (cfg.points && trials! > cfg.points.length) fail(`${trials} trials asked for but only ${cfg.points.length} points given`, ["trials"]);
  let spaceObject: unknown = cfg.space;
  let spaceFile = file;
  if (typeof cfg.space === "string") {
    spaceFile = resolve(baseDir, cfg.space);
    spaceObject = readStructured(spaceFile, cfg.space);
  }
  if (cfg.trainer.type === "command") {
    const names = hyperparameterNames(spaceObject, cfg.points, spaceFile);
    checkPlaceholders(cfg.trainer.command, cfg.trainer.unused, names, fail);
  }
  return { ...cfg, trials: trials!, baseDir, spaceObject, file: file === "<config>" ? undefined : file };
}

/** The names of the study's hyperparameters: the space's parameters, or the keys of `points`. */
function hyperparameterNames(spaceObject: unknown, points: Array<Record<string, unknown>> | undefined, file: string): string[] {
  if (spaceObject !== undefined) return parseSpace(spaceObject, file).params.map((p) => p.name);
  const names = new Set<string>();
  for (const p of points ?? []) for (const k of Object.keys(p)) names.add(k);
  return [...names];
}

/** `{name}` placeholders of a command template, in order. */
export function placeholders(command: string | string[]): string[] {
  const words = typeof command === "string" ? [command] : command;
  const out: string[] = [];
  for (const w of words) for (const m of w.matchAll(/\{([A-Za-z_][\w.-]*)\}/g)) out.push(m[1]!);
  return out;
}

/**
 * Every placeholder names a hyperparameter; every hyperparameter is on the command line or
 * listed under `unused`.
 */
function checkPlaceholders(command: string | string[], unused: string[], names: string[], fail: (m: string, path: PropertyKey[]) => never): void {
  const known = new Set(names);
  const used = new Set<string>();
  const words = typeof command === "string" ? [command] : command;
  words.forEach((w, i) => {
    for (const m of w.matchAll(/\{([A-Za-z_][\w.-]*)\}/g)) {
      const name = m[1]!;
      if (!known.has(name)) fail(`placeholder {${name}} names no hyperparameter of the study${hint(name, names)}`, ["trainer", "command", ...(typeof command === "string" ? [] : [i])]);
      used.add(name);
    }
  });
  unused.forEach((name, i) => {
    if (!known.has(name)) fail(`"${name}" is not a hyperparameter of the study${hint(name, names)}`, ["trainer", "unused", i]);
    if (used.has(name)) fail(`"${name}" is listed as unused but the command uses {${name}}`, ["trainer", "unused", i]);
  });
  const missing = names.filter((n) => !used.has(n) && !unused.includes(n));
  if (missing.length)
    fail(
      `hyperparameter${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")} never reach${missing.length > 1 ? "" : "es"} the command: add {${missing[0]}} to it, or list ${missing.length > 1 ? "them" : "it"} under trainer.unused when the trainer reads TUNEBOOK_HPARAMS or ignores ${missing.length > 1 ? "them" : "it"}`,
      ["trainer", "command"],
    );
}

/**
 * Read a study config from a YAML or JSON file.
 *
 * @example
 * const cfg = loadStudyConfig("examples/studies/command-demo.yaml");
 * cfg.trials; // 16
 */
export function loadStudyConfig(path: string): StudyConfig {
  const abs = resolve(path);
  const { data, locate } = readStructuredLocated(abs, path);
  return parseStudyConfig(data, path, dirname(abs), locate);
}

/** Parse YAML/JSON text keeping where each node is, so errors can name the line of a field. */
function readStructuredLocated(abs: string, shown: string): { data: unknown; locate: Locator } {
  const data = readStructured(abs, shown);
  let text = "";
  try {
    text = readFileSync(abs, "utf8");
  } catch {
    return { data, locate: () => undefined };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines }); // JSON is YAML: one locator for both
  const locate: Locator = (path) => {
    // The deepest node on the path that exists: a missing field points at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true)) as YamlNode | undefined;
      if (node && typeof node === "object" && "range" in node && node.range) {
        // For a map entry, the key's line is where the user wrote the field.
        if (n > 0) {
          const parent = (n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1) as unknown[], true)) as unknown;
          if (isMap(parent)) {
            const pair = parent.items.find((it) => String((it.key as { value?: unknown })?.value ?? it.key) === String(path[n - 1]));
            const kr = (pair?.key as YamlNode | undefined)?.range;
            if (kr) return lines.linePos(kr[0]).line;
          } else if (isSeq(parent)) return lines.linePos(node.range[0]).line;
        }
        return lines.linePos(node.range[0]).line;
      }
    }
    return undefined;
  };
  return { data, locate };
}

/** Parse a YAML/JSON file with a clear error naming the file and line. */
export function readStructured(abs: string, shown = abs): unknown {
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch {
    throw new TunebookError("cannot read the file", shown);
  }
  if (text.trim() === "") throw new TunebookError("the file is empty", shown);
  try {
    if (/\.json$/i.test(abs)) return JSON.parse(text);
    return parseYaml(text, { prettyErrors: true });
  } catch (e) {
    const err = e as { linePos?: Array<{ line: number }>; message: string };
    const line = err.linePos?.[0]?.line;
    throw new TunebookError(`not valid ${/\.json$/i.test(abs) ? "JSON" : "YAML"}: ${err.message.split("\n")[0]}`, shown, line);
  }
}
