/**
 * Reproducible tuning reports: one self-contained HTML file (plotly.js embedded, opens offline)
 * or Markdown with PNG figures, stating every conclusion with its evidence and the command that
 * reproduces it. The same study gives byte-identical output: no clock unless asked, stable order,
 * stable element ids.
 */
import { basename, dirname, join, relative } from "node:path";
import type { Finding } from "../analysis/finding.js";
import type { ReviewOptions, ReviewResult } from "../analysis/review.js";
import { sortFindings } from "../analysis/finding.js";
import type { Study } from "../study/study.js";
import { isInfeasible } from "../study/types.js";
import { escapeHtml, inlinePlotlyJs, scriptJson } from "../plots/export.js";
import { plotlyBundleFor } from "../plots/plotlyBundle.js";
import type { Figure } from "../plots/theme.js";
import { environmentOf, trackingRow, type Environment, type TrackingRow } from "./tracking.js";

export interface ReportOptions {
  format?: "html" | "md";
  /** Path of the study config, shown and linked in the tracking table. */
  config?: string;
  notes?: string;
  /** Add the generation time (off by default: reports are byte-reproducible). */
  timestamp?: boolean | Date;
  /** The command that made this report, when the study's own reproduce command is unknown. */
  command?: string;
  /** Where the report will be written: Markdown figures go in `<name>_files/` beside it. */
  out?: string;
  /** Report on at most this many figures (default 12). */
  maxFigures?: number;
  /** A `review(study)` the caller already ran (otherwise the report runs it); its results are drawn, not recomputed. */
  reviewed?: ReviewResult;
  /** Options of the review the report runs (when `reviewed` is not given). */
  review?: ReviewOptions;
}

/** A check the review could not run, with its reason (see `review().notChecked`). */
export interface NotCheckedItem {
  analysis: string;
  check?: string;
  reason: string;
  group?: string;
}

export interface ReportFigure {
  kind: string;
  /** The analysis whose result it draws. */
  analysis: string;
  /** The group of trials it draws, when the review was split. */
  group: string | null;
  title: string;
  /** Finding codes this figure is the evidence for (findings of the same result). */
  codes: string[];
  figure: Figure;
}

/** A finding of the report, with the figure drawn from the same analysis result (index into `figures`). */
export type ReportFinding = Finding & { figure: number | null; analysis: string | null };

export interface ReportContent {
  tracking: TrackingRow;
  findings: ReportFinding[];
  /** What the review could not check, and why (nothing is skipped silently). */
  notChecked: NotCheckedItem[];
  figures: ReportFigure[];
  environment: Environment;
  trials: Array<Record<string, unknown>>;
  columns: string[];
  generatedAt: string | null;
}

const SEVERITY_RANK = { error: 0, warn: 1, info: 2 } as const;

/**
 * Collect what a report shows: tracking row, the review's findings, the figure of each analysis
 * drawn from the very result that produced its findings (so a figure never disagrees with the
 * finding beside it), and the trials.
 *
 * @example
 * const content = await reportContent(await loadStudy("datasets/deepcave_mnist/run_1"));
 * content.findings.length > 0; // true
 */
export async function reportContent(study: Study, opts: ReportOptions = {}): Promise<ReportContent> {
  const { drawFigures } = await import("../plots/catalog.js");
  const reviewed = opts.reviewed ?? (await import("../analysis/review.js")).review(study, opts.review);
  const units: Array<{ group: string | null; r: ReviewResult }> = reviewed.groups
    ? Object.entries(reviewed.groups).map(([group, r]) => ({ group, r }))
    : [{ group: null, r: reviewed }];
  type Pending = { fig: ReportFigure; rank: number; order: number; findings: ReportFinding[] };
  const pending: Pending[] = [];
  const findings: ReportFinding[] = [];
  for (const { group, r } of units) {
    for (const name of r.ran) {
      const result = (r.results as Record<string, { findings: Finding[] }>)[name]!;
      const own: ReportFinding[] = result.findings.map((f) => ({
        ...(group === null ? f : { ...f, message: `[${group}] ${f.message}`, evidence: { group, ...f.evidence } }),
        figure: null,
        analysis: name,
      }));
      findings.push(...own);
      let drawn: Array<{ kind: string; figure: Figure }> = [];
      try {
        drawn = drawFigures(name, result, r.subject, r.options[name] ?? {}, { report: true });
      } catch {
        // A figure the data cannot support is left out; its findings stay.
      }
      const rank = Math.min(3, ...own.map((f) => SEVERITY_RANK[f.severity]));
      for (const { kind, figure } of drawn) {
        const title = (group === null ? "" : `[${group}] `) + plainTitle(figure, kind);
        const codes = [...new Set(own.map((f) => f.code))];
        pending.push({ fig: { kind, analysis: name, group, title, codes, figure }, rank, order: pending.length, findings: own });
      }
    }
  }
  // Review-level findings (empty study, an analysis that failed) have no result of their own.
  for (const f of reviewed.findings) if (f.code.startsWith("review.")) findings.push({ ...f, figure: null, analysis: null });
  // The most telling figures first: those beside errors, then warnings, then the rest, in registry order.
  const chosen = [...pending].sort((a, b) => a.rank - b.rank || a.order - b.order).slice(0, opts.maxFigures ?? 12).sort((a, b) => a.order - b.order);
  const figures = chosen.map((p) => p.fig);
  chosen.forEach((p, i) => {
    for (const f of p.findings) if (f.figure === null) f.figure = i;
  });
  const hs = study.hyperparameters();
  const columns = ["id", "status", "best", "final", "bestStep", "steps", ...(new Set(study.trialRows().map((t) => t.group)).size > 1 ? ["group"] : []), ...hs.map((h) => `hp.${h}`)];
  const trials = study.toRows();
  const when = opts.timestamp ? (opts.timestamp instanceof Date ? opts.timestamp : new Date()).toISOString() : null;
  return {
    tracking: trackingRow(study, { config: opts.config, notes: opts.notes, reportCommand: opts.command }),
    findings: sortFindings(findings),
    notChecked: reviewed.notChecked ?? [],
    figures,
    environment: environmentOf(study),
    trials,
    columns,
    generatedAt: when,
  };
}

/** The figure's title as plain text: its first line, without plotly's HTML markup. */
export function plainTitle(figure: Figure, fallback: string): string {
  const t = (figure.layout as { title?: { text?: string } | string }).title;
  const raw = typeof t === "string" ? t : (t?.text ?? "");
  const first = raw.split(/<br\s*\/?>/i)[0]!.replace(/<[^>]*>/g, "").trim();
  return first || fallback;
}

const fmt = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5 ? v.toExponential(4) : String(Number(v.toPrecision(6)));
  }
  return String(v);
};

/** Evidence as short `key: value` text (arrays shortened). */
function evidenceText(e: Record<string, unknown>): string {
  return JSON.stringify(
    e,
    (_k, v) => {
      if (typeof v === "number") return Number.isFinite(v) ? Number(v.toPrecision(6)) : fmt(v);
      if (Array.isArray(v) && v.length > 12) return [...v.slice(0, 12), `… ${v.length - 12} more`];
      return v;
    },
    2,
  );
}

export const REPORT_CSS = `
:root{--fg:#1b1f24;--muted:#5c6570;--line:#d8dde3;--err:#b42318;--warn:#b54708;--info:#175cd3}
*{box-sizing:border-box}body{font:15px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);margin:0 auto;max-width:1180px;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:32px}
.sub{color:var(--muted);margin:0}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
table.kv th{background:#f6f8fa;width:180px}code{font:12.5px ui-monospace,Menlo,Consolas,monospace;background:#f6f8fa;padding:1px 4px;border-radius:3px}
.finding{border-left:4px solid var(--line);padding:6px 12px;margin:10px 0;background:#fbfcfd}.finding.error{border-color:var(--err)}.finding.warn{border-color:var(--warn)}.finding.info{border-color:var(--info)}
.badge{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;padding:1px 6px;border-radius:3px;color:#fff;margin-right:6px}
.badge.error{background:var(--err)}.badge.warn{background:var(--warn)}.badge.info{background:var(--info)}
.finding p{margin:4px 0}details pre{font-size:12px;background:#f6f8fa;padding:8px;overflow:auto;max-height:320px}
figure{margin:16px 0;border:1px solid var(--line);padding:8px;overflow-x:auto}figcaption{color:var(--muted);font-size:13px}.plot{width:100%;height:520px}
.tablewrap{overflow:auto;max-height:640px}table.trials th{cursor:pointer;position:sticky;top:0;background:#f6f8fa;white-space:nowrap}
table.trials th[aria-sort=ascending]::after{content:" ▲"}table.trials th[aria-sort=descending]::after{content:" ▼"}
tr.infeasible td{color:var(--err)}.counts span{margin-right:14px}
`;

/**
 * The document head every tunebook report opens with, through `<body>`: styles and plotly.js
 * inlined once, the smallest bundle that draws every figure of the report.
 */
export function reportHead(title: string, version: string, figures: readonly Figure[]): string {
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tunebook ${e(version)}">
<title>${e(title)}</title>
<style>${REPORT_CSS}</style>
<script>${inlinePlotlyJs(plotlyBundleFor(figures))}</script>
</head>
<body>
`;
}

export const REPORT_JS = `
document.querySelectorAll("table.trials").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : (x === "" ? 1 : y === "" ? -1 : x.localeCompare(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
document.querySelectorAll("script[data-figure]").forEach(function (s) {
  var fig = JSON.parse(s.textContent);
  // Fit the page's width; the figure's own height is kept on its element.
  delete fig.layout.width;
  fig.layout.autosize = true;
  Plotly.newPlot(s.getAttribute("data-figure"), fig.data, fig.layout, { responsive: true, displaylogo: false });
});
`;

/**
 * The report as one self-contained HTML page.
 *
 * @example
 * const html = renderHtml(await reportContent(study));
 * writeFileAtomic("report.html", html);
 */
export function renderHtml(c: ReportContent): string {
  const t = c.tracking;
  const e = escapeHtml;
  const counts = { error: 0, warn: 0, info: 0 };
  for (const f of c.findings) counts[f.severity]++;
  const kv = (k: string, v: string) => `<tr><th>${e(k)}</th><td>${v}</td></tr>`;
  const best = t.best
    ? `${e(fmt(t.best.value))} <span class="sub">(trial <code>${e(t.best.trial)}</code>${t.best.step !== null ? `, step ${e(fmt(t.best.step))}` : ""}; ${Object.entries(t.best.hparams).map(([k, v]) => `${e(k)}=${e(fmt(v))}`).join(", ")})</span>`
    : "–";
  const parts: string[] = [];
  parts.push(`${reportHead(`tunebook report — ${t.study}`, c.environment.tunebook, c.figures.map((f) => f.figure))}<header>
<h1>${e(t.study)}</h1>
<p class="sub">Tuning report · objective ${e(t.objective)} · ${t.trials} trials${c.generatedAt ? ` · generated ${e(c.generatedAt)}` : ""}</p>
</header>
<section id="tracking">
<h2>Experiment</h2>
<table class="kv">
${kv("Study", e(t.study))}
${kv("Config", t.config ? `<a href="${e(t.config)}">${e(t.config)}</a>` : "–")}
${kv("Notes", t.notes ? e(t.notes) : "–")}
${kv("Trials", String(t.trials))}
${kv("Best validation result", best)}
${kv("Reproduce", `<code>${e(t.reproduce)}</code>`)}
</table>
</section>
<section id="findings">
<h2>Findings</h2>
<p class="counts"><span>${counts.error} error</span><span>${counts.warn} warning</span><span>${counts.info} info</span></p>`);
  if (c.findings.length === 0) parts.push(`<p>No findings: nothing in this study calls for action.</p>`);
  for (const f of c.findings) {
    const fig = f.figure ?? -1;
    parts.push(`<div class="finding ${f.severity}"><span class="badge ${f.severity}">${f.severity}</span><code>${e(f.code)}</code>
<p>${e(f.message)}</p>${fig >= 0 ? `<p class="sub">Figure: <a href="#figure-${fig + 1}">${e(c.figures[fig]!.title)}</a></p>` : ""}
<details><summary>Evidence</summary><pre>${e(evidenceText(f.evidence))}</pre></details></div>`);
  }
  if (c.notChecked.length) {
    parts.push(`<details class="notchecked"><summary>Not checked (${c.notChecked.length})</summary><ul>`);
    for (const n of c.notChecked) parts.push(`<li>${n.group ? `[${e(n.group)}] ` : ""}<code>${e(n.analysis)}</code>${n.check ? ` — ${e(n.check)}` : ""}: ${e(n.reason)}</li>`);
    parts.push(`</ul></details>`);
  }
  parts.push(`</section>\n<section id="figures">\n<h2>Figures</h2>`);
  if (c.figures.length === 0) parts.push(`<p>No figures.</p>`);
  c.figures.forEach((f, i) => {
    const id = `figure-${i + 1}`;
    const h = Number((f.figure.layout as { height?: number }).height) || 520;
    parts.push(`<figure id="${id}"><div class="plot" id="${id}-plot" style="height:${Math.round(h)}px"></div>
<script type="application/json" data-figure="${id}-plot">${scriptJson(f.figure)}</script>
<figcaption>Figure ${i + 1}. ${e(f.title)}${f.codes.length ? ` — evidence for ${f.codes.map((x) => `<code>${e(x)}</code>`).join(", ")}` : ""}</figcaption></figure>`);
  });
  parts.push(`</section>\n<section id="trials">\n<h2>Trials</h2>\n<p class="sub">Click a column to sort. Infeasible trials (diverged, failed, out of memory) in red.</p>
<div class="tablewrap"><table class="trials"><thead><tr>${c.columns.map((col) => `<th>${e(col)}</th>`).join("")}</tr></thead><tbody>`);
  for (const r of c.trials) {
    const bad = isInfeasible(r.status as never);
    parts.push(`<tr${bad ? ' class="infeasible"' : ""}>${c.columns.map((col) => `<td data-v="${e(typeof r[col] === "number" && Number.isFinite(r[col]) ? r[col] : (r[col] ?? ""))}">${e(fmt(r[col]))}</td>`).join("")}</tr>`);
  }
  const env = c.environment;
  parts.push(`</tbody></table></div>
</section>
<section id="environment">
<h2>Environment</h2>
<table class="kv">
${kv("tunebook", e(env.tunebook))}
${kv("Log format", e(env.format ?? "–"))}
${kv("Backend", e(env.backend ?? "–"))}
${kv("Sampler / seed", e(env.sampler ? `${env.sampler} / ${env.seed ?? "–"}` : "–"))}
${kv("Code revision", env.code ? `<code>${e(env.code)}</code>` : "–")}
</table>
</section>
<script>${REPORT_JS}</script>
</body>
</html>
`);
  return parts.join("\n");
}

/** Escape text for Markdown table cells and prose (pipes, backticks, HTML). */
export function escapeMd(s: unknown): string {
  return String(s).replace(/[\\`*_[\]|<>#]/g, (ch) => `\\${ch}`).replace(/\n/g, " ");
}

/**
 * The report as Markdown, for a pull request or a lab notebook. Figures are PNG files written by
 * the caller; `images` maps figure index → relative path.
 *
 * @example
 * const md = renderMarkdown(content, ["report_files/01-axis.png"]);
 */
export function renderMarkdown(c: ReportContent, images: Array<string | null> = []): string {
  const t = c.tracking;
  const m = escapeMd;
  const out: string[] = [];
  out.push(`# ${m(t.study)}`, "", `Tuning report · objective ${m(t.objective)} · ${t.trials} trials${c.generatedAt ? ` · generated ${c.generatedAt}` : ""}`, "");
  out.push("## Experiment", "", "| | |", "|---|---|");
  out.push(`| Study | ${m(t.study)} |`, `| Config | ${t.config ? m(t.config) : "–"} |`, `| Notes | ${t.notes ? m(t.notes) : "–"} |`, `| Trials | ${t.trials} |`);
  out.push(`| Best validation result | ${t.best ? `${m(fmt(t.best.value))} (trial ${m(t.best.trial)}${t.best.step !== null ? `, step ${fmt(t.best.step)}` : ""})` : "–"} |`);
  out.push(`| Reproduce | \`${t.reproduce.replace(/`/g, "'")}\` |`, "");
  out.push("## Findings", "");
  if (c.findings.length === 0) out.push("No findings: nothing in this study calls for action.", "");
  for (const f of c.findings) out.push(`- **${f.severity}** \`${f.code}\` — ${m(f.message)}`);
  if (c.notChecked.length) {
    out.push("", `**Not checked (${c.notChecked.length}):**`, "");
    for (const n of c.notChecked) out.push(`- ${n.group ? `[${m(n.group)}] ` : ""}\`${n.analysis}\`${n.check ? ` — ${m(n.check)}` : ""}: ${m(n.reason)}`);
  }
  out.push("", "## Figures", "");
  c.figures.forEach((f, i) => {
    const img = images[i];
    out.push(`**Figure ${i + 1}.** ${m(f.title)}`, "");
    out.push(img ? `![${m(f.title)}](${img})` : "_(figure not rendered: Chromium is not installed; see the HTML report)_", "");
  });
  out.push("## Trials", "", `| ${c.columns.map(m).join(" | ")} |`, `|${c.columns.map(() => "---").join("|")}|`);
  for (const r of c.trials) out.push(`| ${c.columns.map((col) => m(fmt(r[col]))).join(" | ")} |`);
  const env = c.environment;
  out.push("", "## Environment", "", `- tunebook ${m(env.tunebook)}`, `- log format: ${m(env.format ?? "–")}`, `- backend: ${m(env.backend ?? "–")}`, `- sampler / seed: ${m(env.sampler ?? "–")} / ${env.seed ?? "–"}`);
  if (env.code) out.push(`- code revision: \`${env.code}\``);
  return out.join("\n") + "\n";
}

/**
 * Build and write a report (HTML, or Markdown with PNG figures beside it). Returns the paths written.
 *
 * @example
 * await writeReport(await loadStudy("runs/command-demo"), { out: "report.html" });
 */
export async function writeReport(study: Study, opts: ReportOptions & { out: string }): Promise<string[]> {
  const { writeFileAtomic } = await import("../util/fs.js");
  const format = opts.format ?? (/\.md$/i.test(opts.out) ? "md" : "html");
  const content = await reportContent(study, opts);
  if (format === "html") {
    writeFileAtomic(opts.out, renderHtml(content));
    return [opts.out];
  }
  const written: string[] = [];
  const images: Array<string | null> = [];
  const { FigureExporter, findChromium } = await import("../plots/export.js");
  if (findChromium() && content.figures.length) {
    const dir = join(dirname(opts.out), `${basename(opts.out).replace(/\.md$/i, "")}_files`);
    const exporter = new FigureExporter();
    try {
      for (const [i, f] of content.figures.entries()) {
        const file = join(dir, `${String(i + 1).padStart(2, "0")}-${f.kind}.png`);
        writeFileAtomic(file, await exporter.toPng(f.figure, { width: 1000, height: 600 }));
        images.push(relative(dirname(opts.out), file).split("\\").join("/"));
        written.push(file);
      }
    } finally {
      await exporter.close();
    }
  }
  writeFileAtomic(opts.out, renderMarkdown(content, images));
  return [opts.out, ...written];
}
