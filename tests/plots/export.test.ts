import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FigureExporter, figureToHtml, findChromium, formatFromPath } from "../../src/plots/export.js";
import type { Figure } from "../../src/plots/theme.js";
import { decodePng, nonWhiteFraction, redPixels } from "./png.js";

const fig: Figure = {
  data: [
    { type: "scatter", mode: "markers", x: [1, 2, 3, 4], y: [2, 1, 3, 2.5], marker: { color: "#0072B2", size: 12 } },
    { type: "scatter", mode: "markers", x: [1.5, 3.5], y: [3.4, 3.4], marker: { symbol: "x", color: "#D62728", size: 14 } },
  ],
  layout: { title: { text: "export test" }, margin: { l: 60, r: 20, t: 50, b: 50 }, showlegend: false },
};

const chromium = findChromium();
if (!chromium) console.warn("export tests skipped: headless Chromium not found — install Debian's chromium (apt-get install -y chromium)");

describe.skipIf(!chromium)("FigureExporter (headless Chromium)", () => {
  const ex = new FigureExporter();
  afterAll(() => ex.close());

  it("writes a real PNG of the requested size with a non-blank plot area", async () => {
    const png = decodePng(await ex.toPng(fig, { width: 640, height: 420 }));
    expect([png.width, png.height]).toEqual([640, 420]);
    // Plot area = inside the margins.
    const inside = nonWhiteFraction(png, 60, 50, 640 - 20, 420 - 50);
    expect(inside).toBeGreaterThan(0.002);
    expect(inside).toBeLessThan(0.6);
    expect(redPixels(png)).toBeGreaterThan(20);
    // Control: the same figure with invisible markers (same axes) has far less ink in the plot area.
    const hidden: Figure = { data: fig.data.map((d) => ({ ...d, opacity: 0 })), layout: fig.layout };
    const empty = decodePng(await ex.toPng(hidden, { width: 640, height: 420 }));
    expect(nonWhiteFraction(empty, 60, 50, 640 - 20, 420 - 50)).toBeLessThan(inside / 3);
    expect(redPixels(empty)).toBe(0);
  }, 90_000);

  it("scale 2 doubles the pixel size; one browser serves several figures; write() picks the format from the name", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "tunebook-export-")), "sub", "fig.png");
    await ex.write(fig, out, { width: 300, height: 200, scale: 2 });
    const png = decodePng(readFileSync(out));
    expect([png.width, png.height]).toEqual([600, 400]);
  }, 60_000);

  it("hover-only text leaves the PNG's pixels as they are; text a trace shows is still drawn", async () => {
    const hover = (t: Figure["data"][number]) => ({ ...t, text: ["<b>a very long hover label</b>", "b", "c", "d"], hovertext: "h", hovertemplate: "%{text}" });
    const plain = decodePng(await ex.toPng(fig, { width: 400, height: 300 }));
    const withHover = decodePng(await ex.toPng({ ...fig, data: fig.data.map(hover) }, { width: 400, height: 300 }));
    expect(Buffer.from(withHover.pixels).equals(Buffer.from(plain.pixels))).toBe(true);
    // Control: the same text with mode "text+markers" is drawn next to the markers.
    const shown: Figure = { ...fig, data: fig.data.map((t) => ({ ...hover(t), mode: "text+markers", textposition: "top center" }) as Figure["data"][number]) };
    const labelled = decodePng(await ex.toPng(shown, { width: 400, height: 300 }));
    expect(nonWhiteFraction(labelled, 60, 50, 380, 250)).toBeGreaterThan(nonWhiteFraction(plain, 60, 50, 380, 250) * 1.2);
  }, 60_000);

  it("writes SVG text with the figure's title", async () => {
    const svg = await ex.toSvg(fig, { width: 500, height: 300 });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain('width="500"');
    expect(svg).toContain("export test");
  }, 60_000);
});

describe("export without a browser", () => {
  it("a missing Chromium gives a clear TunebookError", async () => {
    const ex = new FigureExporter({ executablePath: "/nonexistent/chromium" });
    await expect(ex.toPng(fig)).rejects.toThrow(/install Debian's chromium/);
    await ex.close();
  });
  it("figureToHtml embeds plotly.js and escapes user strings", () => {
    const evil: Figure = { data: [{ type: "scatter", x: [1], y: [NaN], name: "</script><script>alert(1)</script>" }], layout: { title: { text: "a & b" } } };
    const html = figureToHtml(evil);
    expect(html).toContain("<!DOCTYPE html>");
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html).not.toContain("</script><script>alert(1)");
    expect(html).toContain("\\u003c/script\\u003e");
    expect(html).toContain("<title>a &amp; b</title>");
    // No network: the page loads nothing from outside.
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
  it("formatFromPath reads the extension", () => {
    expect(formatFromPath("a/b.SVG")).toBe("svg");
    expect(formatFromPath("x.png")).toBe("png");
    expect(() => formatFromPath("x.jpg")).toThrow(/\.png, \.svg or \.html/);
  });
});
