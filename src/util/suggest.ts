/**
 * "Did you mean …?" for names a person typed (magics, options, analyses, hyperparameters,
 * config keys, settings): the one implementation every message uses.
 * Edit distance from fastest-levenshtein (a small, maintained, dependency-free implementation).
 */
import { distance } from "fastest-levenshtein";

/**
 * The known names closest to `typed`, best first: within about a third of the name's length in
 * edits (at least 1, at most 3), or names that start with what was typed. Case is ignored.
 *
 * @example
 * suggest("isolaton", ["isolation", "axis", "load"]); // ["isolation"]
 * suggest("learning_rat", ["learning_rate", "dropout"]); // ["learning_rate"]
 */
export function suggest(typed: string, known: Iterable<string>, max = 3): string[] {
  const t = typed.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(t.length / 3)));
  const scored: Array<[string, number]> = [];
  for (const k of new Set(known)) {
    const l = k.toLowerCase();
    const d = distance(t, l);
    if (d <= limit) scored.push([k, d]);
    else if (t.length >= 3 && l.startsWith(t)) scored.push([k, limit + 1]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([k]) => k);
}

/** How the hint is written into a message. */
export interface HintStyle {
  /** Put before each name (`%` for magics, `--` for options). */
  prefix?: string;
  /** Quote each name as JSON ("timeout"). */
  quote?: boolean;
  /** `"clause"`: `; did you mean X?` (default); `"aside"`: ` (did you mean X?)`. */
  form?: "clause" | "aside";
}

/**
 * The hint to append to an error message, or "" when nothing is close.
 *
 * @example
 * `unknown magic %isolaton${didYouMean("isolaton", ["isolation"], { prefix: "%" })}`; // "unknown magic %isolaton; did you mean %isolation?"
 * `unknown key "timout"${didYouMean("timout", ["timeout"], { quote: true, form: "aside" })}`; // 'unknown key "timout" (did you mean "timeout"?)'
 */
export function didYouMean(typed: string, known: Iterable<string>, style: HintStyle = {}): string {
  const s = suggest(typed, known);
  if (s.length === 0) return "";
  const names = s
    .map((x) => (style.prefix ?? "") + x)
    .map((x) => (style.quote ? JSON.stringify(x) : x))
    .join(" or ");
  return style.form === "aside" ? ` (did you mean ${names}?)` : `; did you mean ${names}?`;
}
