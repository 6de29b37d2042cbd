/**
 * One default, defined once: for every registered analysis, the function called directly with no
 * options gives what the registry's default run gives (review, report, magics and CLI run that).
 * Each analysis module reads its direct call's defaults from its registry options
 * (`optionDefaults`), so a default written twice (e.g. 1000 resamples in the function, 500 in the
 * registry) shows up here as different numbers.
 */
import { describe, expect, it } from "vitest";
import { adamBudgetCheck } from "../../src/analysis/adamBudget.js";
import { scientificCandidates } from "../../src/analysis/applicability.js";
import { ANALYSES, type AnalysisName } from "../../src/analysis/analyses.js";
import { axisPlotData } from "../../src/analysis/axis.js";
import { batchSizeStudy } from "../../src/analysis/batchSize.js";
import { bestOfNBootstrap } from "../../src/analysis/bootstrap.js";
import { boundaries } from "../../src/analysis/boundaries.js";
import { checkpointSelection } from "../../src/analysis/checkpoints.js";
import { gradientClipping } from "../../src/analysis/clipping.js";

import { curveDiagnostics } from "../../src/analysis/curves.js";
import { fanova } from "../../src/analysis/fanova.js";
import { importance } from "../../src/analysis/importance.js";
import { infeasible } from "../../src/analysis/infeasible.js";
import { isolation } from "../../src/analysis/isolation.js";
import { type AnyAnalysis, parseOptions } from "../../src/analysis/registry.js";
import { studyVariance } from "../../src/analysis/studyVariance.js";
import { trainingSteps } from "../../src/analysis/trainingSteps.js";
import { compareTrials, trialVariance } from "../../src/analysis/trialVariance.js";
import { tuningBudget } from "../../src/analysis/tuningBudget.js";
import { instability } from "../../src/analysis/warmup.js";
import { loadStudy } from "../../src/study/load.js";
import type { Study } from "../../src/study/study.js";
import { stringifyJson } from "../../src/util/fs.js";
import { DATA } from "../helpers/cli.js";

const norm = (x: unknown): unknown => JSON.parse(stringifyJson(x));

/** Real studies; each analysis is checked on every one where it applies with its defaults. */
const PATHS = [
  `${DATA}deepcave_mnist/run_1`,
  `${DATA}mnist_tunebook/study`,
  `${DATA}algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline`,
  `${DATA}algoperf_v05/trials_summary.csv`,
];

/** Options an analysis cannot do without (they name its input, they are no defaults). */
const REQUIRED: Partial<Record<AnalysisName, Record<string, string>>> = {
  adoption: { key: "submission", baseline: "prize_qualification_baseline", candidate: "nadamp" },
};

/** The function a user calls directly, with no options (beyond the required ones). */
const DIRECT: Record<AnalysisName, (s: Study, required: Record<string, string>) => unknown> = {
  infeasible: (s) => infeasible(s),
  axis: (s) => axisPlotData(s),
  boundaries: (s) => boundaries(s),
  // The registry compares every scientific candidate, each with a bootstrap interval of its best.
  isolation: (s) => {
    const byScientific = scientificCandidates(s).map((scientific) => isolation(s, { scientific, bootstrap: {} }));
    return { findings: byScientific.flatMap((r) => r.findings), byScientific };
  },
  bootstrap: (s) => bestOfNBootstrap(s),
  trialVariance: (s) => trialVariance(s),
  studyVariance: (s) => studyVariance(s),
  adoption: (s, r) => compareTrials(s, { key: r.key!, baseline: r.baseline!, candidate: r.candidate! }),
  importance: (s) => importance(s),
  fanova: (s) => fanova(s),
  adamBudget: (s) => adamBudgetCheck(s),
  curves: (s) => curveDiagnostics(s),
  checkpoints: (s) => checkpointSelection(s),
  clipping: (s) => gradientClipping(s),
  instability: (s) => instability(s),
  trainingSteps: (s) => trainingSteps(s),
  batchSize: (s) => batchSizeStudy(s),
  tuningBudget: (s) => tuningBudget(s, scientificCandidates(s)[0]!),
};

const NOT_HERE = ["batchSize", "trainingSteps"];

let studies: Study[] = [];

describe("the direct call with no options equals the registry's default run", () => {
  it("loads the studies", async () => {
    studies = await Promise.all(PATHS.map((p) => loadStudy(p)));
  }, 120_000);

  for (const a of ANALYSES as readonly AnyAnalysis[]) {
    it(a.name, () => {
      const required = REQUIRED[a.name as AnalysisName] ?? {};
      const options = parseOptions(a, required);
      const where = studies.filter((s) => a.applies(s, options) === true);
      // No bundled study is a batch-size scan or a constant-learning-rate sweep: those two are
      // compared on every study (their run still computes; the review would skip them).
      const on = NOT_HERE.includes(a.name) ? studies : where;
      expect(on.length, `${a.name} applies to none of the studies`).toBeGreaterThan(0);
      for (const s of on) {
        const registry = norm(a.run(s, options));
        expect(norm(DIRECT[a.name as AnalysisName](s, required)), `${a.name} on ${s.name}`).toEqual(registry);
        // The run with nothing filled in (what a direct call passes through) agrees too.
        expect(norm(a.run(s, { ...required } as never)), `${a.name} on ${s.name}, unparsed`).toEqual(registry);
      }
    }, 120_000);
  }
});
