import { describe, expect, it } from "vitest";
import { axisPlotData } from "../../src/analysis/axis.js";
import { batchSizeScan } from "../../src/analysis/batchSize.js";
import { bestOfNBootstrap } from "../../src/analysis/bootstrap.js";
import { boundaries } from "../../src/analysis/boundaries.js";
import { checkpointSelection } from "../../src/analysis/checkpoints.js";
import { gradientClipping } from "../../src/analysis/clipping.js";
import { importance } from "../../src/analysis/importance.js";
import { infeasible } from "../../src/analysis/infeasible.js";
import { isolation } from "../../src/analysis/isolation.js";
import { trialVariance } from "../../src/analysis/trialVariance.js";
import { learningRateSweep } from "../../src/analysis/warmup.js";
import { batchSizeFigure } from "../../src/plots/batchSize.js";
import { bootstrapFigure } from "../../src/plots/bootstrap.js";
import { boundaryFigure } from "../../src/plots/boundaries.js";
import { checkpointsFigure } from "../../src/plots/checkpoints.js";
import { clippingFigure, decimate } from "../../src/plots/clipping.js";
import { FIGURES, buildFigure, figureKinds } from "../../src/plots/figures.js";
import { importanceFigure } from "../../src/plots/importance.js";
import { infeasibleFigure } from "../../src/plots/infeasible.js";
import { isolationFigure } from "../../src/plots/isolation.js";
import { lrSweepFigure } from "../../src/plots/lrSweep.js";
import { contourFigure } from "../../src/plots/contour.js";
import { parallelFigure } from "../../src/plots/parallel.js";
import { trialVarianceFigure } from "../../src/plots/trialVariance.js";
import { StudyBuilder } from "../../src/study/builder.js";
import { deepcaveCrashedCount, deepcaveStudy } from "./fixtures.js";

type T = Record<string, any>;
const study = deepcaveStudy("run_1");
const crashed = deepcaveCrashedCount("run_1");

describe("study figures on DeepCAVE MNIST", () => {
  it("isolation line has one point per scientific value, with counts adding up to every trial", () => {
    const r = isolation(study, { scientific: "activation", bootstrap: { resamples: 100, seed: 1 } });
    const fig = isolationFigure(r);
    const line = fig.data.find((d: T) => d.meta?.role === "isolation") as T;
    expect(line.x).toHaveLength(3);
    expect((fig.layout.xaxis as T).ticktext).toEqual(["sigmoid", "tanh", "relu"]);
    expect(line.error_y.array).toHaveLength(3);
    const counts = (fig.data.find((d: T) => d.meta?.role === "counts") as T).text as string[];
    const total = counts.map((t) => Number(t.match(/n=([\d,]+)/)![1]!.replace(",", ""))).reduce((a, b) => a + b, 0);
    expect(total).toBe(1000);
    const infX = fig.data.find((d: T) => d.meta?.role === "infeasible") as T;
    expect(infX.x).toHaveLength(crashed);
  });
  it("bucketed isolation over learning_rate is drawn on a log axis", () => {
    const r = isolation(study, { scientific: "learning_rate", buckets: 6 });
    const fig = isolationFigure(r);
    expect((fig.layout.xaxis as T).type).toBe("log");
    const line = fig.data.find((d: T) => d.meta?.role === "isolation") as T;
    expect(line.x.length).toBe(r.values.filter((v) => v.best).length);
    expect(line.x.length).toBeGreaterThanOrEqual(5);
  });
  it("infeasible bars: per hyperparameter, the k/n labels add up to the crashed count", () => {
    const r = infeasible(study);
    const fig = infeasibleFigure(r);
    const lrBars = fig.data.find((d: T) => d.xaxis && (fig.layout as T)[`xaxis${d.xaxis.slice(1)}`]?.title?.text?.startsWith("learning_rate")) as T;
    const k = (lrBars.text as string[]).map((t) => Number(t.split("/")[0]));
    expect(k.reduce((a, b) => a + b, 0)).toBe(crashed);
    expect(String((fig.layout.title as T).text)).toContain(`${crashed} of 1,000`);
  });
  it("infeasible panels keep their height in pixels: the row gaps do not grow with the rows", () => {
    const fig = infeasibleFigure(infeasible(study));
    const L = fig.layout as T;
    const m = L.margin as T;
    const plotPx = L.height - m.t - m.b;
    const ys = Object.keys(L).filter((k) => /^yaxis\d*$/.test(k)).map((k) => L[k].domain as [number, number]);
    expect(ys.length).toBe(7); // seven hyperparameters, four rows of two
    for (const [a, b] of ys) expect((b - a) * plotPx).toBeGreaterThan(180);
    // The old layout spent 60% of a four-row figure on gaps; now the panels hold most of it.
    const rows = new Set(ys.map(([a]) => a.toFixed(4))).size;
    expect(rows * (ys[0]![1] - ys[0]![0])).toBeGreaterThan(0.6);
  });
  it("bootstrap: one box per budget, quartiles ordered, the study best as a dashed line", () => {
    const r = bestOfNBootstrap(study, { seed: 3, resamples: 0 });
    const fig = bootstrapFigure(r, { metric: "test_accuracy" });
    const box = fig.data[0] as T;
    expect(box.x).toHaveLength(r.budgets.length);
    for (let i = 0; i < box.x.length; i++) {
      // p5 is null where more than 5% of draws are all-infeasible (N=1 with 21% crashed trials).
      if (box.lowerfence[i] !== null) expect(box.lowerfence[i]).toBeLessThanOrEqual(box.q1[i]);
      expect(box.q1[i]).toBeLessThanOrEqual(box.median[i]);
      expect(box.median[i]).toBeLessThanOrEqual(box.q3[i]);
    }
    // Maximizing: the median best-of-N never decreases with N.
    for (let i = 1; i < box.median.length; i++) expect(box.median[i]).toBeGreaterThanOrEqual(box.median[i - 1]);
    const line = (fig.layout.shapes as T[]).find((s) => s.type === "line")!;
    expect(line.y0).toBeCloseTo(Math.max(...study.feasible().map((t) => t.best!)), 10);
  });
  it("importance bars are sorted and sum to 1", () => {
    const fig = importanceFigure(importance(study));
    const bar = fig.data[0] as T;
    const x = bar.x as number[];
    expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect([...x].sort((a, b) => a - b)).toEqual(x);
  });
  it("parallel coordinates: one line per feasible trial, a log axis for learning_rate", () => {
    const fig = parallelFigure(axisPlotData(study));
    const pc = fig.data[0] as T;
    expect(pc.type).toBe("parcoords");
    expect(pc.line.color).toHaveLength(1000 - crashed);
    const lr = (pc.dimensions as T[]).find((d) => String(d.label).startsWith("learning_rate"))!;
    expect(lr.label).toContain("log");
    expect(Math.min(...lr.values)).toBeGreaterThanOrEqual(-4);
    expect(Math.max(...lr.values)).toBeLessThanOrEqual(-1);
  });
  it("contour: the best cell value equals the study's best trial", () => {
    const fig = contourFigure(axisPlotData(study), { x: "learning_rate", y: "dropout_rate" });
    const z = ((fig.data[0] as T).z as Array<Array<number | null>>).flat().filter((v): v is number => v !== null);
    expect(Math.max(...z)).toBe(Math.max(...study.feasible().map((t) => t.best!)));
    expect((fig.layout.xaxis as T).type).toBe("log");
    expect((fig.data[2] as T).x).toHaveLength(crashed);
  });
});

describe("boundary view", () => {
  it("shades the flagged upper band in red and says to expand it", () => {
    // Optimum past the upper edge of x by construction: loss decreases with x; y is irrelevant.
    const b = new StudyBuilder("edge", { metric: "loss", direction: "minimize" });
    for (let i = 0; i < 200; i++) {
      const x = (i * 37) % 200 / 200;
      const y = ((i * 53) % 200) / 200;
      b.trial({ id: `t${i}`, hparams: { x, y }, best: 1 - x + 0.01 * Math.sin(i), final: 1 - x });
    }
    const s = b.build();
    const r = boundaries(s);
    const flagged = r.checks.find((c) => c.hparam === "x")!;
    expect(flagged.flagged).toBe("near_upper");
    const fig = boundaryFigure(r, axisPlotData(s));
    expect(String((fig.layout.title as T).text)).toMatch(/x \(upper edge\) should be expanded/);
    const red = (fig.layout.shapes as T[]).filter((sh) => String(sh.fillcolor).startsWith("rgba(214, 39, 40"));
    expect(red).toHaveLength(1);
    expect(red[0]!.x1).toBe(flagged.high);
    const top = fig.data.find((d: T) => d.meta?.role === "top" && d.meta?.panel === 0) as T;
    expect(top.x).toHaveLength(flagged.topK);
  });
});

describe("dynamics figures", () => {
  function sweepStudy() {
    const b = new StudyBuilder("sweep", { metric: "val_loss", direction: "minimize" });
    for (const lr of [1e-3, 1e-2, 1e-1, 1]) {
      const id = `lr${lr}`;
      b.trial({ id, hparams: { learning_rate: lr } });
      for (let s = 0; s <= 100; s += 5) {
        const loss = lr === 1 && s >= 30 ? NaN : 1 + 2 * Math.exp(-lr * 0.3 * s);
        b.measure(id, s, "train_loss", loss);
        b.measure(id, s, "val_loss", loss + 0.1);
      }
    }
    return b.build();
  }
  it("lr sweep: unstable trials are red X and lr* is drawn", () => {
    const s = sweepStudy();
    const r = learningRateSweep(s);
    expect(r.lrStar).toBe(0.1);
    const fig = lrSweepFigure(r, r.trials.map((t) => s.curve(t.trial, r.metric!)), { objective: s.objective });
    const x = fig.data.find((d: T) => d.meta?.role === "unstable") as T;
    expect(x.x).toEqual([1]);
    expect((fig.layout.xaxis as T).type).toBe("log");
    expect((fig.layout.shapes as T[])[0]!.x0).toBe(0.1);
    // Fits 960 px: every subtitle line within the width, the legend below the axis titles
    // (anchored to the figure's bottom edge, not to the panels).
    const sub = String((fig.layout.title as T).text).split("<br>").slice(1).map((l) => l.replace(/<[^>]+>/g, ""));
    for (const line of sub) expect(line.length).toBeLessThanOrEqual(130);
    expect(fig.layout.legend).toMatchObject({ yref: "container", y: 0, yanchor: "bottom" });
  });
  it("curves: diverged trial dotted red with an X at its step", () => {
    const s = sweepStudy();
    const fig = FIGURES.curves.build(s);
    const div = fig.data.filter((d: T) => d.meta?.role === "diverged") as T[];
    expect(div.length).toBe(2); // train and validation panels
    expect(div[0]!.line.dash).toBe("dot");
    const marks = fig.data.filter((d: T) => d.meta?.role === "diagnostics") as T[];
    const xs = marks.flatMap((m) => m.x as number[]);
    expect(xs).toContain(30);
  });
  it("clipping: the p90 line and the clipped fraction match the data", () => {
    const norms = Array.from({ length: 1000 }, (_, i) => 1 + (i % 100) / 10); // 1.0 … 10.9
    const series = [{ trial: "a", steps: norms.map((_, i) => i), norms }];
    const r = gradientClipping(series);
    const fig = clippingFigure(r, series);
    const line = (fig.layout.shapes as T[]).find((sh) => sh.yref === "y")!;
    expect(line.y0).toBeCloseTo(r.threshold!, 10);
    const sorted = [...norms].sort((a, b) => a - b);
    expect(r.threshold!).toBeGreaterThanOrEqual(sorted[880]!);
    expect(r.threshold!).toBeLessThanOrEqual(sorted[910]!);
    const hist = fig.data.find((d: T) => d.type === "bar") as T;
    expect((hist.y as number[]).reduce((a, b) => a + b, 0)).toBe(1000);
    const red = (hist.y as number[]).filter((_, i) => hist.marker.color[i] === "#D62728").reduce((a, b) => a + b, 0);
    expect(red / 1000).toBeCloseTo(r.clippedFraction, 1);
    expect(JSON.stringify(fig.layout.annotations)).toContain(`${(r.clippedFraction * 100).toFixed(1)}%`);
  });
  it("decimate keeps spikes and caps the point count", () => {
    const steps = Array.from({ length: 100_000 }, (_, i) => i);
    const vals = steps.map((i) => (i === 54_321 ? 1000 : 1));
    const d = decimate(steps, vals, 2000);
    expect(d.steps.length).toBeLessThanOrEqual(2000);
    expect(d.values).toContain(1000);
  });
  it("checkpoints: zones at 10% and 75%, bars count every trial", () => {
    const b = new StudyBuilder("ck", { metric: "acc", direction: "maximize" });
    for (let t = 0; t < 20; t++) for (let s = 0; s <= 100; s += 10) b.measure(`t${t}`, s, "acc", t < 15 ? s : 100 - s); // 15 late, 5 early
    const r = checkpointSelection(b.build());
    const fig = checkpointsFigure(r);
    const bars = fig.data[0] as T;
    expect((bars.y as number[]).reduce((a, c) => a + c, 0)).toBe(20);
    const shapes = fig.layout.shapes as T[];
    expect([shapes[0]!.x0, shapes[0]!.x1]).toEqual([0, 0.1]);
    expect([shapes[1]!.x0, shapes[1]!.x1]).toEqual([0.75, 1]);
  });
  it("batch size: OOM batch sizes are red X on the bottom edge", () => {
    const r = batchSizeScan([
      { batchSize: 32, examplesPerSec: 1000 },
      { batchSize: 64, examplesPerSec: 1900 },
      { batchSize: 128, examplesPerSec: 2000 },
      { batchSize: 256, oom: true },
    ]);
    const fig = batchSizeFigure(r);
    const oom = fig.data.find((d: T) => d.meta?.role === "oom") as T;
    expect(oom.x).toEqual([256]);
    expect(oom.y).toEqual([0]);
    expect((fig.layout.xaxis as T).type).toBe("log");
    expect((fig.data.find((d: T) => d.meta?.role === "recommended") as T).x).toEqual([64]);
  });
  it("trial variance: one strip per repeated configuration, sorted best mean first", () => {
    const r = trialVariance([
      { key: "a", values: [0.5, 0.52, 0.51] },
      { key: "b", values: [0.3, 0.31, 0.29] },
    ]);
    const fig = trialVarianceFigure(r, { direction: "minimize" });
    const means = fig.data[1] as T;
    expect(means.y[0]).toBeCloseTo(0.3, 10);
    expect((fig.data[0] as T).y).toHaveLength(6);
  });
});

describe("FIGURES registry", () => {
  it("has every kind the issue asks for", () => {
    expect(figureKinds()).toEqual(expect.arrayContaining(["axis", "isolation", "boundaries", "infeasible", "bootstrap", "trial-variance", "importance", "curves", "clipping", "checkpoints", "lr-sweep", "warmup", "batch-size", "parallel", "slice", "contour"]));
    for (const k of figureKinds()) expect(FIGURES[k].describe.length).toBeGreaterThan(10);
  });
  it("unknown kinds and prototype keys are clear errors", () => {
    expect(() => buildFigure("constructor", study)).toThrow(/unknown figure kind/);
    expect(() => buildFigure("axis", study, { hparam: "nope" })).toThrow(/not a hyperparameter/);
  });
  it("the batch-size kind reads batch_size, throughput attributes and oom statuses", () => {
    const b = new StudyBuilder("bs", { metric: "loss", direction: "minimize" });
    [[16, 100], [32, 190], [64, 200]].forEach(([bs, tp]) => b.trial({ id: `b${bs}`, hparams: { batch_size: bs! }, attrs: { examples_per_sec: tp } }));
    b.trial({ id: "b128", hparams: { batch_size: 128 }, status: "oom" });
    const fig = FIGURES["batch-size"].build(b.build());
    expect((fig.data.find((d: T) => d.meta?.role === "oom") as T).x).toEqual([128]);
  });
});
