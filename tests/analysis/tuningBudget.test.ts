/**
 * The tuning-budget analysis (the worked example of docs/contributing.md): feasible trials per
 * value of a scientific hyperparameter, on the real DeepCAVE MNIST logs, and the new analysis
 * reached through the review, the magic and the CLI with no change outside its module and the
 * registry line.
 */
import { describe, expect, it } from "vitest";
import { figureBundle } from "../../src/notebook/display.js";
import type { Figure } from "../../src/plots/theme.js";
import { review } from "../../src/analysis/review.js";
import { tuningBudget } from "../../src/analysis/tuningBudget.js";
import { parseArgs } from "../../src/kernel/args.js";
import { MAGICS, type MagicContext } from "../../src/kernel/magics.js";
import { DATA, runCli } from "../helpers/cli.js";
import { deepcaveRows } from "../plots/fixtures.js";
import { deepcave } from "./deepcave.js";

/**
 * Labels from the raw long table: a configuration's value is its `activation`; it is feasible when
 * its row at the largest budget (epochs_cumulative) has status SUCCESS and a finite accuracy.
 */
function rawBudgets(run = "run_1"): Map<string, { trials: number; feasible: number }> {
  const last = new Map<string, Record<string, string>>();
  for (const r of deepcaveRows(run)) {
    const prev = last.get(r.config_id!);
    if (!prev || Number(r.epochs_cumulative) > Number(prev.epochs_cumulative)) last.set(r.config_id!, r);
  }
  const out = new Map<string, { trials: number; feasible: number }>();
  for (const r of last.values()) {
    const b = out.get(r.activation!) ?? { trials: 0, feasible: 0 };
    b.trials++;
    if (r.status === "SUCCESS" && Number.isFinite(Number(r.test_accuracy))) b.feasible++;
    out.set(r.activation!, b);
  }
  return out;
}

describe("tuningBudget", () => {
  it("counts trials and feasible trials per activation as the raw logs do", async () => {
    const r = tuningBudget(await deepcave(), "activation");
    const want = rawBudgets();
    expect(new Map(r.budgets.map((b) => [b.value, { trials: b.trials, feasible: b.feasible }]))).toEqual(want);
    const f = [...want.values()].map((b) => b.feasible);
    expect(r.ratio).toBeCloseTo(Math.max(...f) / Math.min(...f), 12);
    expect(r.findings[0]!.code).toBe(r.ratio > 2 ? "tuning_budget.unequal" : "tuning_budget.equal");
    // A threshold below the observed ratio turns it into a warning naming the smallest budget.
    const strict = tuningBudget(await deepcave(), "activation", { maxRatio: 1 });
    if (r.ratio > 1) expect(strict.findings[0]!.code).toBe("tuning_budget.unequal");
  });

  it("is run by the review, the %tuningBudget magic and `tunebook analyze tuningBudget`, with the same numbers", async () => {
    const study = await deepcave();
    const rv = review(study, { split: false, only: ["tuningBudget"], analysis: { tuningBudget: { scientific: "activation", maxRatio: 1.5 } } });
    expect(rv.ran).toEqual(["tuningBudget"]);
    const shown: unknown[] = [];
    const ctx = { locals: { s: study }, signal: new AbortController().signal, runtime: { current: "s" }, show: (b: unknown) => shown.push(b), newDisplay: () => () => {}, print: () => {}, showFigure: async (f: Figure) => void shown.push(figureBundle(f) as never) } as unknown as MagicContext;
    const m = MAGICS.tuningBudget!;
    const viaMagic = await m.run(parseArgs(["activation", "--max-ratio", "1.5"], m.args, m.usage), ctx);
    expect(viaMagic).toEqual(rv.results.tuningBudget);
    expect(shown.length).toBe(2); // its table and its findings (it has no figure)
    const cli = runCli(["analyze", "tuningBudget", `${DATA}deepcave_mnist/run_1`, "activation", "--max-ratio", "1.5", "--json"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).result).toEqual(JSON.parse(JSON.stringify(rv.results.tuningBudget)));
  }, 180_000);
});
