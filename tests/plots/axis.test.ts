import { describe, expect, it } from "vitest";
import { axisPlotData } from "../../src/analysis/axis.js";
import { axisFigure } from "../../src/plots/axis.js";
import { StudyBuilder } from "../../src/study/builder.js";
import { deepcaveCrashedCount, deepcaveStudy } from "./fixtures.js";

type T = Record<string, any>;
const study = deepcaveStudy("run_1");

describe("axisFigure on the DeepCAVE MNIST study", () => {
  const fig = axisFigure(axisPlotData(study));
  it("draws one red X per infeasible trial in every panel, counted in the legend", () => {
    const crashed = deepcaveCrashedCount("run_1");
    expect(crashed).toBeGreaterThan(100);
    const xs = fig.data.filter((d: T) => d.marker?.symbol === "x");
    const lr = xs.find((d: T) => d.xaxis === "x") as T;
    expect((lr.y as unknown[]).length).toBe(crashed);
    expect(lr.marker.color).toBe("#D62728");
    expect(String(lr.name)).toContain(String(crashed));
    // Conditional hyperparameters: only the MLP trials have num_neurons_layer1.
    const n1 = fig.data.findIndex((d: T) => d.meta?.role === "feasible" && (d.x as number[]).length < 700);
    expect(n1).toBeGreaterThan(0);
  });
  it("uses a log x axis exactly where the space is log", () => {
    const axes = Object.entries(fig.layout).filter(([k]) => k.startsWith("xaxis")) as Array<[string, T]>;
    const byTitle = new Map(axes.map(([, a]) => [String(a.title.text).split(" ")[0], a]));
    expect(byTitle.get("learning_rate")!.type).toBe("log");
    expect(byTitle.get("dropout_rate")!.type).not.toBe("log");
    expect(byTitle.get("batch_size")!.type).not.toBe("log");
  });
  it("puts infeasible Xs below every feasible point when maximizing", () => {
    const feas = fig.data.find((d: T) => d.meta?.role === "feasible" && d.xaxis === "x") as T;
    const inf = fig.data.find((d: T) => d.marker?.symbol === "x" && d.xaxis === "x") as T;
    const minFeasible = Math.min(...(feas.y as number[]));
    expect(Math.max(...(inf.y as number[]))).toBeLessThan(minFeasible);
    const range = (fig.layout.yaxis as T).range as number[];
    expect(inf.y[0]).toBeGreaterThan(range[0]!);
  });
  it("hover text carries the trial's hyperparameters", () => {
    const feas = fig.data.find((d: T) => d.meta?.role === "feasible" && d.xaxis === "x") as T;
    expect(feas.text[0]).toMatch(/learning_rate: .*<br>dropout_rate: /);
    expect(feas.text.length).toBe(feas.x.length);
  });
  it("one chosen hyperparameter gives a single panel", () => {
    const one = axisFigure(axisPlotData(study), { hparam: "learning_rate" });
    expect(new Set(one.data.map((d: T) => d.xaxis))).toEqual(new Set(["x"]));
    expect((one.layout.xaxis as T).type).toBe("log");
  });
});

describe("axisFigure readability and safety", () => {
  function synthetic(n: number, name = "lr") {
    const b = new StudyBuilder("syn", { metric: "loss", direction: "minimize" });
    for (let i = 0; i < n; i++) {
      const lr = 10 ** (-4 + (3 * i) / Math.max(1, n));
      b.trial({ id: `t${i}`, hparams: { [name]: lr, wd: i % 7 }, status: i % 10 === 9 ? "diverged" : "complete", final: 1 + Math.log10(lr) ** 2, best: 1 + Math.log10(lr) ** 2 });
    }
    return b.build();
  }
  it("fades 2,000 trials and shows 1 trial as a big solid dot", () => {
    const big = axisFigure(axisPlotData(synthetic(2000)));
    const one = axisFigure(axisPlotData(synthetic(1), { hparams: ["lr"] }), { hparam: "lr" });
    const bm = (big.data[0] as T).marker;
    const om = (one.data[0] as T).marker;
    expect(bm.opacity).toBeLessThan(0.5);
    expect(bm.size).toBeLessThan(om.size);
    expect(om.opacity).toBeGreaterThan(0.8);
    expect((one.data[0] as T).x).toHaveLength(1);
  });
  it("puts infeasible Xs above every feasible point when minimizing", () => {
    const fig = axisFigure(axisPlotData(synthetic(50)), { hparam: "lr" });
    const feas = fig.data[0] as T;
    const inf = fig.data[1] as T;
    expect(inf.y).toHaveLength(5);
    expect(Math.min(...inf.y)).toBeGreaterThan(Math.max(...feas.y));
  });
  it("escapes hyperparameter names in titles", () => {
    const fig = axisFigure(axisPlotData(synthetic(10, "<img src=x>")), { hparam: "<img src=x>" });
    const json = JSON.stringify(fig);
    expect(json).not.toContain("<img");
    expect(json).toContain("&lt;img src=x&gt;");
  });
  it("keeps a blown-up but finite trial from flattening the plot: drawn off-scale at the edge, counted", () => {
    const b = new StudyBuilder("outlier", { metric: "loss", direction: "minimize" });
    for (let i = 0; i < 100; i++) {
      const y = i < 2 ? 1e6 : 0.5 + (i % 10) / 20;
      b.trial({ id: `t${i}`, hparams: { lr: 10 ** (-4 + (3 * i) / 100) }, best: y, final: y });
    }
    const fig = axisFigure(axisPlotData(b.build(), { hparams: ["lr"] }));
    const off = fig.data.find((d: T) => d.meta?.role === "off-scale") as T;
    expect(off.x).toHaveLength(2);
    expect(String(off.name)).toContain(": 2");
    const range = (fig.layout.yaxis as T).range as number[];
    expect(range[1]).toBeLessThan(10);
    expect(off.y[0]).toBeLessThan(range[1]!);
    expect((fig.data[0] as T).x).toHaveLength(98);
  });
});
