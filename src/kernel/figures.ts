/**
 * How the kernel shows figures: the views each output carries (`%config figures=…`), a static PNG
 * rendered by one headless Chromium kept warm for the whole kernel session, and which output
 * carries plotly.js so that every saved notebook has it exactly once.
 *
 * plotly.js goes into the first figure the kernel shows, and again whenever the cell whose output
 * carried it is re-run (its old output, and the carrier with it, is being replaced). A cell is
 * recognised by the front end's cell id (JupyterLab, VS Code) or else by its code (classic
 * Notebook sends no id). Figures whose page lost the carrier still show their static image.
 * The carrier holds the smallest plotly.js bundle that draws the figure; a later figure that needs
 * a larger one (a user's pie chart after tunebook's scatter plots) carries that one too.
 */
import { FigureExporter, findChromium } from "../plots/export.js";
import { figureBundle, figureMetadata, MAX_FIGURE_WIDTH, type FigureImage, type FigureMode, type MimeBundle } from "../notebook/display.js";
import { bundleCovers, type PlotlyBundle, plotlyBundleFor } from "../plots/plotlyBundle.js";
import type { Figure } from "../plots/theme.js";

export const FIGURE_MODES: readonly FigureMode[] = ["interactive", "static", "both"];

/** A bundle and its display metadata, ready for display_data. */
export interface ShownFigure {
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

export class KernelFigures {
  mode: FigureMode;
  /** Why figures have no image (Chromium missing or failed), reported once. */
  private imageProblem: string | undefined;
  private reported = false;
  private exporter: FigureExporter | undefined;
  /** Per plotly.js bundle, the cell (id or code) whose output carries it. */
  private carriers: Partial<Record<PlotlyBundle, string>> = {};
  private cell: { key: string; embedded: Set<PlotlyBundle>; figures: number } = { key: "", embedded: new Set(), figures: 0 };
  /** Milliseconds spent rendering PNGs, for `%config` and tests. */
  readonly timings: number[] = [];

  constructor(mode: FigureMode = defaultMode()) {
    this.mode = mode;
    if (!findChromium()) this.imageProblem = "no Chromium found (apt-get install chromium, or set TUNEBOOK_CHROMIUM)";
  }

  /** Whether static images can be made. */
  get imagesAvailable(): boolean {
    return this.imageProblem === undefined;
  }

  /** Start Chromium in the background so the first figure does not wait for it. */
  warm(): void {
    if (this.mode === "interactive" || this.imageProblem) return;
    void this.ensureExporter()
      .toPng({ data: [], layout: { width: 10, height: 10 } })
      .catch(async () => {
        // Not fatal: the first figure tries again (and reports the problem if it persists).
        await this.exporter?.close();
        this.exporter = undefined;
      });
  }

  /** A cell starts: `key` is its cell id, else its code. */
  beginCell(key: string): void {
    this.cell = { key, embedded: new Set(), figures: 0 };
  }

  /** A cell ended: if it carried a plotly.js bundle before and did not carry it again now, that carrier is gone. */
  endCell(): void {
    for (const [bundle, key] of Object.entries(this.carriers) as Array<[PlotlyBundle, string]>)
      if (key === this.cell.key && !this.cell.embedded.has(bundle)) delete this.carriers[bundle];
  }

  /** The figure's bundle in the current mode (PNG rendered by the warm browser). */
  async show(fig: Figure): Promise<ShownFigure> {
    this.cell.figures++;
    const image = this.mode === "interactive" ? undefined : await this.image(fig);
    let embed: "always" | "never" = "never";
    const needed = plotlyBundleFor([fig]);
    // Carried already: by this cell's output, or by another cell's (a re-run cell's old outputs are being replaced).
    const carried = (Object.entries(this.carriers) as Array<[PlotlyBundle, string]>).some(
      ([bundle, key]) => bundleCovers(bundle, needed) && (key !== this.cell.key || this.cell.embedded.has(bundle)),
    );
    if (this.mode !== "static" && !carried) {
      embed = "always";
      this.cell.embedded.add(needed);
      this.carriers[needed] = this.cell.key;
    }
    const data = figureBundle(fig, { mode: this.mode, image, embed });
    return { data, metadata: figureMetadata(data, image) };
  }

  /** A one-time note when figures have no image (shown under the first figure). */
  takeNote(): string | undefined {
    if (this.mode === "interactive" || !this.imageProblem || this.reported) return undefined;
    this.reported = true;
    return `figures have no static image: ${this.imageProblem}. Saved notebooks then need a trusted viewer; %config figures=interactive hides this note.`;
  }

  private ensureExporter(): FigureExporter {
    // SIGINT interrupts a cell here: playwright must not exit the kernel on it.
    return (this.exporter ??= new FigureExporter({ handleSignals: false }));
  }

  private async image(fig: Figure): Promise<FigureImage | undefined> {
    if (this.imageProblem) return undefined;
    // The notebook's width: a wider figure is scaled into the output area, so render it that wide.
    const width = Math.min(MAX_FIGURE_WIDTH, typeof fig.layout.width === "number" ? fig.layout.width : MAX_FIGURE_WIDTH);
    const height = typeof fig.layout.height === "number" ? fig.layout.height : 480;
    const t0 = performance.now();
    // A browser that died (killed, out of memory) is started again once before giving up.
    for (let attempt = 0; ; attempt++) {
      try {
        const png = await this.ensureExporter().toPng(fig, { width, height });
        this.timings.push(performance.now() - t0);
        return { png, width, height };
      } catch (e) {
        await this.exporter?.close();
        this.exporter = undefined;
        if (attempt === 0 && findChromium()) continue;
        this.imageProblem = (e as Error).message;
        return undefined;
      }
    }
  }

  async close(): Promise<void> {
    await this.exporter?.close();
    this.exporter = undefined;
  }
}

/** `TUNEBOOK_FIGURES=interactive|static|both` sets the default (both). */
export function defaultMode(): FigureMode {
  const v = process.env.TUNEBOOK_FIGURES;
  return v === "interactive" || v === "static" || v === "both" ? v : "both";
}
