/**
 * Notebook display: MIME bundles for figures and tables, and `display()` that sends one to the
 * running tslab kernel (through `tslab/dist/jupyter`'s `lastWriteDisplayData`, the hook tslab's
 * own `display.html()` uses). The kernel helper and notebooks call these.
 *
 * A figure bundle carries up to four views of the same figure, in this order (front ends that
 * honour the bundle's order pick the first they can render):
 * - `application/vnd.plotly.v1+json`: JupyterLab (with its plotly renderer) and VS Code draw it;
 * - `text/html`: classic Notebook and nbconvert HTML: the static image as an `<img>` (shown even
 *   untrusted, where scripts are stripped), replaced by the interactive plot when plotly.js is on
 *   the page. plotly.js travels at most once per page, as an inert `<script type="text/x-tunebook-plotly">`
 *   that the small loader of every figure finds and evaluates (offline, any output order);
 * - `image/png`: GitHub, PDF export and every static viewer;
 * - `text/plain`: the title, for terminals and text exports.
 */
import { createRequire } from "node:module";
import { escapeHtml, inlinePlotlyJs, scriptJson } from "../plots/export.js";
import { bundleCovers, type PlotlyBundle, plotlyBundleFor } from "../plots/plotlyBundle.js";
import { type Figure, figureTitle, MAX_FIGURE_WIDTH } from "../plots/theme.js";
import { formatNumber } from "../util/format.js";
import { escapeTerminal, escapeTerminalBlock } from "../core/terminal.js";

/** A Jupyter MIME bundle: mime type → content. */
export type MimeBundle = Record<string, unknown>;

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** Whether the text/html view carries plotly.js: the first time in this process, every time, or never. */
export type EmbedMode = "once" | "always" | "never";

/** Which views a figure output carries: interactive (plotly), static (PNG) or both. */
export type FigureMode = "interactive" | "static" | "both";

/** The element type that holds plotly.js on a page without running it (the loader runs it once). */
export const PLOTLY_CARRIER_TYPE = "text/x-tunebook-plotly";

/** The largest plotly.js bundle this process embedded (for `embed: "once"`). */
let plotlyEmbedded: PlotlyBundle | undefined;
let figureCounter = 0;

/** Forget that plotly.js was embedded (e.g. for a new notebook in the same process). */
export function resetPlotlyEmbedding(): void {
  plotlyEmbedded = undefined;
}

/**
 * The inert element carrying plotly.js for the page's figure loaders: by default the full bundle
 * (4.8 MB), or one of tunebook's partial bundles (1.1 MB for every figure tunebook draws but
 * parallel coordinates). The loaders tell them apart by the partial bundle's first line.
 */
export function plotlyCarrierHtml(bundle: PlotlyBundle = "full"): string {
  return `<script type="${PLOTLY_CARRIER_TYPE}">\n${inlinePlotlyJs(bundle)}\n</script>\n`;
}

/** A static image for the text/html view and the image/png entry. */
export interface FigureImage {
  /** PNG bytes. */
  png: Uint8Array;
  /** CSS pixels the image stands for (the figure's width and height). */
  width: number;
  height: number;
}

export interface FigureHtmlOptions {
  embed?: EmbedMode;
  height?: number;
  /** Shown until (or instead of) the interactive plot. */
  image?: FigureImage;
  /** false: no script at all, only the image (static mode). Default true. */
  interactive?: boolean;
}

const BUNDLE_ORDER: readonly PlotlyBundle[] = ["cartesian", "parcoords", "full"];

/** Widest a figure is drawn in a notebook's output area (defined with the plots' layout). */
export { MAX_FIGURE_WIDTH };

/**
 * The text/html view of a figure: a div with the static image (when given), the figure as
 * escaped JSON, and a loader that draws it with plotly.js. The loader uses `window.Plotly` when
 * present, else evaluates the page's plotly.js carrier (wherever it is on the page, before or
 * after this figure), else keeps the image. The carrier holds the smallest plotly.js bundle that
 * draws the figure ({@link plotlyBundleFor}); a figure that needs a larger bundle than the one the
 * page has evaluated evaluates a larger carrier. With `embed: "once"` (default) the carrier is
 * included the first time in this process (and again when a figure needs a larger bundle);
 * `"always"` makes the output self-contained.
 * No require.js/AMD needed (plotly.js sets `window.Plotly` itself).
 *
 * @example
 * const html = figureHtml(fig, { embed: "always" }); // works offline on its own
 */
export function figureHtml(fig: Figure, opts: FigureHtmlOptions = {}): string {
  const embed = opts.embed ?? "once";
  const interactive = opts.interactive ?? true;
  const id = `tunebook-fig-${process.pid.toString(36)}-${(++figureCounter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const height = Math.round(opts.height ?? (typeof fig.layout.height === "number" ? fig.layout.height : 480));
  const width = Math.round(Math.min(MAX_FIGURE_WIDTH, typeof fig.layout.width === "number" ? fig.layout.width : MAX_FIGURE_WIDTH));
  const img = opts.image
    ? `<img alt="${escapeHtml(figureTitle(fig) || "figure")}" width="${opts.image.width}" height="${opts.image.height}" style="max-width:100%;height:auto;display:block" src="data:image/png;base64,${Buffer.from(opts.image.png).toString("base64")}">`
    : interactive
      ? ""
      : `<p style="color:#6B7785">${escapeHtml(figureTitle(fig) || "figure")} (no static image: Chromium is not installed)</p>`;
  if (!interactive) return `<div class="tunebook-figure" style="max-width:${width}px">${img}</div>`;
  const bundle = plotlyBundleFor([fig]);
  const larger = plotlyEmbedded === undefined || !bundleCovers(plotlyEmbedded, bundle);
  let lib = "";
  if (embed === "always" || (embed === "once" && larger)) {
    lib = plotlyCarrierHtml(bundle);
    if (larger) plotlyEmbedded = bundle;
  }
  // Responsive: the layout's width is only a maximum, the plot fills the output area up to it.
  const layout = { ...fig.layout };
  delete layout.width;
  // Without an image, reserve the plot's height; with one, the image holds the place.
  const box = opts.image ? "" : `height:${height}px;`;
  return `${lib}<div class="tunebook-figure" id="${id}" style="width:100%;max-width:${width}px;${box}">${img}</div>
<script type="application/json" id="${id}-data">${scriptJson({ data: fig.data, layout })}</script>
<script>
(function () {
  var t0 = Date.now();
  // plotly.js bundles, smallest first; window.tunebookPlotly: the one this page evaluated (a
  // plotly.js the page had already, or that an older loader evaluated, counts as the full one).
  var order = ${JSON.stringify(BUNDLE_ORDER)};
  var need = ${BUNDLE_ORDER.indexOf(bundle)};
  function have() {
    return window.Plotly ? (typeof window.tunebookPlotly === "number" ? window.tunebookPlotly : order.length - 1) : -1;
  }
  function kind(text) {
    var m = /tunebook's partial bundle "([a-z]+)"/.exec(text.slice(0, 400));
    var k = m ? order.indexOf(m[1]) : -1;
    return k < 0 ? order.length - 1 : k;
  }
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (!el) return;
    if (have() < need) {
      // The smallest carrier on the page that draws this figure.
      var best = null, bestKind = order.length;
      document.querySelectorAll('script[type="${PLOTLY_CARRIER_TYPE}"]').forEach(function (src) {
        var k = kind(src.textContent);
        if (k >= need && k < bestKind) { best = src; bestKind = k; }
      });
      window.tunebookPlotlyTried = window.tunebookPlotlyTried || {};
      if (best && !window.tunebookPlotlyTried[bestKind]) {
        window.tunebookPlotlyTried[bestKind] = true;
        var s = document.createElement("script");
        s.text = best.textContent;
        document.head.appendChild(s);
        if (window.Plotly) window.tunebookPlotly = bestKind;
      }
    }
    if (have() < need) {
      // Other outputs (the carrier) may still be rendering; after that the static image stays.
      if (Date.now() - t0 < 20000) { setTimeout(draw, 100); return; }
      if (!window.Plotly) {
        if (!el.querySelector("img")) el.textContent = "plotly.js is not on this page: re-run a figure cell, or use %config figures=both for a static image.";
        return;
      }
      if (el.querySelector("img")) return;
    }
    var fig = JSON.parse(document.getElementById(${JSON.stringify(id + "-data")}).textContent);
    var plot = document.createElement("div");
    plot.style.height = ${JSON.stringify(height + "px")};
    el.style.height = "";
    el.appendChild(plot);
    window.Plotly.newPlot(plot, fig.data, fig.layout, { responsive: true, displaylogo: false }).then(function () {
      var img = el.querySelector("img");
      if (img) img.remove();
    });
    var img = el.querySelector("img");
    if (img) img.style.display = "none";
  }
  draw();
})();
</script>`;
}

export interface FigureBundleOptions {
  embed?: EmbedMode;
  /** The static image (PNG) of the figure, from headless Chromium (FigureExporter). */
  image?: FigureImage;
  /** Which views to include (default "both": the image only when given). */
  mode?: FigureMode;
}

/**
 * MIME bundle for a figure: plotly JSON, an offline HTML view, the PNG when given, and the title
 * as text, in that order.
 *
 * @example
 * const bundle = figureBundle(fig);
 * bundle["application/vnd.plotly.v1+json"]; // { data, layout }
 * bundle["text/plain"];                     // "Validation loss vs learning rate …"
 */
export function figureBundle(fig: Figure, opts: FigureBundleOptions = {}): MimeBundle {
  const mode = opts.mode ?? "both";
  const text = figureTitle(fig) || "plotly figure";
  const image = mode === "interactive" ? undefined : opts.image;
  const bundle: MimeBundle = {};
  if (mode !== "static") {
    // Plotly's JSON renderer rejects NaN: send the JSON-clean figure (NaN/Infinity → null = gaps).
    const clean = JSON.parse(JSON.stringify(fig)) as Figure;
    bundle[PLOTLY_MIME] = clean;
    bundle["text/html"] = figureHtml(fig, { embed: opts.embed, image });
  } else {
    bundle["text/html"] = figureHtml(fig, { image, interactive: false });
  }
  if (image) bundle["image/png"] = Buffer.from(image.png).toString("base64");
  bundle["text/plain"] = text;
  return bundle;
}

/** Jupyter display metadata for a figure bundle: the PNG's size in CSS pixels. */
export function figureMetadata(bundle: MimeBundle, image?: FigureImage): Record<string, unknown> {
  return bundle["image/png"] && image ? { "image/png": { width: image.width, height: image.height } } : {};
}

/** Something arquero-like: has `objects()` (arquero ColumnTable) and optionally `columnNames()`. */
export interface TableLike {
  objects(opts?: { limit?: number }): object[];
  columnNames?(): string[];
  numRows?(): number;
}

export interface TableOptions {
  /** Rows shown (default 50); the rest is summarised as "… N more rows". */
  limit?: number;
  /** Caption shown above the table (escaped). */
  caption?: string;
}

function isTableLike(x: unknown): x is TableLike {
  return typeof x === "object" && x !== null && typeof (x as TableLike).objects === "function";
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  // Tables keep two more digits than messages: readers compare neighbouring rows.
  if (typeof v === "number") return formatNumber(v, { digits: 6 });
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * MIME bundle for a table (an arquero table or an array of row objects): an HTML table with
 * every cell escaped, and an aligned text table.
 *
 * @example
 * tableBundle(study.trials, { limit: 20 });
 * tableBundle([{ trial: "t1", loss: 0.3 }]);
 */
export function tableBundle(table: TableLike | ReadonlyArray<Record<string, unknown>>, opts: TableOptions = {}): MimeBundle {
  const limit = opts.limit ?? 50;
  let rows: Array<Record<string, unknown>>;
  let columns: string[];
  let total: number;
  if (isTableLike(table)) {
    total = table.numRows ? table.numRows() : table.objects().length;
    rows = table.objects({ limit }) as Array<Record<string, unknown>>;
    columns = table.columnNames ? table.columnNames() : [...new Set(rows.flatMap((r) => Object.keys(r)))];
  } else {
    total = table.length;
    rows = table.slice(0, limit) as Array<Record<string, unknown>>;
    columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  }
  const more = total - rows.length;
  const caption = opts.caption ? `<caption style="text-align:left;font-weight:600">${escapeHtml(opts.caption)}</caption>` : "";
  const head = `<tr>${columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = rows
    .map((r) => `<tr>${columns.map((c) => {
      const v = r[c];
      const align = typeof v === "number" ? "right" : "left";
      return `<td style="text-align:${align}">${escapeHtml(cellText(v))}</td>`;
    }).join("")}</tr>`)
    .join("\n");
  const foot = more > 0 ? `<p style="color:#6B7785">… ${more.toLocaleString("en-US")} more rows (${total.toLocaleString("en-US")} in all)</p>` : "";
  const html = `<table class="tunebook-table">${caption}\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table>${foot}`;

  // The text view escapes control characters per cell (a newline in an id would break the layout).
  const textRows = [columns.map((c) => escapeTerminal(c)), ...rows.map((r) => columns.map((c) => escapeTerminal(cellText(r[c]))))];
  const widths = columns.map((_, j) => Math.min(40, Math.max(...textRows.map((r) => r[j]!.length))));
  const lines = textRows.map((r) => r.map((c, j) => (c.length > 40 ? c.slice(0, 39) + "…" : c).padEnd(widths[j]!)).join("  ").trimEnd());
  if (more > 0) lines.push(`… ${more} more rows`);
  const text = (opts.caption ? opts.caption + "\n" : "") + lines.join("\n");
  return { "text/html": html, "text/plain": text };
}

/** Is `x` a plotly figure ({data: [], layout: {}})? */
export function isFigure(x: unknown): x is Figure {
  return typeof x === "object" && x !== null && Array.isArray((x as Figure).data) && typeof (x as Figure).layout === "object";
}

/**
 * MIME bundle for anything tunebook displays: a figure, a table (arquero or rows), an existing
 * bundle (an object whose keys are all MIME types), or other values as text.
 *
 * @example
 * toBundle(fig);          // figureBundle(fig)
 * toBundle(study.trials); // tableBundle(study.trials)
 */
export function toBundle(x: unknown): MimeBundle {
  if (isFigure(x)) return figureBundle(x);
  if (isTableLike(x)) return tableBundle(x);
  if (Array.isArray(x) && x.length > 0 && x.every((r) => typeof r === "object" && r !== null && !Array.isArray(r))) return tableBundle(x as Array<Record<string, unknown>>);
  if (typeof x === "object" && x !== null && Object.keys(x).length > 0 && Object.keys(x).every((k) => /^[a-z]+\/[\w.+-]+$/i.test(k))) return x as MimeBundle;
  return { "text/plain": typeof x === "string" ? x : JSON.stringify(x, null, 2) ?? String(x) };
}

/**
 * The bundle with its `text/plain` view safe for a terminal (Jupyter's console and the notebook's
 * text view act on ESC sequences): control characters other than newline and tab, and
 * bidirectional overrides, escaped (see src/core/terminal.ts). Every bundle tunebook shows goes
 * through here; the other views are untouched (HTML escapes by itself).
 *
 * @example
 * safeTextPlain({ "text/plain": "trial a\u001b]0;x\u0007" })["text/plain"]; // "trial a\\e]0;x\\a"
 */
export function safeTextPlain(bundle: MimeBundle): MimeBundle {
  const t = bundle["text/plain"];
  if (typeof t !== "string") return bundle;
  const safe = escapeTerminalBlock(t);
  return safe === t ? bundle : { ...bundle, "text/plain": safe };
}

/** Where display() sends bundles: tslab's writer by default, replaceable for other kernels/tests. */
export type DisplaySink = (bundle: MimeBundle) => void;

let sink: DisplaySink | undefined;

/**
 * Route display() elsewhere (a test, another kernel). Pass undefined to restore tslab.
 *
 * @example
 * const shown: MimeBundle[] = [];
 * setDisplaySink((b) => shown.push(b));
 */
export function setDisplaySink(s: DisplaySink | undefined): void {
  sink = s;
}

/** A kernel that renders values itself (figures with a static image) takes them first; true = handled. */
export type DisplayHandler = (value: unknown) => boolean;

let handler: DisplayHandler | undefined;

/**
 * Let the running kernel show values itself (the tunebook kernel adds a PNG to figures and
 * keeps plotly.js once per notebook page). Pass undefined to remove it.
 *
 * @example
 * setDisplayHandler((x) => (isFigure(x) ? (showWithImage(x), true) : false));
 */
export function setDisplayHandler(h: DisplayHandler | undefined): void {
  handler = h;
}

type Writer = (data: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** tslab's current display writer, or undefined outside a tslab kernel. */
function tslabWriter(): Writer | undefined {
  // Resolve tslab from the notebook's cwd first: the kernel's own copy holds the live writer.
  for (const base of [process.cwd() + "/", import.meta.url]) {
    try {
      const mod = createRequire(base)("tslab/dist/jupyter") as { lastWriteDisplayData?: Writer | null };
      if (mod?.lastWriteDisplayData) return mod.lastWriteDisplayData;
    } catch {
      /* not here: try the next location */
    }
  }
  return undefined;
}

/**
 * Show a figure, table or bundle in the notebook (tslab kernel). Outside a kernel, prints the
 * text/plain view so scripts still say something.
 *
 * @example
 * import { display } from "tunebook";
 * display(axisFigure(axisPlotData(study)));
 * display(study.trials);
 */
export function display(x: unknown): void {
  if (handler?.(x)) return;
  const bundle = safeTextPlain(toBundle(x));
  if (sink) {
    sink(bundle);
    return;
  }
  const write = tslabWriter();
  if (write) {
    write({ data: bundle, metadata: {}, transient: {} }, false);
    return;
  }
  process.stdout.write(String(bundle["text/plain"] ?? "") + "\n");
}
