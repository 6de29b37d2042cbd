import type { Direction } from "../study/types.js";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { escapeTerminal } from "../core/terminal.js";
import { TunebookError } from "../study/types.js";
import { type TextEncoding, parseEncoding } from "../study/formats/decode.js";

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
