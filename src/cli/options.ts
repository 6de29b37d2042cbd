/**
 * The CLI's one option vocabulary, shared by every command (and, for analysis options, by the
 * kernel magics, which take the same names):
 *
 * | flag | meaning |
 * |---|---|
 * | `-o, --out <file>` | the file a command writes (figure, report) |
 * | `-f, --log-format <name>` | the log format of the input (default: detected) |
 * | `--objective <metric>` | the objective metric (no short flag: `-o` is always `--out`) |
 * | `-d, --direction <dir>` | minimize or maximize |
 * | `--format <fmt>` | the format of what is written (png/svg/html, html/md, csv/json) |
 * | `--<analysis option>` | an analysis's option by its registry name in kebab-case (`--min-repeats 3`) |
 */
import { type Command, Option } from "commander";
import { FORMAT_NAMES, type FormatName, type LoadOptions, isFormatName } from "../study/load.js";
import type { Direction } from "../study/types.js";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { escapeTerminal } from "../core/terminal.js";
import { TunebookError } from "../study/types.js";
import { type TextEncoding, parseEncoding } from "../study/formats/decode.js";
import { didYouMean } from "../util/suggest.js";

export function parseDirection(v: string | undefined): Direction | undefined {
  if (v === undefined) return undefined;
  const l = v.toLowerCase();
  if (l === "min" || l === "minimize") return "minimize";
  if (l === "max" || l === "maximize") return "maximize";
  throw new TunebookError(`--direction must be "minimize" or "maximize", not "${v}"`);
}

/**
 * Parse an integer option with a clear message; `max` bounds what the command can do at all
 * (`space sample --n 1e9` would need gigabytes before printing the first trial).
 *
 * @example
 * parseIntOption("n", "20", 10, 1, 1e7); // 20
 */
export function parseIntOption(name: string, v: string | undefined, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  const n = Number(v.trim() === "" ? NaN : v);
  if (!Number.isInteger(n) || n < min) throw new TunebookError(`--${name} must be an integer ≥ ${min}, not "${escapeTerminal(v)}"`);
  if (n > max) throw new TunebookError(`--${name} must be at most ${max.toLocaleString("en-US")}, not ${v}`);
  return n;
}

/** What {@link addInputOptions} adds to a command's options. */
export interface InputOptions {
  logFormat?: string;
  objective?: string;
  direction?: string;
  encoding?: string;
}

/**
 * Add the input options (`-f, --log-format`, `--objective`, `-d, --direction`, `--encoding`) to a command.
 * `legacyFormat` also accepts `--format` for the log format (hidden; commands that write no file).
 */
export function addInputOptions(cmd: Command, legacyFormat = false): Command {
  cmd
    .option("-f, --log-format <format>", `log format of <path> (default: detected; one of ${FORMAT_NAMES.join(", ")})`)
    .option("--objective <metric>", "objective metric (an Optuna multi-objective study: a name or index)")
    .option("-d, --direction <dir>", "minimize or maximize (default: from the log or the metric's name)")
    .option("--encoding <name>", ENCODING_HELP);
  if (legacyFormat) cmd.addOption(new Option("--format <format>", "same as --log-format").hideHelp());
  return cmd;
}

/**
 * The loadStudy options from {@link addInputOptions}' flags, validated.
 *
 * @example
 * loadOptionsOf({ logFormat: "csv", direction: "max" }); // { format: "csv", direction: "maximize" }
 */
export function loadOptionsOf(opts: InputOptions & { format?: string }, legacyFormat = false): LoadOptions {
  const f = opts.logFormat ?? (legacyFormat ? opts.format : undefined);
  if (f !== undefined && !isFormatName(f)) throw new TunebookError(`--log-format: unknown format "${f}"${didYouMean(f, FORMAT_NAMES, { form: "aside" })} (known: ${FORMAT_NAMES.join(", ")})`);
  return { format: f as FormatName | undefined, objective: opts.objective, direction: parseDirection(opts.direction), encoding: parseEncodingOption(opts.encoding) };
}

/**
 * Write to stdout and wait until it is handed to the OS: the CLI exits right after a command, and
 * a large JSON document on a pipe would otherwise be cut off.
 */
export function writeOut(text: string): Promise<void> {
  return new Promise((done, fail) => process.stdout.write(text, (err) => (err ? fail(err) : done())));
}

/**
 * Check an output path before anything is written: its folder must exist. tunebook creates no
 * folder the user did not name (`report --out /nonexistent/dir/r.html` used to create
 * `/nonexistent` at the filesystem root); only folders inside the output it was asked to write.
 *
 * @example
 * checkOutputPath("out", "report.html"); // ok: "." exists
 */
export function checkOutputPath(flag: string, path: string): void {
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new TunebookError(`--${flag}: the folder ${JSON.stringify(dirname(path))} does not exist; create it first (tunebook creates no folders outside the output you name)`);
  }
  if (!st.isDirectory()) throw new TunebookError(`--${flag}: ${JSON.stringify(dirname(path))} is not a folder`);
  if (existsSync(path) && statSync(path).isDirectory() && !/[\\/]$/.test(path) && flag !== "out-dir")
    throw new TunebookError(`--${flag}: ${JSON.stringify(path)} is a folder; give a file name`);
}

/** `--encoding` of the commands that load logs (see src/study/formats/decode.ts). */
export function parseEncodingOption(v: string | undefined): TextEncoding | undefined {
  return v === undefined ? undefined : parseEncoding(v);
}

/** The option line every loading command shares. */
export const ENCODING_HELP = "text encoding of the logs: utf-8 (default, strict), latin1, utf-16 (a byte-order mark is detected)";
