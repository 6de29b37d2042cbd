import { describe, expect, it } from "vitest";
import { boundaries } from "../../src/analysis/boundaries.js";
import { lrStudy, studyOf } from "./synthetic.js";
import { deepcave } from "./deepcave.js";

describe("boundaries (known by construction)", () => {
  it("flags near_upper on lr, and nothing on wd/dropout, when the optimum lies past the upper edge", () => {
    const study = lrStudy(300, 0.3, 7); // space ends at 0.1, optimum at 0.3
    const r = boundaries(study);
    const edge = r.findings.filter((f) => f.code.startsWith("boundary.near_"));
    expect(edge).toHaveLength(1);
    expect(edge[0]!.code).toBe("boundary.near_upper");
    expect(edge[0]!.evidence.hparam).toBe("lr");
    expect(edge[0]!.evidence.expand).toBe("up");
    expect(edge[0]!.evidence.edge).toBe(0.1);
    expect(edge[0]!.evidence.source).toBe("space");
    const lr = r.checks.find((c) => c.hparam === "lr")!;
    expect(lr.topK).toBe(30); // max(5, 10% of 300)
    expect(lr.nearUpper).toBeGreaterThanOrEqual(15);
    expect(lr.upperBand).toBeCloseTo(10 ** (-1 - 0.3), 10); // 10% of 3 decades, in log scale
  });

  it("flags near_lower when the optimum lies below the range, and nothing when it is inside", () => {
    const low = boundaries(lrStudy(300, 3e-5, 8)).findings.filter((f) => f.code.startsWith("boundary.near_"));
    expect(low.map((f) => [f.code, f.evidence.hparam, f.evidence.expand])).toEqual([["boundary.near_lower", "lr", "down"]]);
    const inside = boundaries(lrStudy(300, 3e-3, 9)).findings.filter((f) => f.code.startsWith("boundary.near_"));
    expect(inside).toEqual([]);
  });

  it("uses the observed range without a declared space", () => {
    const s = lrStudy(200, 0.3, 10);
    const noSpace = studyOf(s.trialRows().map((t) => ({ hparams: t.hparams, y: t.best })));
    expect(noSpace.space).toBeUndefined();
    const r = boundaries(noSpace);
    const f = r.findings.find((x) => x.code === "boundary.near_upper")!;
    expect(f.evidence.source).toBe("observed");
    expect(f.evidence.edge).toBe(Math.max(...s.trialRows().map((t) => t.hparams.lr as number)));
  });

  it("flags a mostly infeasible upper region (range too wide)", () => {
    const r = boundaries(lrStudy(400, 3e-3, 11, 0.02, (lr) => lr > 0.02));
    const f = r.findings.filter((x) => x.code === "boundary.mostly_infeasible");
    expect(f.length).toBe(1);
    expect(f[0]!.evidence.hparam).toBe("lr");
    expect(f[0]!.evidence.shrink).toBe("down");
    expect(f[0]!.evidence.region).toBe("upper_quarter"); // log10: [-1.75, -1] is mostly above 0.02 (= -1.7)
    expect(f[0]!.evidence.fraction as number).toBeGreaterThan(0.9);
  });

  it("checks per scientific value", () => {
    const a = lrStudy(200, 0.3, 12);
    const b = lrStudy(200, 3e-3, 13);
    const trials = [...a.trialRows().map((t) => ({ hparams: { ...t.hparams, opt: "a" }, y: t.best })), ...b.trialRows().map((t) => ({ hparams: { ...t.hparams, opt: "b" }, y: t.best }))];
    return import("./synthetic.js").then(({ studyOf, SPACE }) => {
      const r = boundaries(studyOf(trials, { space: SPACE }), { perScientific: "opt" });
      const per = r.findings.filter((f) => f.code === "boundary.near_upper" && f.evidence.scientificValue !== undefined);
      expect(per.map((f) => [f.evidence.scientificValue, f.evidence.hparam])).toEqual([["a", "lr"]]);
    });
  });
});

describe("boundaries on DeepCAVE MNIST (real)", () => {
  it("finds the high-learning-rate region mostly infeasible (README: about half the trials above 1e-2 fail)", async () => {
    const r = boundaries(await deepcave());
    const f = r.findings.find((x) => x.code === "boundary.mostly_infeasible" && x.evidence.hparam === "learning_rate");
    expect(f).toBeDefined();
    expect(f!.evidence.shrink).toBe("down");
    expect(f!.evidence.high).toBeCloseTo(0.1, 12); // the declared space's upper edge
    expect(r.checks.find((c) => c.hparam === "learning_rate")!.source).toBe("space");
    expect(f!.evidence.low as number).toBeGreaterThan(1e-2);
    expect(f!.evidence.fraction as number).toBeGreaterThan(0.5);
    // Trials with learning_rate ≥ 1e-2 that fail, counted straight from the study's rows.
    const rows = (await deepcave()).trialRows().filter((t) => (t.hparams.learning_rate as number) >= 1e-2);
    const failed = rows.filter((t) => t.status === "failed").length / rows.length;
    expect(failed).toBeGreaterThan(0.35);
  });
});
