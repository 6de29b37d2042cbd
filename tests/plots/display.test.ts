import * as aq from "arquero";
import { afterEach, describe, expect, it } from "vitest";
import { display, figureBundle, figureHtml, resetPlotlyEmbedding, setDisplaySink, tableBundle, type MimeBundle } from "../../src/notebook/display.js";
import { figureToHtml, findChromium } from "../../src/plots/export.js";
import type { Figure } from "../../src/plots/theme.js";

const fig: Figure = { data: [{ type: "scatter", x: [1, 2], y: [NaN, 3] }], layout: { title: { text: "Loss vs step<br>2 trials" } } };

describe("figureBundle", () => {
  afterEach(() => setDisplaySink(undefined));
  it("has plotly JSON, an offline HTML view and the title as text, in the order front ends pick them", () => {
    resetPlotlyEmbedding();
    const b = figureBundle(fig);
    expect(Object.keys(b)).toEqual(["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
    const p = b["application/vnd.plotly.v1+json"] as Figure;
    expect((p.data[0] as { y?: unknown }).y).toEqual([null, 3]);
    expect(b["text/plain"]).toBe("Loss vs step — 2 trials");
    const html = b["text/html"] as string;
    // plotly.js rides along once, inert; each figure's loader evaluates it when the page lacks window.Plotly.
    expect(html).toContain('<script type="text/x-tunebook-plotly">');
    expect(html.length).toBeGreaterThan(1_000_000);
    const second = figureBundle(fig)["text/html"] as string;
    expect(second.length).toBeLessThan(10_000);
    expect(second).toContain("window.Plotly.newPlot");
    expect(figureHtml(fig, { embed: "always" }).length).toBeGreaterThan(1_000_000);
  });
  it("carries a static PNG in the HTML view and as image/png, or only the image in static mode", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const both = figureBundle(fig, { image: { png, width: 700, height: 400 }, embed: "never" });
    expect(Object.keys(both)).toEqual(["application/vnd.plotly.v1+json", "text/html", "image/png", "text/plain"]);
    expect(both["image/png"]).toBe(Buffer.from(png).toString("base64"));
    expect(both["text/html"]).toContain(`src="data:image/png;base64,${Buffer.from(png).toString("base64")}"`);
    const stat = figureBundle(fig, { image: { png, width: 700, height: 400 }, mode: "static" });
    expect(Object.keys(stat)).toEqual(["text/html", "image/png", "text/plain"]);
    expect(stat["text/html"]).not.toContain("<script");
    const inter = figureBundle(fig, { image: { png, width: 700, height: 400 }, mode: "interactive", embed: "never" });
    expect(Object.keys(inter)).toEqual(["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
    expect(inter["text/html"]).not.toContain("data:image/png");
  });
  it("escapes user strings in the HTML fallback", () => {
    const html = figureHtml({ data: [], layout: { title: { text: "</script><img src=x onerror=alert(1)>" } } }, { embed: "never" });
    expect(html).not.toContain("<img");
    expect(html).not.toMatch(/<\/script><img/);
  });
});

describe("tableBundle", () => {
  it("renders an arquero table as an escaped HTML table with a text view", () => {
    const t = aq.table({ trial: ["t1", "<b>t2</b>"], loss: [0.25, NaN] });
    const b = tableBundle(t);
    const html = b["text/html"] as string;
    expect(html.match(/<tr>/g)).toHaveLength(3);
    expect(html).toContain("&lt;b&gt;t2&lt;/b&gt;");
    expect(html).toContain("NaN");
    expect(b["text/plain"]).toMatch(/^trial\s+loss\nt1\s+0\.25/);
  });
  it("limits long tables and says how many rows are left", () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({ i }));
    const b = tableBundle(rows, { limit: 10, caption: "trials" });
    expect((b["text/html"] as string).match(/<tr>/g)).toHaveLength(11);
    expect(b["text/html"]).toContain("110 more rows");
  });
});

describe("display", () => {
  it("sends figures and tables through the sink as MIME bundles", () => {
    const shown: MimeBundle[] = [];
    setDisplaySink((b) => shown.push(b));
    display(fig);
    display(aq.table({ a: [1] }));
    display([{ a: 1 }]);
    expect(shown).toHaveLength(3);
    expect(shown[0]!["application/vnd.plotly.v1+json"]).toBeDefined();
    expect(shown[1]!["text/html"]).toContain("<table");
    expect(shown[2]!["text/html"]).toContain("<table");
    setDisplaySink(undefined);
  });
});

describe.skipIf(!findChromium())("HTML views render offline in Chromium", () => {
  it("figureToHtml draws; notebook bundles draw with plotly.js carried once, before or after them, even under require.js", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: findChromium()!, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      await page.route("**/*", (r) => r.abort());
      const evil: Figure = { data: [{ type: "scatter", x: [1, 2], y: [1, NaN] }], layout: { title: { text: "</script><b>x</b>" } } };
      await page.setContent(figureToHtml(evil));
      await page.waitForSelector(".main-svg", { timeout: 30_000 });
      expect(await page.evaluate(() => document.querySelector(".gtitle")?.textContent)).toBe("</script>x");
      resetPlotlyEmbedding();
      const h1 = figureBundle(evil)["text/html"] as string;
      const h2 = figureBundle(evil)["text/html"] as string;
      // Classic Jupyter defines an AMD loader; the fallback must not depend on it.
      await page.setContent(`<html><body><script>window.define = function () {}; window.define.amd = {};</script>${h1}${h2}</body></html>`);
      await page.waitForFunction(() => document.querySelectorAll(".js-plotly-plot").length === 2, null, { timeout: 30_000 });
      expect(h2.length).toBeLessThan(10_000);
      // The carrier after the figure that needs it (its first output was re-run): still drawn.
      await page.setContent(`<html><body>${h2}${h1}</body></html>`);
      await page.waitForFunction(() => document.querySelectorAll(".js-plotly-plot").length === 2, null, { timeout: 30_000 });
    } finally {
      await browser.close();
    }
  }, 90_000);
});

describe("display through tslab", () => {
  it("writes the bundle with tslab's lastWriteDisplayData when a kernel set it", async () => {
    const { createRequire } = await import("node:module");
    const jupyter = createRequire(import.meta.url)("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    const got: Array<{ data: MimeBundle }> = [];
    const before = jupyter.lastWriteDisplayData;
    jupyter.lastWriteDisplayData = (d: { data: MimeBundle }) => got.push(d);
    try {
      display(fig);
    } finally {
      jupyter.lastWriteDisplayData = before;
    }
    expect(got).toHaveLength(1);
    expect(Object.keys(got[0]!.data).sort()).toEqual(["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
  });
});
