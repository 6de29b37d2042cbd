/** The AlgoPerf HTML report (looked at in headless Chromium; see docs/algoperf.md). */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { algoperfScore } from "../../src/analysis/algoperfScore.js";
import { algoperfReportContent, renderAlgoPerfHtml } from "../../src/report/algoperf.js";
import { readAlgoPerfLogs } from "../../src/study/formats/algoperfEvals.js";
import { DATA, runCli } from "../helpers/cli.js";

describe("AlgoPerf report", () => {
  it("leaderboard, six figures, findings; same input gives the same bytes", async () => {
    const r = algoperfScore(await readAlgoPerfLogs(join(DATA, "algoperf_v05"), { ruleset: "self" }));
    const c = algoperfReportContent(r, { reps: 200, command: "tunebook algoperf report <x> & co" });
    expect(c.figures.map((f) => f.id)).toEqual(["profiles", "time-table", "study-spread", "intervals", "improvement", "distributions"]);
    // Adjacent ranks are compared: 5 pairs for 6 submissions, in leaderboard order.
    expect(c.compare.improvement.map((p) => [p.x, p.y])).toEqual(r.submissions.slice(0, -1).map((s, i) => [s, r.submissions[i + 1]]));
    const html = renderAlgoPerfHtml(c);
    for (const s of r.submissions) expect(html).toContain(`<code>${s}</code>`);
    expect(html).toContain("<td>0.8542</td>");
    expect(html).toContain("&lt;x&gt; &amp; co");
    expect(html.match(/data-figure=/g)).toHaveLength(6);
    expect(renderAlgoPerfHtml(algoperfReportContent(r, { reps: 200, command: "tunebook algoperf report <x> & co" }))).toBe(html);
  });

  it("tunebook algoperf report writes the file", { timeout: 180_000 }, () => {
    const out = join(mkdtempSync(join(tmpdir(), "algoperf-report-")), "a.html");
    const res = runCli(["algoperf", "report", join(DATA, "algoperf_v05"), "--ruleset", "self", "--reps", "100", "--out", out]);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(`wrote ${out}\n`);
    expect(readFileSync(out, "utf8")).toMatch(/^<!DOCTYPE html>/);
    expect(runCli(["algoperf", "report", join(DATA, "algoperf_v05"), "--reps", "5", "--out", out]).stderr).toMatch(/--reps must be an integer ≥ 100/);
  });
});
