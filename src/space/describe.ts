/** One-line-per-parameter text description of a search space (for `tunebook space check`). */
import { compileSpace, gridSize } from "./sample.js";
import type { Param, SearchSpace } from "./spec.js";

function domain(p: Param): string {
  switch (p.type) {
    case "float":
    case "int":
      return `${p.type} ${p.scale} [${p.low}, ${p.high}]`;
    case "discrete":
    case "categorical":
      return `${p.type} {${p.values.map((v) => String(v)).join(", ")}}`;
    case "fixed":
      return `fixed = ${String(p.value)}`;
  }
}

/**
 * Describe a space for a person: name, dimensions, one line per parameter with its domain, role
 * and condition.
 *
 * @example
 * describeSpace(space);
 * // mnist-adam: 5 parameters, 4 quasi-random dimensions
 * //   learning_rate  float log [0.0001, 0.1]  nuisance
 * //   ...
 */
export function describeSpace(space: SearchSpace, opts: { gridPoints?: number } = {}): string {
  const c = compileSpace(space);
  const width = Math.max(4, ...space.params.map((p) => p.name.length));
  const lines = [
    `${space.name ?? "search space"}: ${space.params.length} parameter${space.params.length === 1 ? "" : "s"}, ${c.dims} quasi-random dimension${c.dims === 1 ? "" : "s"}`,
  ];
  if (space.description) lines.push(`  ${space.description}`);
  for (const p of space.params) {
    let s = `  ${p.name.padEnd(width)}  ${domain(p)}  ${p.role ?? "nuisance"}`;
    if (p.condition) s += `  when ${p.condition.parent} ∈ {${p.condition.in.map(String).join(", ")}}`;
    lines.push(s);
  }
  const g = gridSizeCapped(space, opts.gridPoints);
  lines.push(`  grid sampler: ${g} trial${g === "1" ? "" : "s"}`);
  return lines.join("\n");
}

function gridSizeCapped(space: SearchSpace, gridPoints?: number): string {
  // Enumerating a huge grid is slow; estimate first with the plain product.
  let product = 1;
  for (const p of space.params) {
    product *= p.type === "fixed" ? 1 : p.type === "discrete" || p.type === "categorical" ? p.values.length : (p.grid ?? gridPoints ?? 5);
  }
  return product > 1_000_000 ? `up to ${product}` : String(gridSize(space, gridPoints));
}
