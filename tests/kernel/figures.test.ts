/** The kernel's figure outputs: every view the mode asks for, a PNG no wider than the output area. */
import { afterAll, describe, expect, it } from "vitest";
import { KernelFigures } from "../../src/kernel/figures.js";
import { findChromium } from "../../src/plots/export.js";
import { FIGURES } from "../../src/plots/figures.js";
import { MAX_FIGURE_WIDTH } from "../../src/plots/theme.js";
import { loadStudy } from "../../src/study/load.js";
import { decodePng, nonWhiteFraction } from "../plots/png.js";
import { DATA } from "../helpers/cli.js";

describe.skipIf(!findChromium())("KernelFigures (headless Chromium)", () => {
  const kf = new KernelFigures("both");
  afterAll(() => kf.close());

  it("a figure in mode both carries plotly JSON, HTML and a PNG of its width (at most the output area)", async () => {
    const study = await loadStudy(`${DATA}deepcave_mnist/run_1`);
    kf.beginCell("cell-1");
    for (const fig of [FIGURES.axis.build(study, {}), FIGURES.isolation.build(study, { scientific: "activation" })]) {
      const shown = await kf.show(fig);
      expect(Object.keys(shown.data)).toEqual(["application/vnd.plotly.v1+json", "text/html", "image/png", "text/plain"]);
      const png = decodePng(Buffer.from(shown.data["image/png"] as string, "base64"));
      const want = Math.min(MAX_FIGURE_WIDTH, fig.layout.width as number);
      expect(png.width).toBe(want);
      expect(png.height).toBe(fig.layout.height);
      expect(shown.metadata).toEqual({ "image/png": { width: png.width, height: png.height } });
      // The plot is drawn, not a blank page: ink covers part of the image, far from all of it.
      const ink = nonWhiteFraction(png, 0, 0, png.width, png.height);
      expect(ink).toBeGreaterThan(0.02);
      expect(ink).toBeLessThan(0.6);
    }
    kf.endCell();
    expect(kf.timings.length).toBe(2);
  }, 180_000);

  it("mode static has no plotly JSON; the image is in the HTML view too", async () => {
    const study = await loadStudy(`${DATA}deepcave_mnist/run_1`);
    kf.mode = "static";
    kf.beginCell("cell-2");
    const shown = await kf.show(FIGURES.isolation.build(study, { scientific: "activation" }));
    expect(Object.keys(shown.data)).toEqual(["text/html", "image/png", "text/plain"]);
    expect(shown.data["text/html"]).toContain(`data:image/png;base64,${(shown.data["image/png"] as string).slice(0, 40)}`);
  }, 120_000);
});
