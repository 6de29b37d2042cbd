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
 * ```
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { TunebookError } from "../study/types.js";

const objectiveSchema = z.object({
  metric: z.string().min(1),
  direction: z.enum(["minimize", "maximize"]),
});

const commandTrainer = z.object({
  type: z.literal("command"),
  /** argv as a list, or a string split on whitespace (quotes group words); never run through a shell. */
  command: z.union([z.array(z.string()).min(1), z.string().min(1)]),
  /** Per-trial timeout in seconds (0 = none). */
  timeout: z.number().nonnegative().default(0),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
});

const tfjsTrainer = z.object({
  type: z.literal("tfjs"),
  /** A TrainConfig (see src/train): the base that each trial's hyperparameters override. */
  config: z.record(z.string(), z.unknown()).default({}),
});

export const studyConfigSchema = z.object({
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
  trials: z.number().int().positive().optional(),
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

/** Validate a config object; `file` is only used in messages. */
export function parseStudyConfig(raw: unknown, file = "<config>", baseDir = process.cwd()): StudyConfig {
  const r = studyConfigSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const field = first.path.join(".") || undefined;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : "";
    throw new TunebookError(`${first.message}${more}`, file, undefined, field);
  }
  const cfg = r.data;
  if (cfg.space === undefined && cfg.points === undefined) throw new TunebookError("give a search space (space:) or a list of trials (points:)", file, undefined, "space");
  const trials = cfg.trials ?? cfg.points?.length;
  if (trials === undefined) throw new TunebookError("the number of trials is required with a search space", file, undefined, "trials");
  if (cfg.points && trials > cfg.points.length) throw new TunebookError(`${trials} trials asked for but only ${cfg.points.length} points given`, file, undefined, "trials");
  let spaceObject: unknown = cfg.space;
  if (typeof cfg.space === "string") {
    const path = resolve(baseDir, cfg.space);
    spaceObject = readStructured(path);
  }
  return { ...cfg, trials, baseDir, spaceObject, file: file === "<config>" ? undefined : file };
}

/**
 * Read a study config from a YAML or JSON file.
 *
 * @example
 * const cfg = loadStudyConfig("examples/studies/command-demo.yaml");
 * cfg.trials; // 8
 */
export function loadStudyConfig(path: string): StudyConfig {
  const abs = resolve(path);
  return parseStudyConfig(readStructured(abs, path), path, dirname(abs));
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
