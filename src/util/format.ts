/**
 * The one number formatter for text people read: findings, summaries, tables and hover text.
 * Four significant digits (trailing zeros dropped), integers as they are, exponent notation for
 * very small or very large magnitudes, and NaN/Infinity spelled out.
 */

/**
 * Format a number to meaningful precision.
 *
 * @example
 * formatNumber(5.333333333333333); // "5.333"
 * formatNumber(0.000012345);       // "1.234e-5"
 * formatNumber(120000);            // "120000"
 * formatNumber(NaN);               // "NaN"
 * formatNumber(null);              // "–"
 */
export function formatNumber(x: number | null | undefined, opts: { digits?: number; missing?: string } = {}): string {
  if (x === null || x === undefined) return opts.missing ?? "–";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const digits = opts.digits ?? 4;
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) {
    // 1.2340e-5 -> 1.234e-5: trailing zeros of the mantissa carry no information.
    const [m, e] = x.toExponential(digits - 1).split("e");
    return `${m!.includes(".") ? m!.replace(/\.?0+$/, "") : m}e${e!.replace(/^\+/, "")}`;
  }
  return Number(x.toPrecision(digits)).toString();
}
