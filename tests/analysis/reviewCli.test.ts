import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/analysis/common.js";
import { review } from "../../src/analysis/review.js";
import { formatFindings } from "../../src/cli/commands/review.js";
import { DATA, runCli } from "../helpers/cli.js";
import { lrStudy } from "./synthetic.js";

describe("formatFindings", () => {
  it("groups by severity with short evidence", () => {
    const r = review(lrStudy(300, 0.3, 52, 0.02, (lr) => lr > 0.09));
    const text = formatFindings(r.findings, "synthetic");
    expect(text.split("\n")[0]).toBe("synthetic");
    expect(text).toMatch(/Warnings \(\d+\):\n(.*\n)* {2}boundary\.near_upper: /);
    expect(text).toMatch(/\n {6}hparam=lr edge=0\.1 expand=up/);
    expect(text.indexOf("Warnings (")).toBeLessThan(text.indexOf("Info ("));
  });
});

describe("tunebook review (CLI)", () => {
  it("prints AlgoPerf findings per workload as JSON, NaN/Infinity as strings", () => {
    const json = runCli(["review", `${DATA}algoperf_v05/trials_summary.csv`, "--json"]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { groups: string[]; findings: Array<{ severity: string; code: string; message: string; evidence: Record<string, unknown> }> };
    expect(out.groups.length).toBe(32);
    expect(out.findings.length).toBeGreaterThan(30);
    for (const f of out.findings) expect(Object.keys(f)).toEqual(["severity", "code", "message", "evidence"]);
    expect(out.findings.some((f) => f.code === "isolation.winner" && f.evidence.group === "imagenet_resnet_jax")).toBe(true);
  }, 120_000);

  it("prints findings grouped by severity, with evidence", () => {
    // 40 trials; lr above 0.03 diverges (NaN loss), loss otherwise |log10 lr + 1|.
    const dir = mkdtempSync(join(tmpdir(), "tunebook-review-"));
    const rnd = mulberry32(3);
    const lines = ["trial,hp.lr,hp.wd,status,loss"];
    let diverged = 0;
    for (let i = 0; i < 40; i++) {
      const lr = 10 ** (-4 + 3 * rnd());
      const bad = lr > 0.03;
      if (bad) diverged++;
      lines.push(`t${i},${lr},${0.5 * rnd()},${bad ? "diverged" : "complete"},${bad ? "nan" : Math.abs(Math.log10(lr) + 1)}`);
    }
    writeFileSync(join(dir, "small.csv"), lines.join("\n") + "\n");
    const text = runCli(["review", join(dir, "small.csv")]);
    rmSync(dir, { recursive: true });
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n")[0]).toBe("small: 40 trials, objective loss (minimize)");
    expect(text.stdout).toMatch(/\nWarnings \(\d+\):\n/);
    expect(text.stdout).toContain(`infeasible=${diverged}`);
    expect(text.stdout).toMatch(/ {2}infeasible\.region: \d+% of the trials with lr in \[/);
  }, 120_000);

  it("reports bad input without a stack trace", () => {
    const r = runCli(["review", `${DATA}does-not-exist.csv`, "--by", "median"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tunebook: --by must be "best" or "final", not "median"\n');
    const cmp = runCli(["review", `${DATA}does-not-exist.csv`, "--compare", "submission"]);
    expect(cmp.stderr).toBe('tunebook: --compare must look like key=baseline,candidate, not "submission"\n');
    const sci = runCli(["review", `${DATA}algoperf_v05/raw_logdir`, "--scientific", "nope"]);
    expect(sci.code).toBe(1);
    expect(sci.stderr).toMatch(/^tunebook: --scientific: no trial has "nope" \(hyperparameters: .*learning_rate/);
    const missing = runCli(["review", `${DATA}does-not-exist.csv`]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^tunebook: .*does-not-exist\.csv/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
