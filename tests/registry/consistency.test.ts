/**
 * One definition, one answer: for every registered analysis, the review, the report, the kernel
 * magic and the CLI (`tunebook analyze`) give the same findings, the same result numbers and the
 * same figures for the same study and options.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { figureBundle } from "../../src/notebook/display.js";
import type { Figure } from "../../src/plots/theme.js";
import { ANALYSES, type AnalysisName } from "../../src/analysis/analyses.js";
import type { AnalysisResult, AnyAnalysis } from "../../src/analysis/registry.js";
import { review } from "../../src/analysis/review.js";
import { sortFindings } from "../../src/core/findings.js";
import { parseArgs } from "../../src/kernel/args.js";
import { type MagicContext, analysisMagic } from "../../src/kernel/magics.js";
import type { MimeBundle } from "../../src/notebook/display.js";
import { drawFigures } from "../../src/plots/catalog.js";
import { reportContent } from "../../src/report/report.js";
import { loadStudy } from "../../src/study/load.js";
import type { Study } from "../../src/study/study.js";
import { stringifyJson } from "../../src/util/fs.js";
import { DATA, runCli } from "../helpers/cli.js";
import { batchSizeStudyDir } from "../helpers/studies.js";

/** JSON as every tool emits it (NaN/Infinity as the shared replacer writes them). */
const norm = (x: unknown): unknown => JSON.parse(stringifyJson(x));
/** Figures as the notebook sends them (plotly's JSON has no NaN). */
const fig = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

type Case = { path: () => string; options: Record<string, unknown>; args: string[] };

/** An analysis with no case below is compared on DeepCAVE MNIST with its default options. */
const DEFAULT_CASE: Case = { path: () => `${DATA}deepcave_mnist/run_1`, options: {}, args: [] };

/** Where each analysis applies, and the options it is compared with (non-default where it has any). */
const CASES: Partial<Record<AnalysisName, Case>> = {
  infeasible: { path: () => `${DATA}deepcave_mnist/run_1`, options: { bins: 6 }, args: ["--bins", "6"] },
  axis: { path: () => `${DATA}deepcave_mnist/run_1`, options: { hparams: ["learning_rate", "dropout_rate"] }, args: ["learning_rate", "dropout_rate"] },
  boundaries: { path: () => `${DATA}deepcave_mnist/run_1`, options: { band: 0.2, top: 8 }, args: ["--band", "0.2", "--top", "8"] },
  isolation: { path: () => `${DATA}deepcave_mnist/run_1`, options: { scientific: ["activation"], resamples: 200, seed: 3 }, args: ["activation", "--resamples", "200", "--seed", "3"] },
  bootstrap: { path: () => `${DATA}deepcave_mnist/run_1`, options: { budgets: [1, 5, 20], resamples: 300, seed: 2 }, args: ["--budgets", "1,5,20", "--resamples", "300", "--seed", "2"] },
  trialVariance: { path: () => `${DATA}algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline`, options: {}, args: [] },
  studyVariance: { path: () => `${DATA}algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline`, options: { by: "final" }, args: ["--by", "final"] },
  adoption: {
    path: () => `${DATA}algoperf_v05/trials_summary.csv`,
    options: { key: "submission", baseline: "prize_qualification_baseline", candidate: "nadamp" },
    args: ["--key", "submission", "--baseline", "prize_qualification_baseline", "--candidate", "nadamp"],
  },
  importance: { path: () => `${DATA}deepcave_mnist/run_1`, options: {}, args: [] },
  adamBudget: { path: () => `${DATA}mnist_tunebook/study`, options: {}, args: [] },
  curves: { path: () => `${DATA}mnist_tunebook/study`, options: {}, args: [] },
  checkpoints: { path: () => `${DATA}mnist_tunebook/study`, options: { lateFraction: 0.3 }, args: ["--late-fraction", "0.3"] },
  clipping: { path: () => `${DATA}mnist_tunebook/study`, options: { quantile: 0.95 }, args: ["--quantile", "0.95"] },
  instability: { path: () => `${DATA}mnist_tunebook/study`, options: {}, args: [] },
  // Not a learning-rate sweep, so it runs only when asked with options.
  trainingSteps: { path: () => `${DATA}deepcave_mnist/run_1`, options: { tolerance: 0.02 }, args: ["--tolerance", "0.02"] },
  batchSize: { path: batchSizeStudyDir, options: {}, args: [] },
};

const studies = new Map<string, Promise<Study>>();
const studyAt = (p: string) => {
  if (!studies.has(p)) studies.set(p, loadStudy(p));
  return studies.get(p)!;
};

describe("every registered analysis gives one answer in review, report, magic and CLI", () => {
  it("has cases only for registered analyses", () => {
    for (const k of Object.keys(CASES)) expect(ANALYSES.map((a) => a.name as string)).toContain(k);
  });

  for (const a of ANALYSES as readonly AnyAnalysis[]) {
    const c = CASES[a.name as AnalysisName] ?? DEFAULT_CASE;
    let path = "";
    beforeAll(() => {
      path = c.path();
    });
    it(`${a.name}`, async () => {
      const study = await studyAt(path);
      // Review.
      const rv = review(study, { split: false, only: [a.name], analysis: { [a.name]: c.options } });
      expect(rv.ran, JSON.stringify(rv.skippedWhy)).toEqual([a.name]);
      const result = (rv.results as Record<string, AnalysisResult>)[a.name]!;
      const options = rv.options[a.name as AnalysisName]!;
      const drawn = drawFigures(a.name, result, study, options, { report: true }).map((d) => d.figure);
      const figures = drawn.map(fig);

      // Report (its own review with the same options).
      const rep = await reportContent(study, { review: { split: false, only: [a.name], analysis: { [a.name]: c.options } }, maxFigures: 100 });
      expect(norm(rep.findings.filter((f) => f.analysis === a.name).map(({ figure: _f, analysis: _a, ...f }) => f))).toEqual(norm(sortFindings(result.findings)));
      expect(rep.figures.filter((f) => f.analysis === a.name).map((f) => fig(f.figure))).toEqual(figures);
      // Each finding links to a figure of its own analysis when the analysis has one.
      for (const f of rep.findings.filter((x) => x.analysis === a.name)) if (figures.length) expect(rep.figures[f.figure!]!.analysis).toBe(a.name);

      // Magic (the kernel's %name, run on the loaded study).
      const shown: MimeBundle[] = [];
      const ctx = { locals: { s: study }, signal: new AbortController().signal, runtime: { current: "s" }, show: (b: MimeBundle) => shown.push(b), newDisplay: () => () => {}, print: () => {}, showFigure: async (f: Figure) => void shown.push(figureBundle(f) as never) } as unknown as MagicContext;
      const m = analysisMagic(a);
      const magicResult = await m.run(parseArgs(c.args, m.args, m.usage), ctx);
      expect(norm(magicResult)).toEqual(norm(result));
      expect(shown.filter((b) => b["application/vnd.plotly.v1+json"]).map((b) => b["application/vnd.plotly.v1+json"])).toEqual(figures);

      // CLI.
      const cli = runCli(["analyze", a.name, path, ...c.args, "--json"]);
      expect(cli.code, cli.stderr).toBe(0);
      const out = JSON.parse(cli.stdout) as { options: unknown; result: unknown; figures: Array<{ figure: unknown }> };
      expect(out.options).toEqual(norm(options));
      expect(out.result).toEqual(norm(result));
      expect(out.figures.map((f) => f.figure)).toEqual(drawn.map(norm));
    }, 180_000);
  }
});
