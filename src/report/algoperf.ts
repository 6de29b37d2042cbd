/**
 * The AlgoPerf comparison as one self-contained HTML page (plotly.js embedded, opens offline):
 * leaderboard, performance profiles, per-workload time-to-target table, study-to-study spread,
 * and the aggregate statistics that say which gaps exceed study-to-study (seed) noise. Same input,
 * same bytes: no clock, seeded bootstrap.
 */
import { studySpeedMatrices, type AlgoPerfScoreResult } from "../analysis/algoperfScore.js";
import { compareAlgorithms, type CompareAlgorithmsResult } from "../analysis/compareAlgorithms.js";
import { sortFindings, type Finding } from "../core/findings.js";
import { aggregateIntervalsFigure, algoperfProfileFigure, algoperfStudySpreadFigure, algoperfTimeTable, improvementFigure, scoreDistributionFigure } from "../plots/algoperf.js";
import { escapeHtml, scriptJson } from "../plots/export.js";
import type { Figure } from "../plots/theme.js";
import { writeFileAtomic } from "../util/fs.js";
import { VERSION } from "../version.js";
import { REPORT_JS, reportHead } from "./report.js";

export interface AlgoPerfReportOptions {
  seed?: number;
  reps?: number;
  /** The command that reproduces the report (shown at the top). */
  command?: string;
}

export interface AlgoPerfReportContent {
  score: AlgoPerfScoreResult;
  compare: CompareAlgorithmsResult;
  figures: Array<{ id: string; title: string; figure: Figure }>;
  findings: Finding[];
  command: string;
}

/**
 * Everything the AlgoPerf report shows. The aggregate statistics compare adjacent leaderboard
 * ranks on per-study speed scores (`studySpeedMatrices`).
 *
 * @example
 * const c = algoperfReportContent(algoperfScore(await readAlgoPerfLogs("datasets/algoperf_v05")));
 * c.compare.improvement[0]; // P(rank 1 > rank 2) with its interval
 */
export function algoperfReportContent(score: AlgoPerfScoreResult, opts: AlgoPerfReportOptions = {}): AlgoPerfReportContent {
  const m = studySpeedMatrices(score);
  const subs = score.submissions;
  const pairs = subs.slice(0, -1).map((s, i) => [s, subs[i + 1]!] as const);
  const compare = compareAlgorithms(m.matrices, { tasks: m.tasks, reps: opts.reps ?? 2000, seed: opts.seed ?? 0, pairs });
  const label = "per-study speed: fastest submission's median time ÷ the study's time, 0 if missed";
  const figures = [
    { id: "profiles", title: "Performance profiles", figure: algoperfProfileFigure(score) },
    { id: "time-table", title: "Time to target per workload", figure: algoperfTimeTable(score) },
    { id: "study-spread", title: "Study-to-study spread", figure: algoperfStudySpreadFigure(score) },
    { id: "intervals", title: "Aggregate speed with confidence intervals", figure: aggregateIntervalsFigure(compare, { scoreLabel: `Scores: ${label}.` }) },
    { id: "improvement", title: "Probability of improvement between adjacent ranks", figure: improvementFigure(compare) },
    { id: "distributions", title: "Score distributions (top four and the baseline)", figure: scoreDistributionFigure(compare, { scoreLabel: "speed", algorithms: [...new Set([...subs.slice(0, 4), ...subs.filter((s) => /baseline/.test(s))])] }) },
  ];
  return {
    score,
    compare,
    figures,
    findings: sortFindings([...score.findings, ...compare.findings]),
    command: opts.command ?? `tunebook algoperf report <path> --ruleset ${score.ruleset} --out algoperf.html`,
  };
}

/**
 * The report as HTML text.
 *
 * @example
 * const html = renderAlgoPerfHtml(algoperfReportContent(result));
 */
export function renderAlgoPerfHtml(c: AlgoPerfReportContent): string {
  const e = escapeHtml;
  const r = c.score;
  const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
  const poi = new Map(c.compare.improvement.map((p) => [p.x, p]));
  const rows = Object.values(r.scores).map((s) => {
    const p = poi.get(s.submission);
    const gap = p ? `P = ${f4(p.point)} [${f4(p.low)}, ${f4(p.high)}]${p.beyondNoise ? " <b>beyond noise</b>" : p.high < 0.5 ? " <b>reversed</b>" : " within noise"}` : "–";
    const iqm = c.compare.aggregates[s.submission]!.iqm;
    return `<tr><td>${s.rank}</td><td><code>${e(s.submission)}</code></td><td>${f4(s.score)}</td><td>${s.workloadsSolved}/${r.baseWorkloads.length}</td><td>${f4(s.scoreWithoutHeldOutRule)}${s.lostToHeldOut.length ? ` <span class="sub">(${e(s.lostToHeldOut.join(", "))})</span>` : ""}</td><td>${e(s.fastestOn.join(", ") || "–")}</td><td>${f4(iqm.point)} [${f4(iqm.low)}, ${f4(iqm.high)}]</td><td>${gap}</td></tr>`;
  });
  const parts: string[] = [];
  parts.push(`${reportHead(`tunebook AlgoPerf report — ${r.ruleset} tuning`, VERSION, c.figures.map((f) => f.figure))}<header>
<h1>AlgoPerf: ${e(r.ruleset)}-tuning ruleset</h1>
<p class="sub">${r.submissions.length} submissions · ${r.baseWorkloads.length} base workloads · held-out variants ${e(r.heldOutWorkloads.join(", "))} · reproduce: <code>${e(c.command)}</code></p>
</header>
<section id="leaderboard">
<h2>Leaderboard</h2>
<p class="sub">Score: area under the performance profile ρ(τ) for τ ∈ [1, ${r.options.maxTau}], divided by ${r.options.maxTau - 1}, computed as the benchmark's scoring code does (trial choice: ${e(r.options.trialChoice)}; maximum runtime: ${e(r.options.maxRuntime)}). "Without the held-out rule": the score had base workloads counted even when their held-out variant missed (in brackets, the workloads that rule takes away). IQM: interquartile mean of per-study speed over the base workloads with its ${Math.round(c.compare.options.confidence * 100)}% stratified-bootstrap interval (${c.compare.options.reps} resamples, seed ${c.compare.options.seed}). Last column: probability that this submission's studies beat the next rank's, and whether its interval excludes ½.</p>
<table><thead><tr><th>rank</th><th>submission</th><th>score</th><th>solved</th><th>without the held-out rule</th><th>fastest on</th><th>IQM speed [CI]</th><th>vs the next rank</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
</section>
<section id="findings">
<h2>Findings</h2>`);
  for (const f of c.findings)
    parts.push(`<div class="finding ${f.severity}"><span class="badge ${f.severity}">${f.severity}</span><code>${e(f.code)}</code><p>${e(f.message)}</p></div>`);
  parts.push(`</section>\n<section id="figures">\n<h2>Figures</h2>`);
  c.figures.forEach((f, i) => {
    const h = Number((f.figure.layout as { height?: number }).height) || 520;
    parts.push(`<figure id="${f.id}"><div class="plot" id="${f.id}-plot" style="height:${Math.round(h)}px"></div>
<script type="application/json" data-figure="${f.id}-plot">${scriptJson(f.figure)}</script>
<figcaption>Figure ${i + 1}. ${e(f.title)}</figcaption></figure>`);
  });
  parts.push(`</section>\n<script>${REPORT_JS}</script>\n</body>\n</html>\n`);
  return parts.join("\n");
}

/**
 * Score, compare and write the AlgoPerf report to `out` (atomically).
 *
 * @example
 * await writeAlgoPerfReport(algoperfScore(await readAlgoPerfLogs("datasets/algoperf_v05")), "algoperf.html");
 */
export async function writeAlgoPerfReport(score: AlgoPerfScoreResult, out: string, opts: AlgoPerfReportOptions = {}): Promise<string> {
  writeFileAtomic(out, renderAlgoPerfHtml(algoperfReportContent(score, opts)));
  return out;
}

