import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StudyBuilder } from "../../src/study/builder.js";
import { loadStudy } from "../../src/study/load.js";
import { reportContent, renderHtml, renderMarkdown } from "../../src/report/report.js";
import { DATA, runCli } from "../helpers/cli.js";

const EVIL = "<script>alert(1)</script>";

/** A study whose every user string is hostile: name, trial ids, categorical values, metric names. */
function hostileStudy() {
  const b = new StudyBuilder(EVIL, { metric: "validation/loss", direction: "minimize" });
  for (let i = 0; i < 30; i++) {
    const lr = 10 ** (-4 + (4 * i) / 29);
    const act = i % 2 ? `<img src=x onerror="alert('${i}')">` : "relu & co";
    const id = `trial-${i}-"quoted"`;
    b.trial({ id, hparams: { learning_rate: lr, activation: act } });
    for (let s = 1; s <= 5; s++) {
      const v = lr > 0.5 && s > 2 ? NaN : (Math.log10(lr) + 2) ** 2 + 1 / s;
      b.measure(id, s * 10, "validation/loss", v);
      b.measure(id, s * 10, "train/loss", Number.isNaN(v) ? v : v * 0.9);
    }
  }
  return b.build();
}

describe("tuning report", () => {
  it("escapes every user string and keeps the hostile name as text", async () => {
    const html = renderHtml(await reportContent(hostileStudy(), { notes: "</td><b>notes</b>", config: 'x" onclick="alert(2)' }));
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<b>notes</b>");
    expect(html).not.toMatch(/href="x" onclick=/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    // Figure JSON is embedded with < escaped, so it cannot close its script element.
    const jsonBlocks = [...html.matchAll(/<script type="application\/json" data-figure="[^"]+">([\s\S]*?)<\/script>/g)];
    expect(jsonBlocks.length).toBeGreaterThan(0);
    for (const [, body] of jsonBlocks) expect(body).not.toContain("<");
    // The only <script> elements are plotly.js, the figure data blocks and the page's own script.
    const scripts = html.match(/<script\b/g)!.length;
    expect(scripts).toBe(jsonBlocks.length + 2);
    const md = renderMarkdown(await reportContent(hostileStudy()));
    // Code spans show their content literally in every Markdown renderer; everywhere else no raw HTML.
    const prose = md.replace(/`[^`\n]*`/g, "");
    expect(prose).not.toContain(EVIL);
    expect(prose).not.toMatch(/(?<!\\)<(img|script)/);
    expect(prose).toContain("\\<script\\>alert(1)\\</script\\>");
  });

  it("has the tracking table, findings with evidence, figures, and every trial on real data", async () => {
    const study = await loadStudy(join(DATA, "deepcave_mnist/run_1"));
    const content = await reportContent(study, { config: "configspace.json", notes: "DeepCAVE MNIST run 1" });
    expect(content.tracking.trials).toBe(study.size);
    expect(content.tracking.best!.value).toBe(study.bestTrial()!.best);
    expect(content.findings.length).toBeGreaterThan(0);
    expect(content.figures.length).toBeGreaterThan(1);
    const html = renderHtml(content);
    for (const id of ["tracking", "findings", "figures", "trials", "environment"]) expect(html).toContain(`<section id="${id}">`);
    expect(html.match(/<div class="finding /g)!.length).toBe(content.findings.length);
    expect(html.match(/<tr( class="infeasible")?><td data-v=/g)!.length).toBe(study.size);
    expect(html.match(/<tr class="infeasible">/g)?.length ?? 0).toBe(study.infeasible().length);
    // Each warning that has a figure links to it.
    const linked = content.findings.filter((f) => content.figures.some((g) => g.codes.includes(f.code)));
    expect(linked.length).toBeGreaterThan(0);
  }, 60_000);

  it("the same input gives byte-identical output through the CLI, and --format md writes PNGs", () => {
    const dir = mkdtempSync(join(tmpdir(), "tunebook-report-"));
    const src = join(DATA, "deepcave_mnist/run_2");
    const a = runCli(["report", src, "--out", join(dir, "a.html")]);
    expect(a.code, a.stderr).toBe(0);
    const first = readFileSync(join(dir, "a.html"));
    const b = runCli(["report", src, "--out", join(dir, "a.html")]);
    expect(b.code).toBe(0);
    expect(readFileSync(join(dir, "a.html")).equals(first)).toBe(true);
    const t = runCli(["report", src, "--out", join(dir, "t.html"), "--timestamp"]);
    expect(t.code).toBe(0);
    expect(readFileSync(join(dir, "t.html"), "utf8")).toMatch(/generated \d{4}-\d\d-\d\dT/);
    const md = runCli(["report", src, "--out", join(dir, "r.md")]);
    expect(md.code, md.stderr).toBe(0);
    const text = readFileSync(join(dir, "r.md"), "utf8");
    expect(text).toMatch(/^# /);
    expect(text).toContain("## Findings");
    if (readdirSync(dir).includes("r_files")) {
      const pngs = readdirSync(join(dir, "r_files"));
      expect(pngs.length).toBeGreaterThan(0);
      for (const p of pngs) expect(readFileSync(join(dir, "r_files", p)).subarray(1, 4).toString()).toBe("PNG");
      expect(text).toContain(`](r_files/${pngs[0]})`);
    }
  }, 300_000);

  it("the Reproduce command keeps every option given, and running it gives the same report", () => {
    const dir = mkdtempSync(join(tmpdir(), "tunebook-report-"));
    const src = join(DATA, "deepcave_mnist/run_1");
    const out = join(dir, "loss.html");
    const r = runCli(["report", src, "--out", out, "--objective", "loss", "--direction", "minimize", "--notes", "test loss, not accuracy"]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, "utf8");
    const cmd = /Reproduce<\/th><td><code>([^<]*)<\/code>/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    expect(cmd).toBe(`tunebook report ${src} --out ${out} --objective loss --direction minimize --notes 'test loss, not accuracy'`);
    // Run the command as written (its shell words): the same bytes come out.
    const words = cmd!.replace(/'([^']*)'/g, (_m, w: string) => w.replace(/ /g, "\u0000")).split(" ").map((w) => w.replace(/\u0000/g, " "));
    const again = runCli(words.slice(1));
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(html);
  }, 120_000);

  it("says clearly when the input is bad", () => {
    const r = runCli(["report", "no/such/folder", "--out", "/tmp/x.html"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no\/such\/folder: no such file or folder/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
