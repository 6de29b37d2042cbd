/**
 * Character-level scanners for the text loaders' fast paths: they read numbers and flat JSON
 * objects in place inside a large chunk of text (no line or field strings), and say "not mine"
 * (undefined / false) for anything unusual, so the caller falls back to the general parser and
 * its warnings. Every value they accept is the value the general path would have produced.
 */

/** 10^k for k ≤ 22 are exact doubles, so (integer < 2^53) / 10^k is correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Parse a plain decimal (`-12`, `0.25`, `-.5`, `3.`) in `s[start, end)` exactly as `Number()`
 * would; undefined for any other form (exponent, spaces, sign `+`, more than 15 digits, nan…).
 *
 * @example
 * parseDecimal("x,2.243697,", 2, 10); // 2.243697
 * parseDecimal("1e-5", 0, 4); // undefined (caller uses parseNumber)
 */
export function parseDecimal(s: string, start: number, end: number): number | undefined {
  let i = start;
  let neg = false;
  if (i < end && s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) frac++;
    } else if (c === 46 && !dot) dot = true;
    else return undefined;
  }
  if (digits === 0 || digits > 15) return undefined;
  const v = frac === 0 ? m : m / POW10[frac]!;
  return neg ? -v : v;
}

/**
 * {@link parseDecimal} over bytes (ASCII digits, `-`, `.`) of `b[start, end)`: the same numbers,
 * the same refusals.
 *
 * @example
 * parseDecimalBytes(Buffer.from("x,2.5,"), 2, 5); // 2.5
 */
export function parseDecimalBytes(b: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let neg = false;
  if (i < end && b[i] === 45) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let dotAt = -1;
  for (; i < end; i++) {
    const c = b[i]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
    } else if (c === 46 && dotAt < 0) dotAt = i;
    else return undefined;
  }
  if (digits === 0 || digits > 15) return undefined;
  const frac = dotAt < 0 ? 0 : end - dotAt - 1;
  const v = frac === 0 ? m : m / POW10[frac]!;
  return neg ? -v : v;
}

/** Kinds of values {@link scanFlatObject} reports per key. */
export const JsonKind = {
  String: 1,
  Number: 2,
  /** Bare NaN / Infinity / -Infinity / -NaN (Python's json.dumps), only where allowed. */
  NonFinite: 3,
  Literal: 4,
} as const;

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * End of the JSON number starting at `s[i]` (strict JSON grammar), or -1.
 *
 * @example
 * scanNumber('{"a":-1.5e3}', 5, 12); // 11
 */
export function scanNumber(s: string, i: number, end: number): number {
  if (s.charCodeAt(i) === 45) i++;
  if (i >= end) return -1;
  let c = s.charCodeAt(i);
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) {
    i++;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
  } else return -1;
  if (i < end && s.charCodeAt(i) === 46) {
    i++;
    const d = i;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === d) return -1;
  }
  if (i < end && ((c = s.charCodeAt(i)) === 101 || c === 69)) {
    i++;
    if (i < end && ((c = s.charCodeAt(i)) === 43 || c === 45)) i++;
    const d = i;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === d) return -1;
  }
  return i;
}

/**
 * {@link scanNumber} over bytes: end of the JSON number starting at `b[i]`, or -1.
 *
 * @example
 * scanNumberBytes(Buffer.from('{"a":-1.5e3}'), 5, 12); // 11
 */
export function scanNumberBytes(b: Uint8Array, i: number, end: number): number {
  if (b[i] === 45) i++;
  if (i >= end) return -1;
  let c = b[i]!;
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) {
    i++;
    while (i < end && (c = b[i]!) >= 48 && c <= 57) i++;
  } else return -1;
  if (i < end && b[i] === 46) {
    i++;
    const d = i;
    while (i < end && (c = b[i]!) >= 48 && c <= 57) i++;
    if (i === d) return -1;
  }
  if (i < end && ((c = b[i]!) === 101 || c === 69)) {
    i++;
    if (i < end && ((c = b[i]!) === 43 || c === 45)) i++;
    const d = i;
    while (i < end && (c = b[i]!) >= 48 && c <= 57) i++;
    if (i === d) return -1;
  }
  return i;
}

const BARE = ["NaN", "Infinity", "-Infinity", "-NaN"];

/** The remembered end of the last fully scanned line (see {@link scanFlatObject}). */
export interface ScanTail {
  /** Index of the key after whose value the tail starts. */
  after: number;
  text: string;
}

/** A flat copy, so the tail does not keep its chunk alive. */
const detachText = (t: string): string => (t.length < 13 ? t : (JSON.parse(JSON.stringify(t)) as string));

/**
 * Scan `s[start, end)` as a flat JSON object whose keys are exactly `quotedKeys` (each written as
 * JSON, e.g. `"\"step\""`), in that order. For key k it stores the value's kind and span in
 * `kinds[k]`, `from[k]`, `to[k]` (a string's span excludes its quotes). Returns false for any
 * line that is not such an object, or not valid JSON, or has a string with an escape or a
 * control character, or a nested value: those go to JSON.parse. A bare NaN/Infinity is accepted
 * only at key `bareAt`. With `tail`, the text after key `tail.after`'s value is compared with
 * `tail.text` (the same part of the last line that was scanned in full) before scanning it:
 * measurement logs repeat a trial's hyperparameters on every line. `same[k]`, when set
 * by the caller to key k's string value on an earlier valid line, is kept when this line has the
 * same value there (found without scanning it) and cleared otherwise.
 *
 * @example
 * const kinds = new Uint8Array(2), from = new Int32Array(2), to = new Int32Array(2);
 * scanFlatObject('{"a":"x","b":1.5}', 0, 17, ['"a"', '"b"'], kinds, from, to, -1); // true
 */
export function scanFlatObject(
  s: string,
  start: number,
  end: number,
  quotedKeys: readonly string[],
  kinds: Uint8Array,
  from: Int32Array,
  to: Int32Array,
  bareAt: number,
  tail?: ScanTail,
  same?: (string | undefined)[],
): boolean {
  let i = start;
  let tailStart = -1;
  while (i < end && isWs(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 123 /* { */) return false;
  i++;
  for (let k = 0; k < quotedKeys.length; k++) {
    if (tail !== undefined && k === tail.after + 1) {
      // The rest of the line equals the rest of an earlier valid line: no need to scan it again.
      // (slice + === compares flat strings with memcmp; startsWith goes character by character.)
      if (end - i === tail.text.length && s.slice(i, end) === tail.text) return true;
      tailStart = i;
    }
    while (i < end && isWs(s.charCodeAt(i))) i++;
    if (k > 0) {
      if (s.charCodeAt(i) !== 44 /* , */) return false;
      i++;
      while (i < end && isWs(s.charCodeAt(i))) i++;
    }
    const key = quotedKeys[k]!;
    if (!s.startsWith(key, i)) return false;
    i += key.length;
    while (i < end && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 58 /* : */) return false;
    i++;
    while (i < end && isWs(s.charCodeAt(i))) i++;
    if (i >= end) return false;
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      const a = ++i;
      const p = same?.[k];
      // Same text as this key's value on the last line (already checked): skip the scan.
      if (p !== undefined && p !== "" && s.startsWith(p, a) && s.charCodeAt(a + p.length) === 34) {
        same![k] = p;
        kinds[k] = JsonKind.String;
        from[k] = a;
        to[k] = i = a + p.length;
        i++;
        continue;
      }
      if (same !== undefined) same[k] = undefined;
      for (;;) {
        if (i >= end) return false;
        const d = s.charCodeAt(i);
        if (d === 34) break;
        if (d === 92 /* \ */ || d < 32) return false;
        i++;
      }
      kinds[k] = JsonKind.String;
      from[k] = a;
      to[k] = i;
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const e = scanNumber(s, i, end);
      if (e < 0) {
        if (k !== bareAt) return false;
        const b = BARE.find((w) => s.startsWith(w, i));
        if (!b) return false;
        kinds[k] = JsonKind.NonFinite;
        from[k] = i;
        to[k] = i += b.length;
        continue;
      }
      kinds[k] = JsonKind.Number;
      from[k] = i;
      to[k] = i = e;
    } else if (c === 116 /* t */ || c === 102 /* f */ || c === 110 /* n */) {
      const w = c === 116 ? "true" : c === 102 ? "false" : "null";
      if (!s.startsWith(w, i)) return false;
      kinds[k] = JsonKind.Literal;
      from[k] = i;
      to[k] = i += w.length;
    } else if (k === bareAt && (c === 78 /* N */ || c === 73 /* I */)) {
      const b = c === 78 ? "NaN" : "Infinity";
      if (!s.startsWith(b, i)) return false;
      kinds[k] = JsonKind.NonFinite;
      from[k] = i;
      to[k] = i += b.length;
    } else return false;
  }
  while (i < end && isWs(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 125 /* } */) return false;
  i++;
  while (i < end && isWs(s.charCodeAt(i))) i++;
  if (i !== end) return false;
  if (tailStart >= 0) tail!.text = detachText(s.slice(tailStart, end));
  return true;
}

/**
 * A line remembered as text around its two numeric fields (step and value): `a` number `b`
 * number `c`. A later line made of the same `a`, `b`, `c` around two valid numbers has the same
 * trial, metric and hyperparameters and is as valid as the remembered one, so only the two
 * numbers are read. Measurement logs are mostly such lines.
 */
export interface LineTemplate {
  a: string;
  b: string;
  c: string;
  /** True when the step comes before the value on the line. */
  stepFirst: boolean;
  trial: string;
  metric: string;
  /** A fast path's own form of the template (the byte scanner's patterns), made on first use. */
  compiled?: unknown;
}

/** How many templates to keep (logs that alternate metrics line by line need more than one). */
export const TEMPLATES = 4;

/**
 * Remember a template (most recent first, at most {@link TEMPLATES}).
 *
 * @example
 * rememberTemplate(list, { a: '{"step":', b: ',"value":', c: "}", stepFirst: true, trial: "t", metric: "m" });
 */
export function rememberTemplate(list: LineTemplate[], t: LineTemplate): void {
  list.unshift(t);
  if (list.length > TEMPLATES) list.pop();
}
