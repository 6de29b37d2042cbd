import type { Direction } from "../study/types.js";
import { TunebookError } from "../study/types.js";
import { type TextEncoding, parseEncoding } from "../study/formats/decode.js";

export function parseDirection(v: string | undefined): Direction | undefined {
  if (v === undefined) return undefined;
  const l = v.toLowerCase();
  if (l === "min" || l === "minimize") return "minimize";
  if (l === "max" || l === "maximize") return "maximize";
  throw new TunebookError(`--direction must be "minimize" or "maximize", not "${v}"`);
}

/** Parse an integer option with a clear message. */
export function parseIntOption(name: string, v: string | undefined, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new TunebookError(`--${name} must be an integer ≥ ${min}, not "${v}"`);
  return n;
}

/** `--encoding` of the commands that load logs (see src/study/formats/decode.ts). */
export function parseEncodingOption(v: string | undefined): TextEncoding | undefined {
  return v === undefined ? undefined : parseEncoding(v);
}

/** The option line every loading command shares. */
export const ENCODING_HELP = "text encoding of the logs: utf-8 (default, strict), latin1, utf-16 (a byte-order mark is detected)";
