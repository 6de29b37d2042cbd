/**
 * Static export of figures: PNG and SVG through headless Chromium (Debian's `chromium`, driven
 * by playwright-core, no browser download) calling `Plotly.toImage`, and self-contained offline
 * HTML. One browser page serves many figures: launching Chromium costs seconds, a figure
 * milliseconds.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { writeFileAtomic } from "../util/fs.js";
import { createRequire } from "node:module";
import { dirname, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { TunebookError } from "../study/types.js";
import { bundleCovers, type PlotlyBundle, partialBundlePath, plotlyBundleFor } from "./plotlyBundle.js";
import { type Figure, figureTitle } from "./theme.js";

/** Formats a figure can be written as. */
export type ExportFormat = "png" | "svg" | "html";

export interface ImageOptions {
  /** Pixels (default: the layout's width, else 900). */
  width?: number;
  /** Pixels (default: the layout's height, else 600). */
  height?: number;
  /** Device pixel ratio for PNG (default 1): 2 gives a sharper image of twice the pixel size. */
  scale?: number;
}

export interface ExporterOptions {
  /** Chromium binary (default: $TUNEBOOK_CHROMIUM, else /usr/bin/chromium, /usr/bin/chromium-browser). */
  executablePath?: string;
  /**
   * Let playwright close the browser and exit the process on SIGINT/SIGTERM/SIGHUP (default true,
   * right for a command). A long-lived process that handles these itself (the Jupyter kernel: SIGINT
   * interrupts a cell) passes false.
   */
  handleSignals?: boolean;
}

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/**
 * Path of the Chromium binary to use, or undefined when none is installed.
 *
 * @example
 * findChromium(); // "/usr/bin/chromium"
 */
export function findChromium(explicit?: string): string | undefined {
  // An explicit path is the only candidate: falling back would hide a typo.
  const candidates = explicit ? [explicit] : [process.env.TUNEBOOK_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return undefined;
}

const plotlySources: Partial<Record<PlotlyBundle, string>> = {};

/** The full plotly.js, from `node_modules/plotly.js-dist-min`. */
function fullPlotlyPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve("plotly.js-dist-min/plotly.min.js");
  } catch {
    throw new TunebookError("plotly.js-dist-min is not installed (npm install plotly.js-dist-min)");
  }
}

/**
 * plotly.js as script text (read once, cached): `"full"` (default) draws every plotly trace type;
 * tunebook's partial bundles (`"cartesian"`, `"parcoords"`, see ./plotlyBundle.ts) only the types
 * its figures draw, at a quarter of the size. {@link plotlyBundleFor} picks the smallest for a set
 * of figures. A source checkout that has not run `npm run build` has no partial bundles yet and
 * gets the full one.
 *
 * @example
 * plotlyJs("cartesian").length < plotlyJs().length; // true
 */
export function plotlyJs(bundle: PlotlyBundle = "full"): string {
  let source = plotlySources[bundle];
  if (source === undefined) {
    // src/plots/ and dist/plots/ are both two levels below the package root.
    const partial = bundle === "full" ? undefined : fileURLToPath(new URL(`../../${partialBundlePath(bundle)}`, import.meta.url));
    source = readFileSync(partial && existsSync(partial) ? partial : fullPlotlyPath(), "utf8");
    plotlySources[bundle] = source;
  }
  return source;
}

/** plotly.js (see {@link plotlyJs}) made safe to inline in a `<script>` element. */
export function inlinePlotlyJs(bundle: PlotlyBundle = "full"): string {
  return plotlyJs(bundle).replace(/<\/script/gi, "<\\/script").replace(/<!--/g, "<\\!--");
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>`, `&` and line separators are
 * escaped so no user string can close the element. NaN/Infinity become null (plotly draws a gap).
 *
 * @example
 * scriptJson({ title: "</script>" }); // '{"title":"\\u003c/script\\u003e"}'
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * Escape text for HTML element content and attribute values.
 *
 * @example
 * escapeHtml('<a href="x">'); // "&lt;a href=&quot;x&quot;&gt;"
 */
export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * A self-contained HTML page showing the figure interactively, with plotly.js embedded (works
 * offline). The figure travels as escaped JSON in a `<script type="application/json">`.
 *
 * @example
 * await writeFile("axis.html", figureToHtml(fig));
 */
export function figureToHtml(fig: Figure, opts: { title?: string } = {}): string {
  const title = escapeHtml(opts.title ?? (figureTitle(fig) || "tunebook figure"));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{margin:0;background:#fff}#figure{width:100%;height:100vh}</style>
<script>${inlinePlotlyJs(plotlyBundleFor([fig]))}</script>
</head>
<body>
<div id="figure"></div>
<script type="application/json" id="figure-data">${scriptJson(fig)}</script>
<script>
(function () {
  var fig = JSON.parse(document.getElementById("figure-data").textContent);
  Plotly.newPlot("figure", fig.data, fig.layout, { responsive: true, displaylogo: false });
})();
</script>
</body>
</html>
`;
}

/** What the page inside Chromium needs: a playwright Page subset. */
interface PageLike {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  setContent(html: string): Promise<void>;
  addScriptTag(opts: { content: string }): Promise<unknown>;
  route(url: string, handler: (route: { abort(): Promise<void> }) => unknown): Promise<void>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  context(): { newCDPSession(page: PageLike): Promise<CdpLike> };
}
interface CdpLike {
  send(method: "Page.captureScreenshot", params: Record<string, unknown>): Promise<{ data: string }>;
}
interface BrowserLike {
  newPage(opts?: { viewport: { width: number; height: number } }): Promise<PageLike>;
  close(): Promise<void>;
}
/** The warm page: plotly.js loaded once, one `#figure` div every figure is drawn into. */
interface Canvas {
  page: PageLike;
  cdp: CdpLike;
  viewport: { width: number; height: number };
}

/** Trace types whose `text` is hover-only unless their `mode` includes "text". */
const MODE_TEXT_TYPES = new Set(["scatter", "scattergl", "scatterpolar", "scatterpolargl", "scatterternary", "scattercarpet", "scattergeo", "scattermapbox", "scattersmith"]);
/** Trace types whose `text` is only ever shown on hover. */
const HOVER_TEXT_TYPES = new Set(["box", "violin"]);

/**
 * The traces as a static image needs them: hover-only strings dropped. On a 2,000-trial axis
 * plot the hover text is three quarters of the JSON, and sending and parsing it costs the page
 * more than drawing the points; the pixels are the same without it.
 */
function staticTraces(data: Figure["data"]): Figure["data"] {
  return data.map((trace) => {
    const t = { ...(trace as Record<string, unknown>) };
    delete t.hovertext;
    delete t.hovertemplate;
    const type = typeof t.type === "string" ? t.type : "scatter";
    const shown = MODE_TEXT_TYPES.has(type) ? typeof t.mode === "string" && t.mode.includes("text") : !HOVER_TEXT_TYPES.has(type);
    if (!shown && t.texttemplate === undefined) delete t.text;
    return t as Figure["data"][number];
  });
}

/**
 * Renders figures to PNG/SVG with one headless Chromium, reused for every figure until
 * {@link FigureExporter.close}. The browser starts on first use.
 *
 * A PNG is drawn once into the page (`staticPlot`, no hover text) and captured by the browser's
 * own screenshot, encoded for speed: `Plotly.toImage` would draw the figure a second time, turn it
 * into SVG, load that as an image and encode a canvas, about twice the time.
 *
 * @example
 * const exporter = new FigureExporter();
 * try {
 *   await exporter.write(fig, "docs/gallery/axis.png", { width: 1000, height: 600 });
 *   const svg = await exporter.toSvg(fig);
 * } finally {
 *   await exporter.close();
 * }
 */
export class FigureExporter {
  private browser?: BrowserLike;
  private canvas?: Promise<Canvas>;
  /** Figures share one div: each render waits for the one before it. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The plotly.js bundle on the page: the smallest that drew every figure so far. */
  private loaded?: PlotlyBundle;
  private readonly executablePath?: string;
  private readonly handleSignals: boolean;

  constructor(opts: ExporterOptions = {}) {
    this.executablePath = opts.executablePath;
    this.handleSignals = opts.handleSignals ?? true;
  }

  /** True when a Chromium binary is installed (export can work). */
  static available(opts: ExporterOptions = {}): boolean {
    return findChromium(opts.executablePath) !== undefined;
  }

  private async ready(): Promise<Canvas> {
    if (!this.canvas) this.canvas = this.start();
    try {
      return await this.canvas;
    } catch (e) {
      this.canvas = undefined;
      throw e;
    }
  }

  private async start(): Promise<Canvas> {
    const exe = findChromium(this.executablePath);
    if (!exe)
      throw new TunebookError(
        `static PNG/SVG export needs headless Chromium, and none was found at ${this.executablePath ?? process.env.TUNEBOOK_CHROMIUM ?? "/usr/bin/chromium"}: install Debian's chromium (apt-get install -y chromium) or set TUNEBOOK_CHROMIUM; HTML export works without it`,
      );
    const { chromium } = await import("playwright-core");
    let browser: BrowserLike;
    try {
      const h = this.handleSignals;
      browser = (await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, handleSIGINT: h, handleSIGTERM: h, handleSIGHUP: h })) as unknown as BrowserLike;
    } catch (e) {
      throw new TunebookError(`could not start Chromium (${exe}): ${(e as Error).message.split("\n")[0]}; install Debian's chromium (apt-get install -y chromium)`);
    }
    this.browser = browser;
    const viewport = { width: 960, height: 600 };
    const page = await browser.newPage({ viewport });
    // Offline by construction: nothing the page asks for leaves the machine.
    await page.route("**/*", (route) => route.abort());
    await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}</style></head><body><div id="figure"></div></body></html>');
    this.loaded = undefined;
    const cdp = await page.context().newCDPSession(page);
    return { page, cdp, viewport };
  }

  /** The warm page with a plotly.js bundle that can draw `fig`. */
  private async withPlotly(fig: Figure): Promise<Canvas> {
    const c = await this.ready();
    // plotly.js goes on the page at the first figure; a larger bundle replaces it (window.Plotly)
    // only when a figure needs a trace type the one loaded lacks.
    const needed = plotlyBundleFor([fig]);
    if (this.loaded === undefined || !bundleCovers(this.loaded, needed)) {
      await c.page.addScriptTag({ content: plotlyJs(needed) });
      this.loaded = needed;
    }
    return c;
  }

  private render(fig: Figure, format: "png" | "svg", opts: ImageOptions): Promise<string> {
    const width = Math.round(opts.width ?? (fig.layout.width as number | undefined) ?? 900);
    const height = Math.round(opts.height ?? (fig.layout.height as number | undefined) ?? 600);
    const scale = opts.scale ?? 1;
    if (!(width > 0 && height > 0 && scale > 0)) return Promise.reject(new TunebookError(`image size must be positive (width ${width}, height ${height}, scale ${scale})`));
    const run = () => (format === "png" ? this.screenshot(fig, width, height, scale) : this.svg(fig, width, height));
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Base64 PNG: the figure drawn into the page's div and captured at `scale`. */
  private async screenshot(fig: Figure, width: number, height: number, scale: number): Promise<string> {
    const c = await this.withPlotly(fig);
    if (c.viewport.width !== width || c.viewport.height !== height) {
      await c.page.setViewportSize({ width, height });
      c.viewport = { width, height };
    }
    // Sizes passed in win over the layout's; the figure fills the viewport exactly.
    const payload = JSON.stringify({ data: staticTraces(fig.data), layout: { ...fig.layout, width, height } });
    await c.page.evaluate(async (json: string) => {
      const P = (window as unknown as { Plotly: { newPlot(d: unknown, ...r: unknown[]): Promise<unknown> } }).Plotly;
      const f = JSON.parse(json);
      await P.newPlot("figure", f.data, f.layout, { staticPlot: true });
    }, payload);
    const shot = await c.cdp.send("Page.captureScreenshot", { format: "png", clip: { x: 0, y: 0, width, height, scale }, optimizeForSpeed: true, captureBeyondViewport: false });
    return shot.data;
  }

  /** SVG data URL from `Plotly.toImage` (drawn off-page, once). */
  private async svg(fig: Figure, width: number, height: number): Promise<string> {
    const c = await this.withPlotly(fig);
    const payload = JSON.stringify({ data: staticTraces(fig.data), layout: { ...fig.layout, width, height } });
    return c.page.evaluate(
      async (a: { payload: string; width: number; height: number }) => {
        const P = (window as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly;
        const f = JSON.parse(a.payload);
        return P.toImage({ data: f.data, layout: f.layout, config: { staticPlot: true } }, { format: "svg", width: a.width, height: a.height });
      },
      { payload, width, height },
    );
  }

  /**
   * PNG bytes of the figure.
   *
   * @example
   * const png = await exporter.toPng(fig, { width: 800, height: 500, scale: 2 }); // 1600×1000 pixels
   */
  async toPng(fig: Figure, opts: ImageOptions = {}): Promise<Buffer> {
    const png = Buffer.from(await this.render(fig, "png", opts), "base64");
    if (png.length < 8) throw new TunebookError("Chromium returned no PNG data for the figure");
    return png;
  }

  /**
   * SVG text of the figure.
   *
   * @example
   * const svg = await exporter.toSvg(fig); // "<svg ..."
   */
  async toSvg(fig: Figure, opts: ImageOptions = {}): Promise<string> {
    const url = await this.render(fig, "svg", opts);
    const comma = url.indexOf(",");
    const head = url.slice(0, comma);
    const body = url.slice(comma + 1);
    return head.includes("base64") ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body);
  }

  /**
   * Write the figure to `path`, the format taken from `format` or the file extension
   * (.png, .svg, .html). Folders are created. HTML needs no browser.
   *
   * @example
   * await exporter.write(fig, "out/isolation.svg");
   */
  async write(fig: Figure, path: string, opts: ImageOptions & { format?: ExportFormat } = {}): Promise<void> {
    const format = opts.format ?? formatFromPath(path);
    await mkdir(dirname(path), { recursive: true });
    // Atomic: a reader (or a crash mid-write) never sees half an image.
    if (format === "html") writeFileAtomic(path, figureToHtml(fig));
    else if (format === "svg") writeFileAtomic(path, await this.toSvg(fig, opts));
    else writeFileAtomic(path, await this.toPng(fig, opts));
  }

  /** Close the browser (safe to call twice). */
  async close(): Promise<void> {
    const b = this.browser;
    this.browser = undefined;
    this.canvas = undefined;
    if (b) await b.close().catch(() => undefined);
  }
}

/**
 * Export format from a file name's extension.
 *
 * @example
 * formatFromPath("fig.SVG"); // "svg"
 */
export function formatFromPath(path: string): ExportFormat {
  const ext = extname(path).toLowerCase().slice(1);
  if (ext === "png" || ext === "svg" || ext === "html") return ext;
  if (ext === "htm") return "html";
  throw new TunebookError(`cannot tell the image format from "${path}": use a .png, .svg or .html file name or pass --format`);
}

/**
 * Write one figure (starts and closes a browser for PNG/SVG; use {@link FigureExporter} for many).
 *
 * @example
 * await writeFigure(fig, "axis.png", { width: 1200, height: 700 });
 */
export async function writeFigure(fig: Figure, path: string, opts: ImageOptions & { format?: ExportFormat } = {}): Promise<void> {
  const format = opts.format ?? formatFromPath(path);
  if (format === "html") {
    await mkdir(dirname(path), { recursive: true });
    writeFileAtomic(path, figureToHtml(fig));
    return;
  }
  const ex = new FigureExporter();
  try {
    await ex.write(fig, path, { ...opts, format });
  } finally {
    await ex.close();
  }
}
