/**
 * Axis/slice figure for 2,000 trials: tunebook builds the study and the axis figure (JSON), then
 * renders it to PNG, vs Optuna adding 2,000 finished trials and drawing `plot_slice`
 * (goal: figure 5× faster). Optuna's `write_image` needs kaleido, which Debian does not ship.
 */
import { writeFileSync } from "node:fs";
import { StudyBuilder } from "../src/study/builder.js";
import { FIGURES } from "../src/plots/figures.js";
import { FigureExporter, findChromium } from "../src/plots/export.js";
import { BENCH_DIR, DATA_DIR, peer, report, reportSpread, time } from "./common.js";
import { loadStudy } from "../src/study/load.js";
import type { Figure } from "../src/plots/theme.js";
import { KernelFigures } from "../src/kernel/figures.js";
import { mkdirSync } from "node:fs";

mkdirSync(DATA_DIR, { recursive: true });
let s = 7;
const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
const trials = Array.from({ length: 2000 }, (_, i) => {
  const lr = 10 ** (-5 + 5 * rand());
  const wd = 10 ** (-6 + 4 * rand());
  const dropout = rand() * 0.5;
  const activation = ["relu", "gelu", "tanh"][Math.floor(rand() * 3)]!;
  const value = 0.1 + 0.2 * (Math.log10(lr) + 2.5) ** 2 + 0.1 * (Math.log10(wd) + 4) ** 2 + dropout * 0.3 + 0.02 * rand();
  return { id: i, lr, wd, dropout, activation, value };
});
const file = `${DATA_DIR}trials-2000.json`;
writeFileSync(file, JSON.stringify(trials));

const build = () => {
  const b = new StudyBuilder("bench", { metric: "loss", direction: "minimize" });
  for (const t of trials) b.trial({ id: `t${t.id}`, hparams: { learning_rate: t.lr, weight_decay: t.wd, dropout: t.dropout, activation: t.activation }, final: t.value, best: t.value });
  return b.build();
};
let study = build();
const tAdd = await time(() => (study = build()), 5);
let fig = FIGURES.axis.build(study, {});
const tFig = await time(() => (fig = FIGURES.axis.build(study, {})), 5);
const p = peer("figure", [file]);
report("add 2,000 trials", tAdd, "optuna add_trials", p?.add_trials, "1×");
report("axis/slice figure, 2,000 trials (JSON)", tFig, "optuna plot_slice", p?.plot_slice, "5×");
if (findChromium()) {
  const ex = new FigureExporter();
  try {
    await ex.toPng(fig, { width: 1200, height: 800 });
    const tPng = await time(() => ex.toPng(fig, { width: 1200, height: 800 }), 3, false);
    report("axis figure → PNG (browser already open)", tPng, "optuna write_image", undefined, "—");
  } finally {
    await ex.close();
  }
}

/**
 * What a notebook figure costs in the kernel (`KernelFigures("both")`: plotly JSON + HTML view +
 * a ≤ 960 px PNG): cold = a new kernel's first figure (Chromium starts, plotly.js loads), warm =
 * every figure after. Figures: the 2,000-trial axis plot above, and the bundled DeepCAVE study's
 * axis and isolation plots (what the quickstart draws). Goal (issue 21): well under a second warm.
 */
if (findChromium()) {
  const deepcave = await loadStudy(`${BENCH_DIR}../datasets/deepcave_mnist/run_1`);
  const figs: Array<[string, Figure]> = [
    ["axis, 2,000 trials", fig],
    ["axis, DeepCAVE", FIGURES.axis.build(deepcave, {})],
    ["isolation, DeepCAVE", FIGURES.isolation.build(deepcave, { scientific: "activation" })],
  ];
  const cold: number[] = [];
  for (let r = 0; r < Number(process.env.FIGURE_COLD_RUNS ?? 3); r++) {
    const kf = new KernelFigures("both");
    try {
      kf.beginCell("bench");
      const t0 = performance.now();
      const shown = await kf.show(figs[1]![1]);
      cold.push((performance.now() - t0) / 1000);
      if (!shown.data["image/png"]) throw new Error(`no PNG in the kernel's figure: ${kf.takeNote()}`);
    } finally {
      await kf.close();
    }
  }
  reportSpread("kernel figure, cold (Chromium start + plotly.js + first figure)", cold, 2);
  const kf = new KernelFigures("both");
  try {
    kf.beginCell("bench");
    await kf.show(figs[1]![1]);
    const runs = Number(process.env.FIGURE_WARM_RUNS ?? 15);
    for (const [name, f] of figs) {
      await kf.show(f);
      const ts: number[] = [];
      const png: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await kf.show(f);
        ts.push((performance.now() - t0) / 1000);
        png.push(kf.timings[kf.timings.length - 1]! / 1000);
      }
      reportSpread(`kernel figure, warm: ${name}`, ts, 1, png);
    }
  } finally {
    await kf.close();
  }
}
