import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { review } from "../../src/analysis/review.js";
import { ANALYSES } from "../../src/analysis/analyses.js";
import { StudyBuilder } from "../../src/study/builder.js";
import { loadStudy } from "../../src/study/load.js";
import { mulberry32 } from "../../src/analysis/common.js";
import { DATA } from "../helpers/cli.js";
import { deepcave } from "./deepcave.js";
import { lrStudy, studyOf } from "./synthetic.js";

const RANK = { error: 0, warn: 1, info: 2 } as const;

describe("review", () => {
  it("runs the analyses that apply and sorts findings by severity", () => {
    const r = review(lrStudy(300, 0.3, 51, 0.02, (lr) => lr > 0.09));
    expect(r.ran).toEqual(expect.arrayContaining(["infeasible", "axis", "boundaries", "bootstrap", "importance"]));
    expect(r.skipped).toContain("trialVariance"); // no repeated configuration
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain("boundary.near_upper");
    expect(codes).toContain("importance.top");
    for (let i = 1; i < r.findings.length; i++) expect(RANK[r.findings[i]!.severity]).toBeGreaterThanOrEqual(RANK[r.findings[i - 1]!.severity]);
    expect(Object.keys(r.results)).toEqual(r.ran);
  });

  it("copes with an empty study and a study where every trial diverged", () => {
    const empty = review(studyOf([]));
    expect(empty.findings.map((f) => f.code)).toEqual(["review.empty"]);
    const allBad = review(studyOf(Array.from({ length: 12 }, (_, i) => ({ hparams: { lr: 10 ** (-4 + i / 4) }, y: NaN, status: "diverged" as const }))));
    expect(allBad.findings.filter((f) => f.code === "review.analysis_failed")).toEqual([]);
    const high = allBad.findings.find((f) => f.code === "infeasible.high_fraction")!;
    expect(high.evidence.fraction).toBe(1);
    expect(allBad.findings.map((f) => f.code)).toContain("axis.no_feasible");
  });

  it("each registry entry is { name, summary, options, applies, run } and names are unique", () => {
    const names = ANALYSES.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    for (const a of ANALYSES) {
      expect(a.summary.length).toBeGreaterThan(10);
      expect(typeof a.applies).toBe("function");
      expect(typeof a.run).toBe("function");
    }
  });

  it("rejects an unknown analysis or option before running anything, with a did-you-mean", async () => {
    const study = await deepcave();
    expect(() => review(study, { only: ["isolaton"] })).toThrow(/unknown analysis "isolaton" \(did you mean isolation\?\)/);
    expect(() => review(study, { analysis: { isolation: { resample: 10 } } })).toThrow(/isolation: unknown option resample \(did you mean resamples\?\)/);
    expect(() => review(study, { analysis: { bootstrap: { resamples: "many" } } })).toThrow(/bootstrap: option resamples: .*"many"/);
    const r = review(study, { only: ["trainingSteps", "adoption"] });
    expect(r.skippedWhy.adoption).toMatch(/pass key, baseline and candidate/);
  });

  it("DeepCAVE MNIST: flags the infeasible high learning rates and compares activation/model", async () => {
    const r = review(await deepcave());
    const codes = r.findings.map((f) => `${f.code}:${f.evidence.hparam ?? f.evidence.scientific ?? ""}`);
    expect(codes).toContain("infeasible.region:learning_rate");
    expect(codes).toContain("boundary.mostly_infeasible:learning_rate");
    expect(codes).toContain("isolation.winner:model");
    expect(codes).toContain("isolation.winner:activation");
    expect(codes).toContain("infeasible.high_fraction:");
  });

  it("AlgoPerf trials_summary: reviews each workload separately with its own objective, findings labelled", async () => {
    const study = await loadStudy(`${DATA}algoperf_v05/trials_summary.csv`);
    const rows = parse(readFileSync(`${DATA}algoperf_v05/trials_summary.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
    const r = review(study, { resamples: 200, analysis: { adoption: { key: "submission", baseline: "prize_qualification_baseline", candidate: "nadamp" } } });
    const workloads = new Set(rows.map((x) => x.workload));
    expect(Object.keys(r.groups!).sort()).toEqual([...workloads].sort());
    for (const w of workloads) {
      const g = r.groups![w]!;
      const higher = rows.find((x) => x.workload === w)!.higher_is_better === "True";
      expect(g.objective.direction).toBe(higher ? "maximize" : "minimize");
      const submissions = new Set(rows.filter((x) => x.workload === w).map((x) => x.submission));
      if (submissions.size > 1) expect(g.ran).toContain("isolation");
      else expect(g.skipped).toContain("isolation");
    }
    for (const f of r.findings) {
      expect(workloads.has(f.evidence.group as string)).toBe(true);
      expect(f.message.startsWith(`[${f.evidence.group}] `)).toBe(true);
    }
    // Adoption runs where both submissions have trials, comparing the best of each of their studies.
    const both = [...workloads].filter((w) => ["prize_qualification_baseline", "nadamp"].every((sub) => rows.some((x) => x.workload === w && x.submission === sub)));
    const adoption = r.findings.filter((f) => f.code.startsWith("adoption."));
    expect(new Set(adoption.map((f) => f.evidence.group))).toEqual(new Set(both));
    expect(adoption.every((f) => f.evidence.unit === "study" && f.evidence.nA === 5)).toBe(true);
    // Search-space analyses are not run on a mix of submissions' spaces.
    expect(r.groups!.imagenet_resnet_jax!.skipped).toEqual(expect.arrayContaining(["boundaries", "bootstrap", "importance"]));
    // Every workload gets a winner by submission; seed repeats give trial variance.
    const multi = [...workloads].filter((w) => new Set(rows.filter((x) => x.workload === w).map((x) => x.submission)).size > 1);
    expect(multi.length).toBeGreaterThan(20);
    expect(r.findings.filter((f) => f.code === "isolation.winner").length).toBe(multi.length);
    expect(r.findings.filter((f) => f.code === "variance.trial").length).toBe(workloads.size);
  });

  it("reviews a 2,000-trial × 500-step study in a few seconds", () => {
    const rnd = mulberry32(61);
    const b = new StudyBuilder("big", { metric: "valid/loss", direction: "minimize" });
    for (let t = 0; t < 2000; t++) {
      const lr = 10 ** (-4 + 3 * rnd());
      const wd = rnd() * 0.1;
      const id = `t${t}`;
      b.trial({ id, hparams: { lr, wd, act: rnd() < 0.5 ? "relu" : "tanh" } });
      const rate = 5 * lr ** 0.5;
      for (let s = 1; s <= 500; s++) {
        const base = 0.2 + Math.exp(-rate * s / 50) + 0.01 * (rnd() - 0.5);
        b.measure(id, s, "valid/loss", lr > 0.02 && s > 300 ? NaN : base);
      }
    }
    const study = b.build();
    expect(study.measurementCount).toBe(1_000_000);
    const t0 = performance.now();
    const r = review(study);
    const ms = performance.now() - t0;
    console.log(`review of 2,000 trials × 500 steps: ${(ms / 1000).toFixed(2)} s, ${r.findings.length} findings, ran ${r.ran.join(", ")}`);
    // Speed is measured in bench/review.ts against its goal, not asserted here.
    const diverged = study.trialRows().filter((t) => (t.hparams.lr as number) > 0.02).length;
    expect(study.statusCounts().diverged).toBe(diverged);
    expect(r.findings.some((f) => f.code === "infeasible.region" && f.evidence.hparam === "lr")).toBe(true);
  }, 60_000);
});

