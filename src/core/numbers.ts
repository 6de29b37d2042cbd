/**
 * Numbers as written: the one rule every loader (and the runner, reading a trainer's output) uses
 * to decide whether a piece of text is a number. A value is a number only when it is written as
 * one; nothing is coerced.
 *
 * - A decimal: optional sign, digits with an optional fraction, optional exponent
 *   (`12`, `-0.25`, `.5`, `3.`, `1e-5`, `+2.5E+3`), whitespace around it allowed.
 * - The non-finite spellings ML logs use, in any letter case: `nan`, `-nan`, `+nan`, `inf`,
 *   `+inf`, `-inf`, `infinity`, `+infinity`, `-infinity` (NaN and ±Infinity are first-class values).
 *
 * Not numbers (each gets its own reason from {@link whyNotNumber}): booleans, hexadecimal /
 * octal / binary literals (`0x10`), decimal commas (`1,5`), digit separators (`1_000`, `1 000`),
 * and anything else `Number()` would accept by accident (`""`, `" "`, `"0x"`).
 */

// Decimal grammar, checked before Number() so that "0x10", "0b1", "" and "Infinity"-like
// words never get Number()'s lenient reading.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const NON_FINITE: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  nan: NaN,
  "-nan": NaN,
  "+nan": NaN,
  inf: Infinity,
  "+inf": Infinity,
  infinity: Infinity,
  "+infinity": Infinity,
  "-inf": -Infinity,
  "-infinity": -Infinity,
});

/**
 * The number `text` spells, or undefined when it does not spell one (see the module comment).
 *
 * @example
 * numberAsWritten("1e-3"); // 0.001
 * numberAsWritten("NaN"); // NaN
 * numberAsWritten("0x10"); // undefined
 * numberAsWritten("1,5"); // undefined
 */
export function numberAsWritten(text: string): number | undefined {
  let s = text;
  // Trim only when needed: most cells have no spaces, and trim() allocates.
  const c0 = s.charCodeAt(0);
  const c1 = s.charCodeAt(s.length - 1);
  if (c0 <= 32 || c1 <= 32 || c0 >= 0x7f || c1 >= 0x7f) s = s.trim();
  if (s.length === 0) return undefined;
  // Number() is the fast, correctly rounded reader; it also accepts forms that are not decimals
  // ("0x10", "0b1", "0o7", "Infinity"), which are turned away around it.
  const n = Number(s);
  if (n === n && n !== Infinity && n !== -Infinity) {
    if (s.charCodeAt(0) === 48 /* 0 */ && s.length > 1) {
      const b = s.charCodeAt(1) | 32;
      if (b === 120 /* x */ || b === 98 /* b */ || b === 111 /* o */) return undefined;
    }
    return n;
  }
  if (DECIMAL.test(s)) return Number(s); // a decimal too large for a double (1e400) is ±Infinity
  if (s.length <= 9) {
    const v = NON_FINITE[s.toLowerCase()];
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * A number from a loaded value: a JSON number as it is, a string by {@link numberAsWritten};
 * undefined for anything else (booleans, null, arrays, objects).
 *
 * @example
 * numberFrom(0.5); // 0.5
 * numberFrom("-Infinity"); // -Infinity
 * numberFrom(true); // undefined
 */
export function numberFrom(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string") return numberAsWritten(v);
  return undefined;
}

/**
 * True when `v` spells a decimal too large for a double (`1e400`, `-2e308`): {@link numberFrom}
 * reads it as ±Infinity, as IEEE 754 rounding says, and the loader warns that it overflowed.
 * A number passed in counts as overflowed when it is ±Infinity: use this only on numbers that
 * JSON.parse produced (JSON has no Infinity literal, so there ±Infinity can only be an overflow).
 * Infinity spelled out (`inf`, `Infinity`) is a value, never an overflow.
 *
 * @example
 * overflowed("1e400"); // true
 * overflowed("-inf"); // false
 * overflowed(JSON.parse("1e400")); // true
 */
export function overflowed(v: unknown): boolean {
  if (typeof v === "number") return v === Infinity || v === -Infinity;
  if (typeof v !== "string") return false;
  const s = v.trim();
  return DECIMAL.test(s) && !Number.isFinite(Number(s));
}

/**
 * The warning text for a value that {@link overflowed}: what was written and what it became.
 *
 * @example
 * overflowMessage("1e400"); // 'found "1e400": too large for a double (beyond ±1.8e308); read as Infinity'
 */
export function overflowMessage(v: unknown): string {
  const n = typeof v === "number" ? v : Number(String(v).trim());
  const shown = typeof v === "string" ? `found ${quoteForMessage(v)}: ` : "";
  return `${shown}a number too large for a double (beyond ±1.8e308); read as ${n > 0 ? "Infinity" : "-Infinity"}`;
}

/**
 * The one rule for steps that tunebook itself writes and reads back (the runner's measurement
 * lines, a study folder's `trials/*.jsonl`): a step is a non-negative safe integer.
 *
 * @example
 * isStep(0); // true
 * isStep(-7); // false
 * isStep(1.5); // false
 */
export function isStep(n: number | undefined): n is number {
  return n !== undefined && Number.isSafeInteger(n) && n >= 0;
}

/**
 * Why a raw step value breaks {@link isStep}, for a message: `must be a non-negative integer, not -7`.
 *
 * @example
 * whyNotStep(-7); // "must be a non-negative integer, not -7"
 * whyNotStep("0x10"); // 'must be a non-negative integer, not "0x10" (found "0x10": a hexadecimal literal is not read as a number)'
 */
export function whyNotStep(raw: unknown, shown = JSON.stringify(raw) ?? String(raw)): string {
  const n = numberFrom(raw);
  return `must be a non-negative integer, not ${shown}${n === undefined ? ` (${whyNotNumber(raw)})` : ""}`;
}

/**
 * Why a value is not a number, for a warning: names the near-miss (boolean, hexadecimal, decimal
 * comma, cut-off number…) so the user knows what to fix. Call it only after
 * {@link numberFrom} said undefined.
 *
 * @example
 * whyNotNumber("0x10"); // 'found "0x10": a hexadecimal literal is not read as a number'
 * whyNotNumber(true); // "found true: a boolean is not read as a number"
 */
export function whyNotNumber(v: unknown): string {
  if (typeof v === "boolean") return `found ${v}: a boolean is not read as a number`;
  if (v === undefined) return "found nothing";
  if (v === null) return "found null";
  if (Array.isArray(v)) return "found an array";
  if (typeof v === "object") return "found an object";
  if (typeof v !== "string") return `found ${typeof v}`;
  const s = v.trim();
  const shown = quoteForMessage(v);
  if (s === "") return v === "" ? "found an empty string" : "found only spaces";
  if (/^[+-]?0[xX][0-9a-fA-F]*$/.test(s)) return `found ${shown}: a hexadecimal literal is not read as a number`;
  if (/^[+-]?0[oObB][0-7]*$/.test(s)) return `found ${shown}: an octal or binary literal is not read as a number`;
  if (/^(true|false|yes|no)$/i.test(s)) return `found ${shown}: a boolean is not read as a number`;
  if (/^[+-]?\d+,\d+$/.test(s)) return `found ${shown}: a decimal comma is not read as a number (write ${s.replace(",", ".")})`;
  if (/^[+-]?\d{1,3}([ _,']\d{3})+(\.\d+)?$/.test(s) || /^[+-]?\d+(_\d+)+$/.test(s)) return `found ${shown}: digit separators are not read as a number`;
  if (/^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?$/.test(s) || /^[+-]$/.test(s)) return `found ${shown}: a number cut short`;
  return `found ${shown}`;
}

/**
 * True when a number written at the very end of a file, with no newline after it, looks cut off
 * (`0.`, `1e`, `2.5e-`): such a value is reported, not read (`0.` is what is left of a cut `0.53`).
 *
 * @example
 * looksCutOff("0."); // true
 * looksCutOff("0.5"); // false
 */
export function looksCutOff(text: string): boolean {
  return /^[+-]?(\d+\.|\d+(\.\d*)?[eE][+-]?)$/.test(text.trim());
}

/** A user string in double quotes for a message, shortened and with control characters escaped. */
function quoteForMessage(s: string): string {
  const short = s.length > 40 ? s.slice(0, 40) + "…" : s;
  return JSON.stringify(short);
}
