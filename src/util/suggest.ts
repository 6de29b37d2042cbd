/**
 * "Did you mean …?" for names a person typed (magics, options, hyperparameters, settings).
 * Edit distance from fastest-levenshtein (a small, maintained implementation).
 */
import { distance } from "fastest-levenshtein";

/**
 * The known names closest to `typed`, best first: within about a third of the name's length in
 * edits (at least 1, at most 3), or names that start with what was typed.
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

/**
 * `; did you mean X?` (or `X or Y`), or "" when nothing is close: to append to an error message.
 *
 * @example
 * `unknown magic %isolaton${didYouMean("isolaton", ["isolation"], "%")}`; // "unknown magic %isolaton; did you mean %isolation?"
 */
export function didYouMean(typed: string, known: Iterable<string>, prefix = ""): string {
  const s = suggest(typed, known);
  if (s.length === 0) return "";
  return `; did you mean ${s.map((x) => prefix + x).join(" or ")}?`;
}
