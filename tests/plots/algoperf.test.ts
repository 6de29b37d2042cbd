/** AlgoPerf and compareAlgorithms figures on the bundled v0.5 logs (looked at as PNGs; see docs/algoperf.md). */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { algoperfScore, studySpeedMatrices } from "../../src/analysis/algoperfScore.js";
import { compareAlgorithms } from "../../src/analysis/compareAlgorithms.js";
import { aggregateIntervalsFigure, algoperfProfileFigure, algoperfStudySpreadFigure, algoperfTimeTable, improvementFigure, scoreDistributionFigure } from "../../src/plots/algoperf.js";
import { FigureExporter, findChromium } from "../../src/plots/export.js";
import { readAlgoPerfLogs } from "../../src/study/formats/algoperfEvals.js";
import { DATA } from "../helpers/cli.js";
import { decodePng, nonWhiteFraction } from "./png.js";

const r = algoperfScore(await readAlgoPerfLogs(join(DATA, "algoperf_v05")));

describe("AlgoPerf figures", () => {
  it("performance profiles: one step line per submission, its ρ(τ), its score in the legend", () => {
    const fig = algoperfProfileFigure(r);
    expect(fig.data).toHaveLength(11);
    (fig.data as Array<Record<string, any>>).forEach((t, i) => {
      const sub = r.submissions[i]!;
      expect(t.y).toEqual(r.profiles.rho[sub]);
      expect(t.name).toContain(r.scores[sub]!.score.toFixed(4));
    });
  });

  it("time-to-target table: submissions × (8 base + 6 held-out), every miss says why", () => {
    const fig = algoperfTimeTable(r);
    const t = fig.data[0]! as Record<string, any>;
    const text = t.text as string[][];
    expect((t.y as string[]).length).toBe(11);
    expect((t.x as string[]).length).toBe(14);
    const cols = [...r.baseWorkloads, ...r.heldOutWorkloads];
    r.submissions.forEach((sub, i) =>
      cols.forEach((wl, j) => {
        const c = r.perWorkload[sub]![wl]!;
        if (c.miss === "variant_missed") expect(text[i]![j]).toContain("✗ var");
        if (c.miss === "over_cap") expect(text[i]![j]).toContain(">4×");
        if (c.miss === null) expect(text[i]![j]).toMatch(/^\d+(\.\d)? (h|min)$/);
      }),
    );
    // Baseline's ogbg does not count because ogbg_model_size missed (the benchmark's variant rule).
    expect(text[r.submissions.indexOf("baseline")]![cols.indexOf("ogbg")]).toContain("✗ var");
  });

  it("study spread: a red × per study that missed, a dot per study that hit", () => {
    const fig = algoperfStudySpreadFigure(r);
    const misses = (fig.data as Array<Record<string, any>>).filter((d) => d.meta?.role === "missed").reduce((n, d) => n + (d.y as number[]).length, 0);
    let expected = 0;
    for (const sub of r.submissions) for (const wl of r.baseWorkloads) expected += r.perWorkload[sub]![wl]!.studies.filter((s) => s.time === Infinity).length;
    expect(misses).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  });

  it("aggregate figures from compareAlgorithms", () => {
    const m = studySpeedMatrices(r);
    const c = compareAlgorithms(m.matrices, { tasks: m.tasks, reps: 100, pairs: [["shampoo_submission", "schedule_free_adamw"]] });
    expect(aggregateIntervalsFigure(c).data).toHaveLength(4 * 11);
    const poi = improvementFigure(c).data[0]! as Record<string, any>;
    expect(poi.x).toEqual([c.improvement[0]!.point]);
    expect(scoreDistributionFigure(c, { algorithms: ["baseline", "amos"] }).data).toHaveLength(6);
  });
});

describe.skipIf(!findChromium())("AlgoPerf figures render (headless Chromium)", () => {
  const ex = new FigureExporter();
  afterAll(() => ex.close());
  it("the profile figure draws its lines inside the plot area", async () => {
    const png = decodePng(await ex.toPng(algoperfProfileFigure(r), { width: 1000, height: 560 }));
    expect([png.width, png.height]).toEqual([1000, 560]);
    const ink = nonWhiteFraction(png, 90, 120, 700, 500);
    expect(ink).toBeGreaterThan(0.01);
    expect(ink).toBeLessThan(0.5);
  }, 90_000);
});
