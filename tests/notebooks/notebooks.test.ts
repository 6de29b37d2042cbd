/**
 * The tutorial notebooks (notebooks/*.ipynb) executed by real Jupyter with the tunebook kernel,
 * asserting on the outputs they produce: no error anywhere, plotly figures where the magics draw
 * them, and the findings the notebooks' text talks about (recomputed here from the library on the
 * same data, including the studies the workshop notebook trains).
 *
 * The notebooks run in a temporary copy of notebooks/ (with ../datasets linked to the real data)
 * so the workshop's training runs start from scratch and nothing is written into notebooks/. The
 * copy lives under the checkout's tmp/ (gitignored): the test kernel runs from the TypeScript
 * sources, and the training worker processes it forks find `tsx` only from inside the package.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installTestKernel, jupyterPython, SKIP_MESSAGE } from "../kernel/jupyter.js";
import { DATA, ROOT } from "../helpers/cli.js";
import { loadStudy } from "../../src/study/load.js";
import { isolation } from "../../src/analysis/isolation.js";
import { boundaries } from "../../src/analysis/boundaries.js";
import { bestOfNBootstrap } from "../../src/analysis/bootstrap.js";
import { gradientClipping } from "../../src/analysis/clipping.js";
import { learningRateSweep } from "../../src/analysis/warmup.js";
import { checkpointSelection } from "../../src/analysis/checkpoints.js";
import { splitByWorkload } from "../../src/study/formats/algoperf.js";
import { findingsText } from "../../src/kernel/render.js";
import { analysisNamed } from "../../src/analysis/analyses.js";
import { fanova } from "../../src/analysis/fanova.js";
import { algoperfScore, studySpeedMatrices } from "../../src/analysis/algoperfScore.js";
import { compareAlgorithms } from "../../src/analysis/compareAlgorithms.js";
import { readAlgoPerfLogs } from "../../src/study/formats/algoperfEvals.js";

const py = jupyterPython();
if (!py) console.warn(`tests/notebooks/notebooks.test.ts ${SKIP_MESSAGE}`);

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

const NOTEBOOKS = ["01-quickstart", "02-workshop", "03-algoperf-case-study"] as const;
type Name = (typeof NOTEBOOKS)[number];

const join1 = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));
const src = (c: Cell) => join1(c.source);
const plotly = (c: Cell) => (c.outputs ?? []).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
/** Everything a cell printed or displayed, as text. */
const shown = (c: Cell): string =>
  (c.outputs ?? []).map((o) => (o.output_type === "stream" ? join1(o.text) : join1(o.data?.["text/plain"] as string | string[] | undefined))).join("\n");

/** Execute one notebook with nbconvert (asynchronously, so the three can run side by side). */
function execute(dir: string, name: Name, env: Record<string, string>, kernel: string): Promise<{ code: number | null; stderr: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(
      py!,
      ["-m", "nbconvert", "--to", "notebook", "--execute", `--ExecutePreprocessor.kernel_name=${kernel}`, "--ExecutePreprocessor.timeout=900", "--output", `${name}.out.ipynb`, `${name}.ipynb`],
      { cwd: dir, env: { ...process.env, ...env } },
    );
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("close", (code) => resolve({ code, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

/** The heading a magic prints above an analysis's findings: the registry summary's first words. */
const title = (analysis: string): string => analysisNamed(analysis).summary.split(":")[0]!;

describe.skipIf(!py)("notebooks execute through Jupyter with the tunebook kernel", () => {
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  const work = mkdtempSync(join(ROOT, "tmp", "notebooks-test-"));
  const dir = join(work, "notebooks");
  const cells = {} as Record<Name, Cell[]>;
  const runs = {} as Record<Name, { code: number | null; stderr: string; seconds: number }>;
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    const kernel = installTestKernel("tunebook-notebooks");
    cpSync(join(ROOT, "notebooks"), dir, { recursive: true, filter: (s) => !s.includes(`${join("notebooks", "runs")}`) && !s.endsWith(".out.ipynb") });
    symlinkSync(DATA, join(work, "datasets"));
    const t0 = Date.now();
    const results = await Promise.all(NOTEBOOKS.map((n) => execute(dir, n, kernel.env, kernel.name)));
    NOTEBOOKS.forEach((n, i) => {
      runs[n] = results[i]!;
      console.log(`${n}: ${results[i]!.seconds.toFixed(1)} s`);
      const out = join(dir, `${n}.out.ipynb`);
      cells[n] = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells : [];
    });
    console.log(`all notebooks: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 900_000);

  /** The code cell whose source starts with `start` (exactly one). */
  const cell = (n: Name, start: string): Cell => {
    const found = cells[n].filter((c) => c.cell_type === "code" && src(c).startsWith(start));
    expect(found, `${n}: cells starting with ${JSON.stringify(start)}`).toHaveLength(1);
    return found[0]!;
  };

  it.each(NOTEBOOKS)("%s executes every cell without an error output", (n) => {
    expect(runs[n].code, runs[n].stderr.slice(-3000)).toBe(0);
    const code = cells[n].filter((c) => c.cell_type === "code");
    expect(code.length).toBeGreaterThan(8);
    for (const c of code) {
      const err = (c.outputs ?? []).find((o) => o.output_type === "error");
      expect(err, `${src(c).slice(0, 80)} → ${err?.ename}: ${err?.evalue}`).toBeUndefined();
      // Every code cell shows something (a figure, a table, findings or printed text).
      if (!/^(import|const \w+ = new Study)/.test(src(c).trim())) expect((c.outputs ?? []).length, src(c).slice(0, 80)).toBeGreaterThan(0);
    }
    // Each notebook explains itself: markdown cells between the code.
    expect(cells[n].filter((c) => c.cell_type === "markdown").length).toBeGreaterThan(8);
  });

  it("every figure magic in every notebook displays a plotly figure", () => {
    let n = 0;
    for (const name of NOTEBOOKS)
      for (const c of cells[name])
        if (c.cell_type === "code" && /^%(axis|isolation|boundaries|bootstrap|curves|clipping|checkpoints)\b/.test(src(c))) {
          const figs = plotly(c);
          expect(figs.length, `${name}: ${src(c)}`).toBeGreaterThan(0);
          const fig = figs[0]!.data!["application/vnd.plotly.v1+json"] as { data: unknown[] };
          expect(fig.data.length, `${name}: ${src(c)}`).toBeGreaterThan(0);
          // The HTML view carries the figure too (nbconvert's HTML shows it).
          expect(String(join1(figs[0]!.data!["text/html"] as string))).toContain("Plotly");
          n++;
        }
    expect(n).toBeGreaterThanOrEqual(20);
  });

  it("01-quickstart: the Optuna SQLite cell shows the study's pruned and failed trials", async () => {
    const optuna = await loadStudy(join(DATA, "optuna_mlp_lr", "study.db"), { study: "mlp-lr" });
    const c = optuna.statusCounts();
    expect(c.pruned).toBeGreaterThan(0);
    const text = shown(cell("01-quickstart", "%load ../datasets/optuna_mlp_lr/study.db"));
    expect(text).toContain(`${c.pruned} pruned`);
    expect(text).toContain(`${c.failed} failed`);
  });

  it("every figure output travels: a PNG fallback, no wider than the output area, plotly.js once per notebook", () => {
    for (const name of NOTEBOOKS) {
      const figs = cells[name].flatMap((c) => plotly(c));
      expect(figs.length, name).toBeGreaterThan(0);
      let carriers = 0;
      for (const f of figs) {
        const d = f.data!;
        const layout = (d["application/vnd.plotly.v1+json"] as { layout: { width?: number; title?: { text?: string } } }).layout;
        const what = `${name}: ${String(layout.title?.text ?? "").slice(0, 60)}`;
        // The PNG's own header says its size (bytes 16-23 of the IHDR chunk).
        const png = Buffer.from(String(join1(d["image/png"] as string)), "base64");
        expect(png.subarray(1, 4).toString(), what).toBe("PNG");
        const width = png.readUInt32BE(16);
        expect(width, what).toBeGreaterThan(300);
        expect(width, what).toBeLessThanOrEqual(960);
        expect(layout.width ?? 0, what).toBeLessThanOrEqual(960);
        const html = String(join1(d["text/html"] as string));
        expect(html, what).toContain("data:image/png;base64,");
        if (html.includes('<script type="text/x-tunebook-plotly">')) carriers++;
      }
      expect(carriers, `${name}: outputs carrying plotly.js`).toBe(1);
    }
  });

  it("01-quickstart: review, isolation, boundaries and bootstrap say what the library says", async () => {
    const algoperf = await loadStudy(join(DATA, "algoperf_v05", "trials_summary.csv"));
    const resnet = algoperf.filter((t) => t.group === "imagenet_resnet_jax").withObjective({ metric: "validation/accuracy", direction: "maximize" });
    const iso = isolation(resnet, { scientific: "submission", bootstrap: { resamples: 500, seed: 1 } });
    expect(iso.winner).toBe("generalized_adam");
    expect(shown(cell("01-quickstart", "%isolation submission"))).toContain(findingsText(iso.findings, title("isolation")));
    expect(shown(cell("01-quickstart", "%review"))).toContain("[variance.trial]");

    const mnist = await loadStudy(join(DATA, "deepcave_mnist", "run_1"));
    const act = isolation(mnist, { scientific: "activation", bootstrap: { resamples: 300, seed: 1 } });
    expect(shown(cell("01-quickstart", "%isolation activation"))).toContain(findingsText(act.findings, title("isolation")));
    const b = boundaries(mnist);
    expect(b.findings.some((f) => f.code === "boundary.mostly_infeasible")).toBe(true);
    expect(shown(cell("01-quickstart", "%boundaries"))).toContain(findingsText(b.findings, title("boundaries")));
    const boot = bestOfNBootstrap(mnist, { budgets: [1, 5, 10, 20, 50, 100], seed: 1 });
    expect(shown(cell("01-quickstart", "%bootstrap"))).toContain(findingsText(boot.findings, title("bootstrap")));
  });

  it("02-workshop: real training; the boundary finding of round 1 goes away after expanding the range", async () => {
    const runsDir = join(dir, "runs");
    const explore = await loadStudy(join(runsDir, "explore"));
    const expanded = await loadStudy(join(runsDir, "expanded"));
    expect(explore.size).toBe(12);
    expect(expanded.size).toBe(16);
    // Every round-1 trial trained (a low learning-rate range: nothing diverges, nothing fails).
    expect(explore.statusCounts().complete, JSON.stringify(explore.trialRows().map((t) => t.attrs.error ?? t.status))).toBe(12);
    expect(expanded.statusCounts().failed).toBe(0);
    // Round 1: the learning-rate range was too narrow: the best trials crowd its upper edge.
    const b1 = boundaries(explore, { band: 0.25, topK: 4 });
    const edge = b1.findings.find((f) => f.code.startsWith("boundary.") && f.message.includes("learning_rate") && f.code.includes("upper"));
    expect(edge, findingsText(b1.findings, "explore")).toBeDefined();
    const boundaryCells = cells["02-workshop"].filter((c) => src(c).startsWith("%boundaries"));
    expect(boundaryCells).toHaveLength(2);
    expect(shown(boundaryCells[0]!)).toContain(edge!.message);
    // Round 2: no best-trials-at-the-edge warning for learning_rate any more; the top is infeasible.
    const b2 = boundaries(expanded, { band: 0.25, topK: 4 });
    expect(b2.findings.filter((f) => f.message.includes("learning_rate") && f.code === "boundary.near_upper")).toEqual([]);
    expect(shown(boundaryCells[1]!)).toContain(findingsText(b2.findings, title("boundaries")));
    expect(expanded.statusCounts().diverged).toBeGreaterThan(0);
    // The best learning rate moved inside the expanded range, above round 1's upper edge.
    const best = Number(expanded.bestTrial()!.hparams.learning_rate);
    expect(best).toBeGreaterThan(1e-3);
    expect(best).toBeLessThan(3);

    // Learning-rate sweep and warmup plan printed from the library.
    const sweep = learningRateSweep(expanded);
    expect(sweep.lrStar).not.toBeNull();
    const sweepText = shown(cell("02-workshop", "import { learningRateSweep"));
    expect(sweepText).toContain(`lr* = ${sweep.lrStar}`);
    expect(sweepText).toContain("Sweep warmup_steps over");

    // Gradient norms logged by the trainer: the clipping finding names the p90.
    const clip = gradientClipping(expanded);
    expect(clip.recommendedThreshold).toBeGreaterThan(0);
    expect(shown(cell("02-workshop", "%clipping"))).toContain(findingsText(clip.findings, title("clipping")));

    // Round 3: the warmup/clipping grid ran (2 learning rates × (1 + warmup lengths) × 2 clip settings).
    const stability = await loadStudy(join(runsDir, "stability"));
    const lengths = new Set(stability.trialRows().map((t) => t.hparams.warmup_steps));
    expect(stability.size).toBe(4 * lengths.size);
    expect(lengths.has(0)).toBe(true);
    // Without warmup, the rates above lr* diverge (the sweep's prediction).
    // What the narrative says of the table: without warmup the higher rate diverges (the sweep's
    // prediction) and clipping does not save it; some warmup lets every rate train; at the lower
    // rate, clipping helps the run without warmup, and warmup helps more.
    const rows = stability.trialRows();
    const dump = JSON.stringify(rows.map((r) => [r.hparams.learning_rate, r.hparams.warmup_steps, r.hparams.clip_norm, r.status, r.best]));
    const rates = [...new Set(rows.map((r) => Number(r.hparams.learning_rate)))].sort((x, y) => x - y);
    expect(rates, dump).toHaveLength(2);
    const at = (lr: number, warmup: number, clip: boolean) => rows.find((r) => Number(r.hparams.learning_rate) === lr && Number(r.hparams.warmup_steps) === warmup && (Number(r.hparams.clip_norm) > 0) === clip)!;
    const [low, high] = rates as [number, number];
    expect(at(high, 0, false).status, dump).toBe("diverged");
    expect(at(high, 0, true).status, dump).toBe("diverged");
    for (const lr of rates) expect(rows.some((r) => Number(r.hparams.learning_rate) === lr && Number(r.hparams.warmup_steps) > 0 && r.status === "complete"), dump).toBe(true);
    expect(at(low, 0, true).best!, dump).toBeGreaterThan(at(low, 0, false).best!);
    const bestWarm = Math.max(...rows.filter((r) => Number(r.hparams.learning_rate) === low && Number(r.hparams.warmup_steps) > 0).map((r) => r.best ?? -Infinity));
    expect(bestWarm, dump).toBeGreaterThan(at(low, 0, true).best!);
    expect(Math.max(...rows.map((r) => r.best ?? -Infinity)), dump).toBeLessThan(expanded.bestTrial()!.best!);
    expect(shown(cell("02-workshop", "stability.trials"))).toContain("diverged");
    expect(shown(cell("02-workshop", "%bootstrap"))).toContain("[bootstrap.");
    expect(shown(cell("02-workshop", "%checkpoints"))).toContain(findingsText(checkpointSelection(expanded).findings, title("checkpoints")));

  });

  it("02-workshop round 4: fANOVA on round 2, then sampler: bo warm-started from it", async () => {
    const runsDir = join(dir, "runs");
    const expanded = await loadStudy(join(runsDir, "expanded"));
    // Round 4: fANOVA on round 2 prints what the library finds; bo, warm-started from round 2, ran
    // 4 trials; as the narrative says, none diverged and their median accuracy beats round 2's
    // feasible median.
    const imp = fanova(expanded, { seed: 0 });
    const impText = shown(cell("02-workshop", "import { fanova"));
    for (const f of imp.findings) expect(impText).toContain(f.message);
    expect(plotly(cell("02-workshop", "import { fanova")).length).toBe(1);
    const exploit = await loadStudy(join(runsDir, "exploit"));
    expect(exploit.size).toBe(4);
    expect(exploit.source.sampler).toBe("bo");
    const acc = (st: typeof expanded) => st.trialRows().filter((r) => r.status === "complete" && r.best !== null).map((r) => r.best as number);
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      const m = v.length >> 1;
      return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
    };
    expect(exploit.trialRows().every((r) => r.status === "complete")).toBe(true);
    expect(median(acc(exploit))).toBeGreaterThan(median(acc(expanded)));
    expect(shown(cell("02-workshop", "const acc ="))).toContain(`exploitation: 0 of 4 trials infeasible; median accuracy ${median(acc(exploit)).toFixed(4)} vs round 2's feasible median ${median(acc(expanded)).toFixed(4)}`);
  });

  it("03-algoperf-case-study: clipping threshold, best-step fractions and study-to-study variance", async () => {
    const raw = await loadStudy(join(DATA, "algoperf_v05", "raw_logdir", "prize_qualification_baseline"));
    const clip = gradientClipping(raw);
    expect(shown(cell("03-algoperf-case-study", "%clipping"))).toContain(findingsText(clip.findings, title("clipping")));
    expect(shown(cell("03-algoperf-case-study", "%checkpoints"))).toContain("[checkpoints.best_late]");

    const nadamw = await loadStudy(join(DATA, "algoperf_v05", "curves_baseline_nadamw", "prize_qualification_baseline"));
    const table = shown(cell("03-algoperf-case-study", "import * as aq"));
    for (const [w, s] of splitByWorkload(nadamw)) {
      // Workloads with fewer than 6 evaluations per trial get no best-step distribution (the table shows none).
      const med = checkpointSelection(s).distribution?.median;
      const medText = med === undefined || med === null ? "\\S*" : String(Number(med.toFixed(3)));
      expect(table).toMatch(new RegExp(`${w}\\s+\\S+ \\((min|max)\\)\\s+${s.size}\\s+${s.infeasible().length}\\s+${medText}\\b`));
    }
    const summary = shown(cell("03-algoperf-case-study", "const clear"));
    expect(summary).toMatch(/^28 workloads compared; .* in \d+ of them, and the bootstrap calls the winner clear in \d+\.$/m);
    // The infeasible table is sorted by share: its first row is the submission that diverges most.
    const all = await loadStudy(join(DATA, "algoperf_v05", "trials_summary.csv"));
    const bySub = [...all.splitBy((t) => String(t.attrs.submission))].map(([k, s]) => ({ k, n: s.size, d: s.statusCounts().diverged }));
    const worst = bySub.sort((a, b) => b.d / b.n - a.d / a.n)[0]!;
    expect(worst.d).toBeGreaterThan(0);
    const infeasible = shown(cell("03-algoperf-case-study", "const infeasibleRows"));
    expect(infeasible.split("\n")[1]).toMatch(new RegExp(`^${worst.k}\\s+${worst.n}\\s+${worst.d}\\s`));
    expect(plotly(cell("03-algoperf-case-study", "const ogbg ="))).toHaveLength(1);
  });

  it("03-algoperf-case-study: the v0.5 leaderboard reproduced, and the seed-noise verdicts", async () => {
    // The published external-tuning scores (MLCommons submissions_algorithms, previous_leaderboards/algoperf_v05/README.md).
    const published: Array<[string, string]> = [["shampoo_submission", "0.7784"], ["schedule_free_adamw", "0.7077"], ["generalized_adam", "0.6383"], ["cyclic_lr", "0.6301"], ["nadamp", "0.5909"], ["baseline", "0.5707"], ["amos", "0.4918"], ["caspr_adaptive", "0.4722"], ["lawa_queue", "0.3699"], ["lawa_ema", "0.3384"], ["schedule_free_prodigy", "0"]];
    const lbCell = cell("03-algoperf-case-study", "%algoperf");
    expect(plotly(lbCell)).toHaveLength(3);
    const lb = shown(lbCell);
    published.forEach(([sub, score], i) => expect(lb).toMatch(new RegExp(`^${i + 1}\\s+${sub}\\s+${score}(\\s|$)`, "m")));
    const cmpTable = shown(cell("03-algoperf-case-study", "import type { AlgoPerfScoreResult }"));
    for (const [sub] of published) expect(cmpTable).toMatch(new RegExp(`\\s${sub}\\s+\\S+\\s+\\S+\\s+0$`, "m"));
    // The verdict line, recomputed from the library with the notebook's options.
    const r = algoperfScore(await readAlgoPerfLogs(join(DATA, "algoperf_v05")));
    const speed = studySpeedMatrices(r);
    const cmp = compareAlgorithms(speed.matrices, { tasks: speed.tasks, reps: 2000, seed: 0, pairs: r.submissions.slice(0, -1).map((s, i) => [s, r.submissions[i + 1]!] as const) });
    const beyond = cmp.improvement.filter((p) => p.beyondNoise).length;
    expect(shown(cell("03-algoperf-case-study", "const verdicts"))).toMatch(new RegExp(`^${beyond} of 10 adjacent gaps are beyond study-to-study noise;`, "m"));
    expect(plotly(cell("03-algoperf-case-study", "improvementFigure(cmp)"))).toHaveLength(1);
    expect(plotly(cell("03-algoperf-case-study", "aggregateIntervalsFigure(cmp"))).toHaveLength(1);
  });
});
