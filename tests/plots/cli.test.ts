import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseOptions } from "../../src/analysis/registry.js";
import { plotList } from "../../src/cli/commands/plot.js";
import { drawFigures, figureEntries } from "../../src/plots/catalog.js";
import { type FigureKind, figureKinds } from "../../src/plots/figures.js";
import { loadStudy } from "../../src/study/load.js";
import type { Study } from "../../src/study/study.js";
import { DATA, runCli } from "../helpers/cli.js";
import { batchSizeStudyDir } from "../helpers/studies.js";

const dir = mkdtempSync(join(tmpdir(), "tunebook-plot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const figureOf = (html: string): unknown => JSON.parse(html.match(/<script type="application\/json" id="figure-data">([\s\S]*?)<\/script>/)![1]!);

/**
 * Every figure kind with a study it draws and non-default flags where it has options. The record
 * is typed by FigureKind, so a kind added to the catalog without a case (or a stale name in the
 * FigureKind list) fails the typecheck; the test below checks the list against the catalog.
 */
const MNIST = `${DATA}deepcave_mnist/run_1`;
const TUNEBOOK = `${DATA}mnist_tunebook/study`;
let batchDir = "";
const CASES: Record<FigureKind, { path: () => string; flags: string[]; analysis: Record<string, unknown>; figure: Record<string, unknown> }> = {
  infeasible: { path: () => MNIST, flags: ["--bins", "6", "--hparam", "learning_rate"], analysis: { bins: 6 }, figure: { hparam: "learning_rate" } },
  axis: { path: () => MNIST, flags: ["--hparams", "learning_rate,dropout_rate"], analysis: { hparams: ["learning_rate", "dropout_rate"] }, figure: {} },
  parallel: { path: () => MNIST, flags: [], analysis: {}, figure: {} },
  slice: { path: () => MNIST, flags: ["--hparam", "dropout_rate"], analysis: {}, figure: { hparam: "dropout_rate" } },
  contour: { path: () => MNIST, flags: ["--x", "learning_rate", "--y", "dropout_rate"], analysis: {}, figure: { x: "learning_rate", y: "dropout_rate" } },
  boundaries: { path: () => MNIST, flags: ["--band", "0.2", "--top", "8"], analysis: { band: 0.2, top: 8 }, figure: {} },
  isolation: { path: () => MNIST, flags: ["--scientific", "model", "--resamples", "100", "--seed", "4"], analysis: { scientific: ["model"], resamples: 100, seed: 4 }, figure: {} },
  bootstrap: { path: () => MNIST, flags: ["--budgets", "1,5,20", "--resamples", "200", "--seed", "2"], analysis: { budgets: [1, 5, 20], resamples: 200, seed: 2 }, figure: {} },
  "trial-variance": { path: () => `${DATA}algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline`, flags: [], analysis: {}, figure: {} },
  importance: { path: () => MNIST, flags: [], analysis: {}, figure: {} },
  fanova: { path: () => MNIST, flags: ["--trees", "8", "--seed", "5"], analysis: { trees: 8, seed: 5 }, figure: {} },
  "partial-dependence": { path: () => MNIST, flags: ["--trees", "8"], analysis: { trees: 8 }, figure: {} },
  curves: { path: () => TUNEBOOK, flags: [], analysis: {}, figure: {} },
  clipping: { path: () => TUNEBOOK, flags: ["--quantile", "0.95"], analysis: { quantile: 0.95 }, figure: {} },
  checkpoints: { path: () => TUNEBOOK, flags: ["--late-fraction", "0.3"], analysis: { lateFraction: 0.3 }, figure: {} },
  "lr-sweep": { path: () => TUNEBOOK, flags: [], analysis: {}, figure: {} },
  warmup: { path: () => TUNEBOOK, flags: [], analysis: {}, figure: {} },
  "batch-size": { path: () => batchDir || (batchDir = batchSizeStudyDir()), flags: [], analysis: {}, figure: {} },
};

const studies = new Map<string, Promise<Study>>();
const studyAt = (p: string) => {
  if (!studies.has(p)) studies.set(p, loadStudy(p));
  return studies.get(p)!;
};

describe("tunebook plot", () => {
  it("lists every kind of the catalog (what `tunebook plot list` prints), and FigureKind names exactly those", () => {
    const out = plotList();
    for (const e of figureEntries()) expect(out).toMatch(new RegExp(`^${e.kind}\\s+${e.summary.slice(0, 20).replace(/[()*+?.[\]\\^$|]/g, "\\$&")}`, "m"));
    expect(Object.keys(CASES).sort()).toEqual([...figureKinds()].sort());
  });

  // The CLI draws the very figure the catalog draws from the analysis result computed with the same
  // options (what the report, the magics and `tunebook analyze` show): one path, one answer.
  for (const kind of figureKinds()) {
    it(`${kind}: the figure written equals the catalog's figure of the same analysis result`, async () => {
      const c = CASES[kind];
      const path = c.path();
      const out = join(dir, `${kind}.html`);
      const r = runCli(["plot", kind, path, ...c.flags, "--out", out]);
      const e = figureEntries().find((x) => x.kind === kind)!;
      const study = await studyAt(path);
      const options = parseOptions(e.analysis, c.analysis) as Record<string, unknown>;
      const drawn = drawFigures(e.analysis.name, e.analysis.run(study, options), study, options, { kinds: [kind], options: c.figure });
      if (drawn.length === 0) {
        // Nothing to draw (e.g. no warmup plan in this study) is a clear error, not an empty file.
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^tunebook: ${kind}: nothing to draw`));
        return;
      }
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`wrote ${out} (${kind}, html)`);
      expect(figureOf(readFileSync(out, "utf8"))).toEqual(JSON.parse(JSON.stringify(drawn[0]!.figure)));
    }, 120_000);
  }

  it("flags are the registry's options: a misspelled one or kind gets a did-you-mean, a bad value one clear line", () => {
    const typo = runCli(["plot", "isolation", MNIST, "--scientfic", "model", "--out", join(dir, "x.html")]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option '--scientfic'\n\(Did you mean --scientific\?\)/);
    const kind = runCli(["plot", "isolaton", MNIST, "--out", join(dir, "x.html")]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/unknown command 'isolaton'\n\(Did you mean isolation\?\)/);
    const bad = runCli(["plot", "isolation", MNIST, "--resamples", "many", "--out", join(dir, "x.html")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tunebook: isolation: .*resamples/);
    const hp = runCli(["plot", "axis", MNIST, "--hparam", "learning_rat", "--out", join(dir, "x.html")]);
    expect(hp.stderr).toMatch(/--hparam "learning_rat" is not a hyperparameter of this study \(did you mean learning_rate\?\)/);
  }, 120_000);

  it("bad output gives one clear line, no stack trace", () => {
    const r = runCli(["plot", "axis", MNIST, "--out", join(dir, "a.jpg")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.png, \.svg or \.html/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);
});
