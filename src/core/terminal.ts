/**
 * Safe text for a terminal. Trial ids, metric names, values and file contents come from users'
 * files; printed raw, an ESC sequence can recolour or retitle the terminal, a CR can overwrite
 * the line before it ("0 warnings"), and a bidirectional override can reorder what is shown.
 * Every user string printed by the CLI goes through one of these two functions.
 */

// C0 controls, DEL, C1 controls, line/paragraph separators, and the bidirectional marks and
// overrides (U+061C, U+200E/F, U+202A–E, U+2066–9), which reorder text without being visible.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e", "\u0007": "\\a", "\b": "\\b" };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * One user string (an id, a name, a value) made safe to print on one line: every control
 * character, newline included, is shown as an escape (`\e`, `\r`, `\n`, `\x00`, `\u202e`).
 *
 * @example
 * escapeTerminal("run\u001b]0;pwned\u0007"); // "run\\e]0;pwned\\a"
 * escapeTerminal("plain id"); // "plain id" (the same string)
 */
export function escapeTerminal(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeChar) : s;
}

/**
 * A block of text the program formatted (lines joined by `\n`, perhaps indented with tabs) made
 * safe to print: newlines and tabs stay, every other control character is escaped. Use it where
 * text reaches stdout/stderr; user strings inside should already have gone through
 * {@link escapeTerminal} so that their own newlines cannot fake a line.
 *
 * @example
 * escapeTerminalBlock("trials: 2\n  a\rb"); // "trials: 2\n  a\\rb"
 */
export function escapeTerminalBlock(s: string): string {
  UNSAFE_KEEP_LINES.lastIndex = 0;
  return UNSAFE_KEEP_LINES.test(s) ? s.replace(UNSAFE_KEEP_LINES, escapeChar) : s;
}

// What JSON.stringify leaves raw that a terminal acts on: DEL, C1 controls, line/paragraph
// separators and the bidirectional marks and overrides (C0 controls it already escapes).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text (from JSON.stringify) made safe to print: the characters JSON.stringify leaves raw but
 * a terminal acts on are written as `\uXXXX` escapes. Outside strings JSON holds none of them, so
 * the result is valid JSON with exactly the same values.
 *
 * @example
 * escapeJsonForTerminal(JSON.stringify({ id: "a\u202eb" })); // '{"id":"a\\u202eb"}'
 * JSON.parse(escapeJsonForTerminal(JSON.stringify({ id: "a\u009bb" }))).id === "a\u009bb"; // true
 */
export function escapeJsonForTerminal(json: string): string {
  UNSAFE_IN_JSON.lastIndex = 0;
  return UNSAFE_IN_JSON.test(json) ? json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : json;
}
