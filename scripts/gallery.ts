/**
 * Gallery: a PNG of every figure kind from the bundled real data (synthetic studies only where
 * the data has no such case), written to docs/gallery/ with a README that says where each came from.
 *
 *   npx tsx scripts/gallery.ts            # every figure
 *   npx tsx scripts/gallery.ts axis curves  # some of them
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { axisPlotData } from "../src/analysis/axis.js";
import { batchSizeScaling, batchSizeScan } from "../src/analysis/batchSize.js";
import { boundaries } from "../src/analysis/boundaries.js";
import { learningRateSweep, warmupPlanFromSweep } from "../src/analysis/warmup.js";
import { batchSizeFigure } from "../src/plots/batchSize.js";
import { boundaryFigure } from "../src/plots/boundaries.js";
import { FigureExporter } from "../src/plots/export.js";
import { FIGURES, type BuildOptions, type FigureKind } from "../src/plots/figures.js";
import type { Figure } from "../src/plots/theme.js";
import { type WarmupOutcome, warmupFigure } from "../src/plots/warmup.js";
import { StudyBuilder } from "../src/study/builder.js";
import { loadStudy } from "../src/study/load.js";
import { Study } from "../src/study/study.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = `${ROOT}docs/gallery/`;
const DEEPCAVE = `${ROOT}datasets/deepcave_mnist/run_1`;
const RAW = `${ROOT}datasets/algoperf_v05/raw_logdir/prize_qualification_baseline`;
const NADAMW = `${ROOT}datasets/algoperf_v05/curves_baseline_nadamw`;
const SUMMARY = `${ROOT}datasets/algoperf_v05/trials_summary.csv`;

/** A seeded PRNG so the synthetic studies are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Synthetic learning-rate sweep (the bundled data has no sweep): 9 constant learning rates; up to
 * 0.03 the loss decays smoothly, 0.1 spikes early and recovers worse, 0.3 and 1.0 diverge to NaN.
 */
export function syntheticLrSweep(): Study {
  const b = new StudyBuilder("synthetic lr sweep", { metric: "val_loss", direction: "minimize" });
  const r = rng(7);
  const lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1];
  lrs.forEach((lr, i) => {
    const id = `lr_${lr}`;
    b.trial({ id, hparams: { learning_rate: lr } });
    const rate = Math.min(lr, 0.03) * 0.35;
    for (let s = 0; s <= 2000; s += 20) {
      let loss = 0.25 + 2.05 * Math.exp(-rate * s) + 0.02 * (r() - 0.5);
      if (lr === 0.1 && s >= 100 && s <= 400) loss += 1.6 * Math.exp(-(s - 100) / 120);
      if (lr === 0.1) loss += 0.08;
      if (lr >= 0.3 && s >= (lr === 1 ? 60 : 160)) loss = NaN;
      b.measure(id, s, "train_loss", loss);
      if (s % 100 === 0) b.measure(id, s, "val_loss", Number.isNaN(loss) ? NaN : loss + 0.06 + 0.01 * i * 0);
    }
  });
  return b.build();
}

/** Synthetic warmup outcomes for the plan's lengths: short warmups at 10× the unstable rate diverge. */
function warmupOutcomes(lengths: number[]): WarmupOutcome[] {
  return lengths.map((w, i) => ({ warmupSteps: w, stable: w >= 100, best: w >= 100 ? 0.24 - 0.004 * i : null }));
}

interface Entry {
  kind: FigureKind;
  data: string;
  make(): Promise<Figure>;
}

const studies = new Map<string, Promise<Study>>();
function study(path: string): Promise<Study> {
  let s = studies.get(path);
  if (!s) studies.set(path, (s = loadStudy(path)));
  return s;
}
const reg = (kind: FigureKind, path: string, opts: BuildOptions = {}) => async () => FIGURES[kind].build(await study(path), opts);

const ENTRIES: Entry[] = [
  { kind: "axis", data: "DeepCAVE MNIST run_1 (1,000 real trials, 215 failed)", make: reg("axis", DEEPCAVE) },
  { kind: "isolation", data: "DeepCAVE MNIST run_1, scientific = activation, nuisance = the rest", make: reg("isolation", DEEPCAVE, { scientific: "activation" }) },
  {
    kind: "boundaries",
    data: "DeepCAVE MNIST run_1 restricted to learning_rate ≤ 1e-3 and top-10 trials (a real study whose space is too narrow: the best rates sit at its upper edge)",
    async make() {
      const s = await study(DEEPCAVE);
      const cut = s.filter((t) => typeof t.hparams.learning_rate === "number" && t.hparams.learning_rate <= 1e-3, "deepcave run_1, learning_rate ≤ 1e-3");
      const space = s.space ? { params: s.space.params.map((p) => (p.name === "learning_rate" && p.type === "float" ? { ...p, high: 1e-3 } : p)) } : undefined;
      const cols = cut.measurementColumns();
      const narrowed = new Study({ name: cut.name, objective: cut.objective, space, trials: [...cut.trialRows()], measurements: { trial: [...cols.trial], step: [...cols.step], metric: [...cols.metric], value: [...cols.value] } });
      return boundaryFigure(boundaries(narrowed, { topK: 10 }), axisPlotData(narrowed));
    },
  },
  { kind: "infeasible", data: "DeepCAVE MNIST run_1", make: reg("infeasible", DEEPCAVE) },
  { kind: "bootstrap", data: "DeepCAVE MNIST run_1", make: reg("bootstrap", DEEPCAVE) },
  {
    kind: "trial-variance",
    data: "AlgoPerf v0.5 trials_summary.csv: NAdamW baseline, imagenet_resnet_jax, 5 points × 5 studies (seeds)",
    async make() {
      const s = await study(SUMMARY);
      const sub = s.filter((t) => String(t.attrs.submission ?? t.id).includes("prize_qualification_baseline") && String(t.group ?? t.id).includes("imagenet_resnet_jax"));
      return FIGURES["trial-variance"].build(sub);
    },
  },
  { kind: "importance", data: "DeepCAVE MNIST run_1", make: reg("importance", DEEPCAVE) },
  { kind: "parallel", data: "DeepCAVE MNIST run_1", make: reg("parallel", DEEPCAVE) },
  { kind: "slice", data: "DeepCAVE MNIST run_1", make: reg("slice", DEEPCAVE) },
  { kind: "contour", data: "DeepCAVE MNIST run_1, learning_rate × dropout_rate", make: reg("contour", DEEPCAVE, { x: "learning_rate", y: "dropout_rate" }) },
  { kind: "curves", data: "AlgoPerf v0.5 raw logs: NAdamW baseline, imagenet_resnet_jax, 2 studies × 5 trials", make: reg("curves", RAW) },
  { kind: "clipping", data: "AlgoPerf v0.5 raw logs (per-step grad_norm of 10 runs)", make: reg("clipping", RAW) },
  { kind: "checkpoints", data: "AlgoPerf v0.5 curves_baseline_nadamw (396 trials; those measuring validation/accuracy)", make: reg("checkpoints", NADAMW) },
  { kind: "lr-sweep", data: "synthetic constant-learning-rate sweep (9 rates; two diverge, one spikes)", make: async () => FIGURES["lr-sweep"].build(syntheticLrSweep()) },
  {
    kind: "warmup",
    data: "plan from the synthetic learning-rate sweep; outcomes synthetic",
    async make() {
      const sweep = learningRateSweep(syntheticLrSweep());
      const plan = warmupPlanFromSweep(sweep, 20_000)!;
      return warmupFigure(plan, warmupOutcomes(plan.lengths), { objective: { metric: "val_loss", direction: "minimize" } });
    },
  },
  {
    kind: "batch-size",
    data: "synthetic throughput scan (OOM at 1024) and steps-to-result per batch size",
    async make() {
      const scan = batchSizeScan([
        { batchSize: 16, examplesPerSec: 1800 },
        { batchSize: 32, examplesPerSec: 3400 },
        { batchSize: 64, examplesPerSec: 6100 },
        { batchSize: 128, examplesPerSec: 9800 },
        { batchSize: 256, examplesPerSec: 11500 },
        { batchSize: 512, examplesPerSec: 12100 },
        { batchSize: 1024, oom: true },
      ]);
      const scaling = batchSizeScaling([
        { batchSize: 16, stepsToResult: 80000 },
        { batchSize: 32, stepsToResult: 40500 },
        { batchSize: 64, stepsToResult: 21000 },
        { batchSize: 128, stepsToResult: 12500 },
        { batchSize: 256, stepsToResult: 9000 },
        { batchSize: 512, stepsToResult: 8600 },
      ]);
      return batchSizeFigure(scan, scaling);
    },
  },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  await mkdir(OUT, { recursive: true });
  const ex = new FigureExporter();
  const rows: string[] = [];
  try {
    for (const e of ENTRIES) {
      if (only.length && !only.includes(e.kind)) continue;
      const t = Date.now();
      const fig = await e.make();
      await ex.write(fig, `${OUT}${e.kind}.png`, { scale: 1 });
      process.stdout.write(`${e.kind}.png ${Date.now() - t} ms\n`);
    }
  } finally {
    await ex.close();
  }
  for (const e of ENTRIES) rows.push(`| [\`${e.kind}\`](${e.kind}.png) | ${FIGURES[e.kind].describe} | ${e.data} |`);
  const readme = `# Figure gallery

Every figure kind tunebook draws, made by \`scripts/gallery.ts\` (\`npx tsx scripts/gallery.ts [kind…]\`)
from the bundled real data (\`datasets/\`), or from a small synthetic study where the data has no such
case. Each is also available as \`tunebook plot <kind> <path> --out FILE.png|svg|html\`.

| figure | what it shows | data |
|---|---|---|
${rows.join("\n")}

${ENTRIES.map((e) => `## ${e.kind}\n\n${FIGURES[e.kind].describe}. Data: ${e.data}.\n\n![${e.kind}](${e.kind}.png)\n`).join("\n")}
Data: DeepCAVE MNIST logs (Apache-2.0, automl/DeepCAVE) and MLCommons AlgoPerf v0.5 results (Apache-2.0);
see \`datasets/*/README.md\` for provenance and licenses.
`;
  await writeFile(`${OUT}README.md`, readme);
}

await main();
