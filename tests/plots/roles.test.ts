/**
 * Traces are addressed by role, not by display name: every trace of every figure the registry
 * draws carries `meta.role`, on real studies.
 */
import { describe, expect, it } from "vitest";
import { ANALYSES } from "../../src/analysis/analyses.js";
import { type AnyAnalysis, parseOptions } from "../../src/analysis/registry.js";
import { drawFigures } from "../../src/plots/catalog.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA } from "../helpers/cli.js";

const PATHS = [`${DATA}deepcave_mnist/run_1`, `${DATA}mnist_tunebook/study`, `${DATA}algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline`];

describe("figure traces carry a role", () => {
  it("every trace of every registry figure has meta.role", async () => {
    const drawn = new Set<string>();
    const missing = new Set<string>();
    for (const p of PATHS) {
      const s = await loadStudy(p);
      for (const a of ANALYSES as readonly AnyAnalysis[]) {
        const o = parseOptions(a, a.name === "adoption" ? { key: "submission", baseline: "a", candidate: "b" } : {});
        if (a.applies(s, o) !== true) continue;
        for (const d of drawFigures(a.name, a.run(s, o), s, o, { report: true })) {
          drawn.add(a.name);
          for (const [i, t] of (d.figure.data as Array<{ meta?: { role?: unknown }; name?: unknown }>).entries()) if (typeof t.meta?.role !== "string") missing.add(`${a.name} (${d.kind}) trace ${i} ${String(t.name)}`);
        }
      }
    }
    expect([...missing]).toEqual([]);
    // Enough figures were drawn for the check to mean something.
    expect(drawn.size).toBeGreaterThanOrEqual(8);
  }, 180_000);
});
