/**
 * Notebook display: MIME bundles for figures and tables, and `display()` that sends one to the
 * running tslab kernel (through `tslab/dist/jupyter`'s `lastWriteDisplayData`, the hook tslab's
 * own `display.html()` uses). The kernel helper and notebooks call these.
 *
 * A figure bundle carries three views of the same figure, so every front end shows something:
 * - `application/vnd.plotly.v1+json`: JupyterLab / VS Code draw it with their plotly renderer;
 * - `text/html`: classic Notebook, nbconvert HTML and trusted outputs: plotly.js is inlined in the
 *   first figure of the process (4.7 MB, offline) and later figures reuse `window.Plotly`;
 * - `text/plain`: the title, for terminals and text exports.
 */
import { createRequire } from "node:module";
import { escapeHtml, inlinePlotlyJs, scriptJson } from "../plots/export.js";
import { type Figure, figureTitle } from "../plots/theme.js";

/** A Jupyter MIME bundle: mime type → content. */
export type MimeBundle = Record<string, unknown>;

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** How the text/html fallback gets plotly.js. */
export type EmbedMode = "once" | "always" | "never";

let plotlyEmbedded = false;
let figureCounter = 0;

/** Forget that plotly.js was embedded (e.g. for a new notebook in the same process). */
export function resetPlotlyEmbedding(): void {
  plotlyEmbedded = false;
}

/**
 * The text/html view of a figure: a div and a script that draws it with plotly.js. With
 * `embed: "once"` (default) plotly.js is inlined the first time in this process, guarded by
 * `window.Plotly` so it loads once per page; later figures wait for `window.Plotly`.
 * No require.js/AMD needed (plotly.js sets `window.Plotly` itself).
 *
 * @example
 * const html = figureHtml(fig, { embed: "always" }); // works offline on its own
 */
export function figureHtml(fig: Figure, opts: { embed?: EmbedMode; height?: number } = {}): string {
  const embed = opts.embed ?? "once";
  const id = `tunebook-fig-${process.pid.toString(36)}-${(++figureCounter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const height = opts.height ?? (typeof fig.layout.height === "number" ? fig.layout.height : 480);
  let lib = "";
  if (embed === "always" || (embed === "once" && !plotlyEmbedded)) {
    lib = `<script>if (!window.Plotly) {\n${inlinePlotlyJs()}\n}</script>\n`;
    plotlyEmbedded = true;
  }
  return `${lib}<div id="${id}" style="width:100%;height:${Math.round(height)}px"></div>
<script type="application/json" id="${id}-data">${scriptJson(fig)}</script>
<script>
(function () {
  var tries = 0;
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (!el) return;
    if (!window.Plotly) {
      if (++tries < 200) return setTimeout(draw, 50);
      el.textContent = "plotly.js is not loaded: re-run the first figure cell of this notebook.";
      return;
    }
    var fig = JSON.parse(document.getElementById(${JSON.stringify(id + "-data")}).textContent);
    window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
  }
  draw();
})();
</script>`;
}

/**
 * MIME bundle for a figure: plotly JSON, an offline HTML fallback and the title as text.
 *
 * @example
 * const bundle = figureBundle(fig);
 * bundle["application/vnd.plotly.v1+json"]; // { data, layout }
 * bundle["text/plain"];                     // "Validation loss vs learning rate …"
 */
export function figureBundle(fig: Figure, opts: { embed?: EmbedMode } = {}): MimeBundle {
  // Plotly's JSON renderer rejects NaN: send the JSON-clean figure (NaN/Infinity → null = gaps).
  const clean = JSON.parse(JSON.stringify(fig)) as Figure;
  return {
    [PLOTLY_MIME]: clean,
    "text/html": figureHtml(fig, opts),
    "text/plain": figureTitle(fig) || "plotly figure",
  };
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
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : Number(v.toPrecision(6)).toString();
  }
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

  const textRows = [columns, ...rows.map((r) => columns.map((c) => cellText(r[c])))];
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
  const bundle = toBundle(x);
  if (sink) return sink(bundle);
  const write = tslabWriter();
  if (write) {
    write({ data: bundle, metadata: {}, transient: {} }, false);
    return;
  }
  process.stdout.write(String(bundle["text/plain"] ?? "") + "\n");
}
