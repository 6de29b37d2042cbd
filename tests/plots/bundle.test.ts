import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findChromium, plotlyJs } from "../../src/plots/export.js";
import { buildFigure, figureKinds } from "../../src/plots/figures.js";
import { BUNDLED_TRACE_TYPES, PARTIAL_BUNDLES, partialBundlePath, plotlyBundleFor, traceTypes } from "../../src/plots/plotlyBundle.js";
import type { Figure } from "../../src/plots/theme.js";
import { reportContent, renderHtml } from "../../src/report/report.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA } from "../helpers/cli.js";
import { KernelFigures } from "../../src/kernel/figures.js";
import { figureHtml } from "../../src/notebook/display.js";

const ROOT = join(DATA, "..");
/** Every trace type plotly.js has: one lib/<type>.js module each (besides core, bundles, locales, calendars). */
const PLOTLY_TRACES = readdirSync(join(ROOT, "node_modules/plotly.js/lib"))
  .filter((f) => f.endsWith(".js") && !/^(index|core|calendars)/.test(f))
  .map((f) => f.slice(0, -3));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

describe("tunebook's plotly.js bundles", () => {
  it("hold every trace type the source draws: a `type:` naming a plotly trace anywhere in the code of src/ is bundled", () => {
    expect(PLOTLY_TRACES.length).toBeGreaterThan(30);
    const used = new Set<string>();
    for (const file of sources(join(ROOT, "src"))) {
      // Code only: doc comments show other trace types as examples.
      const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      for (const m of code.matchAll(/\btype:\s*"([a-z0-9]+)"/g)) if (PLOTLY_TRACES.includes(m[1]!)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThanOrEqual(4);
    expect([...used].filter((t) => !BUNDLED_TRACE_TYPES.includes(t))).toEqual([]);
  });

  it("draw every figure kind built from the bundled real data without the full plotly.js", async () => {
    const studies = [await loadStudy(join(DATA, "mnist_tunebook/study")), await loadStudy(join(DATA, "deepcave_mnist/run_1"))];
    const built = new Map<string, Figure>();
    for (const kind of figureKinds())
      for (const s of studies) {
        try {
          built.set(kind, buildFigure(kind, s));
          break;
        } catch {
          // The kind's analysis does not apply to this study (e.g. batch size needs a throughput scan).
        }
      }
    expect(built.size).toBeGreaterThanOrEqual(14);
    for (const [kind, fig] of built) {
      for (const t of traceTypes([fig])) expect(BUNDLED_TRACE_TYPES, `${kind} draws ${t}`).toContain(t);
      expect(plotlyBundleFor([fig]), kind).toBe(kind === "parallel" ? "parcoords" : "cartesian");
    }
  }, 120_000);

  it("choose the full plotly.js for trace types and components they leave out", () => {
    const fig = (data: Figure["data"], layout: Figure["layout"] = {}): Figure => ({ data, layout });
    expect(plotlyBundleFor([fig([{ x: [1], y: [1] }])])).toBe("cartesian");
    expect(plotlyBundleFor([fig([{ type: "box", y: [1] }]), fig([{ type: "parcoords", dimensions: [] }])])).toBe("parcoords");
    expect(plotlyBundleFor([fig([{ type: "bar", x: [1], y: [1] }]), fig([{ type: "pie", values: [1] }])])).toBe("full");
    expect(plotlyBundleFor([fig([{ x: [1], y: [1] }], { updatemenus: [{}] })])).toBe("full");
    expect(plotlyBundleFor([fig([{ x: [1], y: [1] }], { xaxis2: { rangeslider: {} } })])).toBe("full");
    expect(plotlyBundleFor([fig([{ x: [1], y: [1] }], { xaxis: { rangeslider: { visible: false } } })])).toBe("cartesian");
  });

  it("are built into dist/ and register exactly their trace types in Chromium", async () => {
    for (const b of PARTIAL_BUNDLES) expect(existsSync(join(ROOT, partialBundlePath(b.name))), `${partialBundlePath(b.name)} (npm run build)`).toBe(true);
    expect(plotlyJs("cartesian").length).toBeLessThan(plotlyJs("full").length / 3);
    if (!findChromium()) return;
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: findChromium(), args: ["--no-sandbox", "--disable-gpu"] });
    try {
      for (const b of PARTIAL_BUNDLES) {
        const page = await browser.newPage();
        await page.setContent("<html><body></body></html>");
        await page.addScriptTag({ content: plotlyJs(b.name) });
        const traces = await page.evaluate(() => Object.keys((window as unknown as { Plotly: { PlotSchema: { get(): { traces: object } } } }).Plotly.PlotSchema.get().traces).sort());
        expect(traces, b.name).toEqual([...b.traces].sort());
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("keep a 50-trial report under 1.5 MB with plotly.js inlined once", async () => {
    const study = await loadStudy(join(DATA, "mnist_tunebook/study"));
    const keep = new Set(study.trialIds().slice(0, 50));
    const content = await reportContent(study.filter((t) => keep.has(t.id)));
    expect(content.figures.length).toBeGreaterThan(8);
    const html = renderHtml(content);
    expect(Buffer.byteLength(html)).toBeLessThan(1.5e6);
    expect(html.match(/tunebook's partial bundle "cartesian"/g)).toHaveLength(1);
    expect(html.match(/Copyright 2012-\d+, Plotly/g)).toBeNull(); // not the full bundle too
  }, 120_000);

  it("notebook outputs: a figure that needs more than the page's bundle carries the larger one, and both draw", async () => {
    const scatter: Figure = { data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2] }], layout: { height: 300 } };
    const pie: Figure = { data: [{ type: "pie", values: [2, 3], labels: ["a", "b"] } as Figure["data"][number]], layout: { height: 300 } };
    const html = (out: { data: Record<string, unknown> }) => String(out.data["text/html"]);
    const carries = (out: { data: Record<string, unknown> }) => (html(out).match(/<script type="text\/x-tunebook-plotly">/g) ?? []).length;
    const kf = new KernelFigures("interactive");
    kf.beginCell("a");
    const a1 = await kf.show(scatter);
    const a2 = await kf.show(pie);
    const a3 = await kf.show(scatter);
    kf.endCell();
    expect([carries(a1), carries(a2), carries(a3)]).toEqual([1, 1, 0]);
    // (Every output's loader names the banner pattern; only the carrier has a bundle's name in it.)
    expect(html(a1).includes(`tunebook's partial bundle "cartesian"`)).toBe(true);
    expect(/partial bundle "(cartesian|parcoords)"/.test(html(a2))).toBe(false);
    kf.beginCell("b");
    expect(carries(await kf.show(pie))).toBe(0);
    kf.endCell();
    // Re-running cell a replaces both of its carriers: its figures carry them again.
    kf.beginCell("a");
    expect(carries(await kf.show(scatter))).toBe(1);
    expect(carries(await kf.show(pie))).toBe(1);
    kf.endCell();
    if (!findChromium()) return;
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: findChromium(), args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      await page.route("**/*", (r) => r.abort());
      // The pie's output (with the full carrier) comes after the scatter plot that loads the small bundle.
      await page.setContent(`<html><body>${figureHtml(scatter, { embed: "always" })}${figureHtml(pie, { embed: "always" })}</body></html>`);
      await page.waitForFunction(() => document.querySelectorAll(".js-plotly-plot").length === 2, null, { timeout: 60_000 });
      await page.waitForSelector(".pielayer .slice", { timeout: 30_000 });
      expect(await page.evaluate(() => document.querySelectorAll(".pielayer .slice").length)).toBe(2);
      expect(await page.evaluate(() => document.querySelectorAll(".scatterlayer .trace").length)).toBe(1);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
