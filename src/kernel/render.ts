/**
 * MIME bundles the magics show besides figures: a study summary and a list of findings.
 * Every user string is HTML-escaped.
 */
import type { Finding } from "../analysis/finding.js";
import { sortFindings } from "../analysis/finding.js";
import type { StudySummary } from "../study/summary.js";
import { constantsText, foldHyperparameters, formatSummary } from "../study/summary.js";
import { formatNumber } from "../util/format.js";
import type { MimeBundle } from "../notebook/display.js";
import { escapeHtml } from "../plots/export.js";

/** The one HTML escaper (element content and attribute values), re-exported for the kernel's callers. */
export { escapeHtml };

const ICON: Record<Finding["severity"], string> = { error: "✖", warn: "⚠", info: "ℹ" };
const COLOR: Record<Finding["severity"], string> = { error: "#B3261E", warn: "#9A6700", info: "#1F5FA8" };

/** One line per finding: `⚠ [code] message`. */
export function findingsText(findings: Finding[], title = "findings"): string {
  if (findings.length === 0) return `${title}: none`;
  return [`${title} (${findings.length}):`, ...sortFindings(findings).map((f) => `${ICON[f.severity]} ${f.severity} [${f.code}] ${f.message}`)].join("\n");
}

/**
 * Findings as an HTML list (severity icon, code, message) plus the text view.
 *
 * @example
 * findingsBundle([{ severity: "warn", code: "boundary.near_upper", message: "…", evidence: {} }]);
 */
export function findingsBundle(findings: Finding[], title = "findings", notChecked: ReadonlyArray<{ analysis: string; check?: string; reason: string; group?: string }> = []): MimeBundle {
  const items = sortFindings(findings)
    .map((f) => `<li style="margin:2px 0"><span style="color:${COLOR[f.severity]}">${ICON[f.severity]} ${f.severity}</span> <code>${escapeHtml(f.code)}</code> ${escapeHtml(f.message)}</li>`)
    .join("\n");
  // What could not be checked, and why: a review never skips a check silently.
  const label = (n: { analysis: string; check?: string; reason: string; group?: string }) => `${n.group ? `[${n.group}] ` : ""}${n.analysis}${n.check ? ` — ${n.check}` : ""}: ${n.reason}`;
  const nc = notChecked.length
    ? `<details><summary>Not checked (${notChecked.length})</summary><ul style="margin:4px 0;padding-left:1.2em">${notChecked.map((n) => `<li>${escapeHtml(label(n))}</li>`).join("")}</ul></details>`
    : "";
  const html = findings.length
    ? `<div class="tunebook-findings"><b>${escapeHtml(title)}</b> (${findings.length})<ul style="margin:4px 0;padding-left:1.2em;list-style:none">\n${items}\n</ul>${nc}</div>`
    : `<div class="tunebook-findings"><b>${escapeHtml(title)}</b>: none${nc}</div>`;
  const text = findingsText(findings, title) + (notChecked.length ? `\nNot checked (${notChecked.length}):\n${notChecked.map((n) => `  ${label(n)}`).join("\n")}` : "");
  return { "text/html": html, "text/plain": text };
}

const num = (v: number | null): string => formatNumber(v);

/**
 * A study summary as an HTML table (status counts, best trial, hyperparameters) plus the text
 * that `tunebook load` prints.
 *
 * @example
 * summaryBundle(summarizeStudy(study), "study");
 */
export function summaryBundle(s: StudySummary, variable?: string): MimeBundle {
  const e = escapeHtml;
  const status = Object.entries(s.byStatus).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ");
  // Trials with different objectives (AlgoPerf workloads): say so where the objective and best would be.
  const mixed = s.objectives && s.objectives.length > 1;
  const objectives = mixed
    ? `<span style="color:#9A6700">⚠ differs by group</span> — ${s
        .objectives!.slice(0, 6)
        .map((o) => `${e(o.metric)} (${o.direction}) in ${o.groups} group${o.groups === 1 ? "" : "s"}`)
        .join("; ")}${s.objectives!.length > 6 ? `; … ${s.objectives!.length - 6} more` : ""}`
    : `${e(s.objective.metric)} (${s.objective.direction})`;
  const best = s.best
    ? `${num(s.best.value)} (trial ${e(s.best.trial)}${s.best.step !== null ? `, step ${s.best.step}` : ""})`
    : mixed
      ? "no overall best: the objectives do not compare — split with <code>splitByGroup()</code> / <code>splitByWorkload()</code> or pass <code>--objective</code>"
      : "–";
  const rows: Array<[string, string]> = [
    ["study", `${e(s.name)}${s.source.format ? ` <small>(${e(s.source.format)})</small>` : ""}`],
    ["objective", objectives],
    ["trials", `${s.trials}${status ? ` — ${e(status)}` : ""}${s.groups > 1 ? ` in ${s.groups} groups` : ""}`],
    ["best", best],
    ["steps", s.steps.min === null ? "–" : s.steps.min === s.steps.max ? num(s.steps.max) : `${num(s.steps.min)} .. ${num(s.steps.max)}`],
    ["measurements", String(s.measurements)],
    ["metrics", e(s.metrics.slice(0, 20).join(", ") + (s.metrics.length > 20 ? ` … ${s.metrics.length - 20} more` : "")) || "–"],
  ];
  // Only varying hyperparameters get a row; constant and absent ones fold into a line each.
  const { varying, constant, absent } = foldHyperparameters(s);
  const hp = varying
    .map((n) => {
      const h = s.hyperparameters[n]!;
      const range = h.min !== null ? `${num(h.min)} .. ${num(h.max)}` : (h.values ?? []).slice(0, 6).map(String).join(" | ");
      return `<tr><td style="text-align:left"><code>${e(n)}</code></td><td style="text-align:left">${e(h.scale)}</td><td style="text-align:left">${e(range)}</td><td style="text-align:right">${h.distinct}</td><td style="text-align:right">${h.missing || ""}</td></tr>`;
    })
    .join("\n");
  const folded = [
    constant.length ? `<p style="margin:4px 0"><b>constant</b> (${constant.length}): ${e(constantsText(constant))}</p>` : "",
    absent.length ? `<p style="margin:4px 0"><b>absent in every trial</b> (${absent.length}): ${e(absent.slice(0, 12).join(", "))}${absent.length > 12 ? ` … ${absent.length - 12} more` : ""}</p>` : "",
  ].join("");
  const warn = s.warnings.length
    ? `<details><summary>${s.warnings.length} warning(s) while loading</summary><pre>${e(s.warnings.slice(0, 50).join("\n"))}</pre></details>`
    : "";
  const html = `<div class="tunebook-summary">${variable ? `<p>loaded into <code>${e(variable)}</code></p>` : ""}
<table>${rows.map(([k, v]) => `<tr><th style="text-align:left">${k}</th><td style="text-align:left">${v}</td></tr>`).join("\n")}</table>
${varying.length ? `<table><thead><tr><th style="text-align:left">hyperparameter</th><th style="text-align:left">scale</th><th style="text-align:left">range / values</th><th>distinct</th><th>absent</th></tr></thead>
<tbody>${hp}</tbody></table>` : ""}${folded}${warn}</div>`;
  return { "text/html": html, "text/plain": (variable ? `loaded into ${variable}\n` : "") + formatSummary(s) };
}
