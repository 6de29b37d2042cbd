/**
 * `npm run bench -- report-size`: bytes of a self-contained HTML report of a 50-trial study (the
 * first 50 trials of datasets/mnist_tunebook, with curves and gradient norms, so every figure of a
 * real report is drawn), beside the same report with the full plotly.js inlined (what reports
 * carried before the partial bundles). Goal: under 1.5 MB. Needs `npm run build` (the bundles).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inlinePlotlyJs } from "../src/plots/export.js";
import { plotlyBundleFor } from "../src/plots/plotlyBundle.js";
import { reportContent, renderHtml } from "../src/report/report.js";
import { loadStudy } from "../src/study/load.js";

const GOAL = 1.5e6;
const root = fileURLToPath(new URL("..", import.meta.url));
const study = await loadStudy(join(root, "datasets/mnist_tunebook/study"));
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
for (const n of [50, study.size]) {
  const keep = new Set(study.trialIds().slice(0, n));
  const content = await reportContent(study.filter((t) => keep.has(t.id)));
  const html = renderHtml(content);
  const bundle = plotlyBundleFor(content.figures.map((f) => f.figure));
  const bytes = Buffer.byteLength(html);
  // The same page with the full plotly.js in place of the partial bundle.
  const full = bytes - Buffer.byteLength(inlinePlotlyJs(bundle)) + Buffer.byteLength(inlinePlotlyJs("full"));
  process.stdout.write(
    `report size, ${n} trials (${content.figures.length} figures, plotly.js bundle "${bundle}"): tunebook ${mb(bytes)}, with the full plotly.js ${mb(full)}, ratio ${(full / bytes).toFixed(2)}× (goal < ${mb(GOAL)}: ${bytes < GOAL ? "met" : "missed"})\n`,
  );
}
