import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fanova } from "../../src/analysis/fanova.js";
import { FIGURES } from "../../src/plots/figures.js";
import { fanovaFigure, partialDependenceFigure } from "../../src/plots/fanova.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA, runCli } from "../helpers/cli.js";

describe("fANOVA figures", () => {
  it("draws main effects, interactions and conditional effects with whiskers from the result, and partial dependence per hyperparameter", async () => {
    const study = await loadStudy(`${DATA}deepcave_mnist/run_2`);
    const r = fanova(study, { trees: 12, seed: 0, pdPoints: 15 });
    const fig = fanovaFigure(r);
    const byName = Object.fromEntries((fig.data as Array<Record<string, any>>).map((t) => [t.name as string, t]));
    const main = byName["main effect"]!;
    expect(main.x).toEqual(expect.arrayContaining(r.model.main.map((e) => e.fraction)));
    // Whiskers reach the 10th and 90th percentile over trees.
    const lr = r.model.main.find((e) => e.hparams[0] === "learning_rate")!;
    const k = (main.x as number[]).indexOf(lr.fraction);
    expect((main.error_x as { array: number[] }).array[k]).toBeCloseTo(lr.high - lr.fraction, 12);
    expect((main.error_x as { arrayminus: number[] }).arrayminus[k]).toBeCloseTo(lr.fraction - lr.low, 12);
    expect((byName["conditional (within its subspace)"]!.y as string[]).every((l) => l.includes("within model = mlp"))).toBe(true);
    expect((byName["pairwise interaction"]!.y as string[]).every((l) => l.includes(" × "))).toBe(true);
    // Main effects on top of the chart: the last categories of the axis order.
    const order = (fig.layout.yaxis as { categoryarray: string[] }).categoryarray;
    expect(order[order.length - 1]!.startsWith(r.model.main[0]!.hparams[0]!)).toBe(true);
    const pd = partialDependenceFigure(r);
    expect((pd.layout.annotations as unknown[]).length).toBe(r.partialDependence.length);
    const lrPanel = r.partialDependence.findIndex((p) => p.hparam === "learning_rate");
    expect(((pd.layout as Record<string, unknown>)[lrPanel === 0 ? "xaxis" : `xaxis${lrPanel + 1}`] as { type?: string }).type).toBe("log");
    expect(Object.keys(FIGURES)).toEqual(expect.arrayContaining(["fanova", "partial-dependence"]));
  }, 60_000);

  it("`tunebook review` reports fANOVA importance", () => {
    // Expected count from the raw trial records: every status other than "complete" is infeasible.
    const dir = `${DATA}mnist_tunebook/study/trials/`;
    const statuses = readdirSync(dir).filter((f) => /^\d+\.json$/.test(f)).map((f) => JSON.parse(readFileSync(dir + f, "utf8")).status as string);
    const bad = statuses.filter((st) => st !== "complete").length;
    const out = runCli(["review", `${DATA}mnist_tunebook/study`, "--json"]);
    expect(out.code).toBe(0);
    const findings = JSON.parse(out.stdout).findings as Array<{ code: string; message: string }>;
    const top = findings.find((f) => f.code === "fanova.top")!;
    expect(top.message).toMatch(/^learning_rate matters most/);
    expect(findings.some((f) => f.code === "fanova.infeasible" && f.message.startsWith(`${bad} of ${statuses.length} trials are infeasible`))).toBe(true);
  }, 60_000);
});
