/**
 * Notebooks executed by real Jupyter (`jupyter nbconvert --to notebook --execute`) with the tunebook
 * kernel installed into a temporary prefix, asserting on the outputs saved in the notebook.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installTestKernel, jupyterPython, SKIP_MESSAGE } from "./jupyter.js";
import { DATA } from "../helpers/cli.js";
import { loadStudy } from "../../src/study/load.js";
import { isolation } from "../../src/analysis/isolation.js";
import { bestOfNBootstrap } from "../../src/analysis/bootstrap.js";
import { findingsText } from "../../src/kernel/render.js";
import { analysisNamed } from "../../src/analysis/analyses.js";

/** The heading a magic prints above an analysis's findings: the registry summary's first words. */
const title = (analysis: string): string => analysisNamed(analysis).summary.split(":")[0]!;
import type { Study } from "../../src/study/study.js";

const py = jupyterPython();
if (!py) console.warn(`tests/kernel/notebook.test.ts ${SKIP_MESSAGE}`);

interface Output {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, any>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: string;
  source: string;
  metadata: Record<string, unknown>;
  outputs: Output[];
}

/** nbformat stores multi-line strings as lists of lines: join them back. */
function normalize(c: Cell): Cell {
  const join = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("") : v);
  return {
    ...c,
    outputs: c.outputs.map((o) => ({
      ...o,
      text: join(o.text) as string | undefined,
      data: o.data ? Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, join(v)])) : undefined,
    })),
  };
}

const RUN1 = join(DATA, "deepcave_mnist", "run_1");

function notebook(cells: Array<{ source: string; raises?: boolean }>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tunebook-nb", display_name: "TypeScript (tunebook)", language: "typescript" } },
    cells: cells.map((c, i) => ({
      id: `c${i}`,
      cell_type: "code",
      source: c.source,
      metadata: c.raises ? { tags: ["raises-exception"] } : {},
      outputs: [],
      execution_count: null,
    })),
  });
}

const text = (o: Output[]): string => o.filter((x) => x.output_type === "stream").map((x) => x.text).join("");
const plain = (o: Output[]): string[] => o.filter((x) => x.data?.["text/plain"] !== undefined).map((x) => String(x.data!["text/plain"]));
const plotly = (o: Output[]) => o.filter((x) => x.data?.["application/vnd.plotly.v1+json"]).map((x) => x.data!["application/vnd.plotly.v1+json"] as { data: unknown[]; layout: Record<string, unknown> });
const error = (o: Output[]) => o.find((x) => x.output_type === "error");

describe.skipIf(!py)("notebooks through Jupyter with the tunebook kernel", () => {
  const work = mkdtempSync(join(tmpdir(), "tunebook-nb-"));
  let cells: Cell[] = [];
  let study: Study;
  let run: { status: number | null; stderr: string };
  let prefix = "";
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  beforeAll(async () => {
    const kernel = installTestKernel("tunebook-nb");
    prefix = kernel.prefix;
    const nb = notebook([
      { source: `%load ${RUN1}` },
      { source: "%isolation activation --resamples 200" },
      { source: "%bootstrap --budgets 1,5,20" },
      { source: "%isolation no_such_hparam", raises: true },
      { source: "%axis learning_rate\nconst n: number = study.size\nconst bad: string = n", raises: true },
      { source: "%bootstrap --budgets one,two", raises: true },
      { source: 'import { isolation } from "tunebook"\nconst iso = isolation(study, { scientific: "model" })\nconsole.log(iso.winner)' },
      { source: "%%space sp\nparameters:\n  learning_rate: {type: float, low: 0.0001, high: 0.1, scale: log}\n  activation: {type: categorical, values: [relu, tanh], role: scientific}" },
      { source: "sp.params.length" },
      { source: "%%space\nparameters:\n  learning_rate: {type: float, low: 1, high: 0.1, scale: log}", raises: true },
      { source: "const sci = \"model\"\n%isolation $sci --nuisance {['learning_rate', 'dropout_rate'].join(',')}" },
      { source: "study.trials" },
      { source: 'import { display, isolationFigure } from "tunebook"\ndisplay(isolationFigure(iso))\nisolationFigure(iso)' },
      { source: "%report --out report.html" },
    ]);
    writeFileSync(join(work, "in.ipynb"), nb);
    const r = spawnSync(py!, ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output", "out.ipynb", "in.ipynb"], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, ...kernel.env },
      timeout: 170_000,
    });
    run = { status: r.status, stderr: r.stderr };
    if (r.status === 0) cells = (JSON.parse(readFileSync(join(work, "out.ipynb"), "utf8")) as { cells: Cell[] }).cells.map(normalize);
    study = await loadStudy(RUN1);
  }, 180_000);

  it("executes every cell (errors only where tagged raises-exception)", () => {
    if (run.status !== 0) console.error(run.stderr.slice(-1500));
    expect(run.status).toBe(0);
    expect(cells).toHaveLength(14);
  });

  it("%load shows the study summary", () => {
    const out = plain(cells[0]!.outputs).join("\n");
    expect(out).toContain("loaded into study");
    expect(out).toContain(`trials: ${study.size} — ${study.statusCounts().complete} complete, ${study.statusCounts().failed} failed`);
    expect(cells[0]!.outputs[0]!.data!["text/html"]).toContain("<table>");
  });

  it("%isolation and %bootstrap show plotly figures and the library's findings", () => {
    const iso = isolation(study, { scientific: "activation", bootstrap: { resamples: 200, seed: 1 } });
    const figs = plotly(cells[1]!.outputs);
    expect(figs).toHaveLength(1);
    const bundle = cells[1]!.outputs.find((o) => o.data?.["application/vnd.plotly.v1+json"])!.data!;
    expect(bundle["text/html"]).toContain("Plotly.newPlot");
    expect(String(bundle["text/plain"])).toMatch(/activation/);
    expect(figs[0]!.data.length).toBeGreaterThan(0);
    expect(plain(cells[1]!.outputs)).toContain(findingsText(iso.findings, title("isolation")));
    // The winner is the activation of the best feasible trial (accuracy, maximized), computed here directly.
    const best = study.trialRows().filter((r) => r.status === "complete" && r.best !== null).sort((a, b) => b.best! - a.best!)[0]!;
    expect(iso.winner).toBe(String(best.hparams.activation));
    expect(plain(cells[1]!.outputs).join("\n")).toContain(String(best.hparams.activation));

    const boot = bestOfNBootstrap(study, { budgets: [1, 5, 20], seed: 1, keepSamples: true });
    const bfigs = plotly(cells[2]!.outputs);
    expect(bfigs).toHaveLength(1);
    expect(plain(cells[2]!.outputs)).toContain(findingsText(boot.findings, title("bootstrap")));
  });

  it("a bad magic gives a readable error, not a stack trace, and the kernel goes on", () => {
    const e = error(cells[3]!.outputs)!;
    // A hyperparameter the study lacks is an error of the input (the analysis says it), not of the magic's syntax.
    expect(e.ename).toBe("TunebookError");
    expect(e.evalue).toContain('%isolation (line 1): isolation: the study has no hyperparameter "no_such_hparam" (it has: activation, batch_size');
    expect(e.traceback!.join("\n")).not.toMatch(/\n\s+at /);

    const b = error(cells[5]!.outputs)!;
    expect(b.ename).toBe("UsageError");
    expect(b.evalue).toBe('%bootstrap (line 1): --budgets: "one" is not a number');
  });

  it("compiler errors keep the user's line numbers in cells that mix magics and code", () => {
    const e = error(cells[4]!.outputs)!;
    expect(e.ename).toBe("CompileError");
    expect(e.evalue).toBe("3:7 - Type 'number' is not assignable to type 'string'.");
  });

  it("plain TypeScript imports tunebook and sees the notebook's study", () => {
    const winner = isolation(study, { scientific: "model" }).winner;
    expect(text(cells[6]!.outputs)).toBe(`${winner}\n`);
  });

  it("%%space validates a search space into a variable, with readable errors", () => {
    expect(cells[7]!.outputs[0]!.data!["text/html"]).toContain("learning_rate");
    expect(text(cells[8]!.outputs)).toBe("2\n");
    const e = error(cells[9]!.outputs)!;
    expect(e.ename).toBe("TunebookError");
    expect(e.evalue).toMatch(/^%space \(line 1\): /);
    expect(e.evalue).toMatch(/low|high/);
  });

  it("magics take notebook values ($name, {expression})", () => {
    // The magic runs with the registry's defaults (seed 0, 500 resamples).
    const iso = isolation(study, { scientific: "model", nuisance: ["learning_rate", "dropout_rate"], bootstrap: { resamples: 500, seed: 0 } });
    expect(plotly(cells[10]!.outputs)).toHaveLength(1);
    expect(plain(cells[10]!.outputs)).toContain(findingsText(iso.findings, title("isolation")));
  });

  it("arquero tables display as HTML tables", () => {
    const html = String(cells[11]!.outputs[0]!.data!["text/html"]);
    expect(html).toContain("<table");
    expect(html).toContain(`${study.size.toLocaleString("en-US")} in all`);
  });

  it("figures display richly from display() and as a cell's last expression", () => {
    const figs = plotly(cells[12]!.outputs);
    expect(figs).toHaveLength(2);
    expect(figs[0]).toEqual(figs[1]);
  });

  it("%report writes the HTML report next to the notebook", () => {
    expect(plain(cells[13]!.outputs).join("")).toContain(join(work, "report.html"));
    expect(readFileSync(join(work, "report.html"), "utf8")).toMatch(/^<!doctype html>/i);
  });
});
