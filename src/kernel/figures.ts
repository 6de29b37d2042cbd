/**
 * How the kernel shows figures: the views each output carries (`%config figures=…`), a static PNG
 * rendered by one headless Chromium kept warm for the whole kernel session, and which output
 * carries plotly.js so that every saved notebook has it exactly once.
 *
 * plotly.js goes into the first figure the kernel shows, and again whenever the cell whose output
 * carried it is re-run (its old output, and the carrier with it, is being replaced). A cell is
 * recognised by the front end's cell id (JupyterLab, VS Code) or else by its code (classic
 * Notebook sends no id). Figures whose page lost the carrier still show their static image.
 */
import { FigureExporter, findChromium } from "../plots/export.js";
import { figureBundle, figureMetadata, MAX_FIGURE_WIDTH, type FigureImage, type FigureMode, type MimeBundle } from "../notebook/display.js";
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
  /** The cell (id or code) whose output carries plotly.js; undefined: the next figure must. */
  private carrier: string | undefined;
  private cell: { key: string; embedded: boolean; figures: number } = { key: "", embedded: false, figures: 0 };
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
    this.cell = { key, embedded: false, figures: 0 };
  }

  /** A cell ended: if it carried plotly.js before and drew no figure now, the carrier is gone. */
  endCell(): void {
    if (this.carrier === this.cell.key && !this.cell.embedded && this.cell.figures === 0) this.carrier = undefined;
  }

  /** The figure's bundle in the current mode (PNG rendered by the warm browser). */
  async show(fig: Figure): Promise<ShownFigure> {
    this.cell.figures++;
    const image = this.mode === "interactive" ? undefined : await this.image(fig);
    let embed: "always" | "never" = "never";
    if (this.mode !== "static" && !this.cell.embedded && (this.carrier === undefined || this.carrier === this.cell.key)) {
      embed = "always";
      this.cell.embedded = true;
      this.carrier = this.cell.key;
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
