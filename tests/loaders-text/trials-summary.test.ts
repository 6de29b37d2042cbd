import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStudy } from "../../src/study/load.js";
import { splitByGroup, splitByWorkload } from "../../src/study/formats/algoperf.js";
import type { Study } from "../../src/study/study.js";
import { summarizeStudy } from "../../src/study/summary.js";
import { DATA } from "../helpers/cli.js";

const FILE = `${DATA}algoperf_v05/trials_summary.csv`;

// Read the CSV independently (it has no quoted fields) to know the answers.
const lines = readFileSync(FILE, "utf8").trim().split(/\r?\n/);
const header = lines[0]!.split(",");
const rows = lines.slice(1).map((l) => {
  const cells = l.split(",");
  return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""])) as Record<string, string>;
});
const idOf = (r: Record<string, string>) => [r.team, r.submission, r.study, r.workload, r.trial].join("/");

let study: Study;
let byId: Map<string, ReturnType<Study["trialRows"]>[number]>;
beforeAll(async () => {
  study = await loadStudy(FILE);
  byId = new Map(study.trialRows().map((t) => [t.id, t]));
});

describe("trials_summary.csv", () => {
  it("loads every row as one trial", () => {
    expect(rows.length).toBe(3700);
    expect(study.size).toBe(3700);
    expect(study.source.format).toBe("csv");
    expect(new Set(study.trialIds()).size).toBe(3700);
  });

  it("turns hp.* columns into hyperparameters, blanks into absent (null), not 0", () => {
    const hpCols = header.filter((h) => h.startsWith("hp."));
    expect(study.hyperparameters().sort()).toEqual(hpCols.map((h) => h.slice(3)).sort());
    let blanks = 0;
    let zeros = 0;
    const mismatches: string[] = [];
    for (const r of rows) {
      const t = byId.get(idOf(r))!;
      for (const h of hpCols) {
        const v = t.hparams[h.slice(3)] ?? null;
        let want: unknown;
        if (r[h] === "") {
          blanks++;
          want = null;
        } else if (r[h] === "True" || r[h] === "False") want = r[h] === "True";
        else if (!Number.isNaN(Number(r[h]))) {
          want = Number(r[h]);
          if (want === 0) zeros++;
        } else want = r[h];
        if (v !== want) mismatches.push(`${idOf(r)} ${h}: ${String(v)} != ${String(want)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(blanks).toBeGreaterThan(1000);
    expect(zeros).toBeGreaterThan(0); // real zeros stay 0, distinct from blanks
    const lr = study.hparamSummaries().find((h) => h.name === "learning_rate")!;
    expect(lr.missing).toBe(rows.filter((r) => r["hp.learning_rate"] === "").length);
  });

  it("reads final/best/steps, and marks has_nonfinite or non-finite objectives as diverged", () => {
    const nonfinite = rows.filter((r) => r.has_nonfinite === "True");
    const nanObjective = rows.filter((r) => ["final_validation_metric", "best_validation_metric"].some((c) => r[c] !== "" && !Number.isFinite(Number(r[c]))));
    expect(nonfinite.length).toBe(15);
    for (const r of nonfinite) expect(byId.get(idOf(r))!.status).toBe("diverged");
    const expected = new Set([...nonfinite, ...nanObjective].map(idOf));
    expect(study.statusCounts().diverged).toBe(expected.size);
    expect(study.statusCounts().complete).toBe(3700 - expected.size);
    const r = rows.find((x) => x.has_nonfinite === "False" && x.final_validation_metric !== "nan")!;
    const t = byId.get(idOf(r))!;
    expect(t.final).toBe(Number(r.final_validation_metric));
    expect(t.best).toBe(Number(r.best_validation_metric));
    expect(t.steps).toBe(Number(r.final_global_step));
    expect(t.group).toBe(r.workload);
    expect(t.attrs.target_metric).toBe(r.target_metric);
    expect(t.attrs.team).toBe(r.team);
    expect(t.attrs.n_evals).toBe(Number(r.n_evals));
  });

  it("splits into one study per workload with that workload's direction", () => {
    const workloads = new Set(rows.map((r) => r.workload));
    for (const split of [splitByWorkload(study), splitByGroup(study)]) {
      expect(split.size).toBe(workloads.size);
      for (const [w, sub] of split) {
        const mine = rows.filter((r) => r.workload === w);
        expect(sub.size).toBe(mine.length);
        expect(new Set(mine.map((r) => r.higher_is_better)).size).toBe(1);
        expect(sub.objective.direction).toBe(mine[0]!.higher_is_better === "True" ? "maximize" : "minimize");
        expect(sub.objective.metric).toBe(`validation/${mine[0]!.target_metric}`);
        // The best trial is the best finite best_validation_metric among non-diverged rows.
        const ok = mine.filter((r) => r.has_nonfinite !== "True" && Number.isFinite(Number(r.best_validation_metric)) && Number.isFinite(Number(r.final_validation_metric)));
        const vals = ok.map((r) => Number(r.best_validation_metric));
        const want = sub.objective.direction === "maximize" ? Math.max(...vals) : Math.min(...vals);
        expect(sub.bestTrial()!.best).toBe(want);
      }
    }
  });

  it("summarizes with one objective per target, and no overall best across them", () => {
    const sum = summarizeStudy(study);
    expect(sum.best).toBeNull();
    const targets = new Set(rows.map((r) => `validation/${r.target_metric}|${r.higher_is_better === "True" ? "maximize" : "minimize"}`));
    expect(new Set(sum.objectives!.map((o) => `${o.metric}|${o.direction}`))).toEqual(targets);
    expect(sum.objectives!.reduce((n, o) => n + o.trials, 0)).toBe(3700);
    expect(sum.byStatus.diverged).toBe(study.statusCounts().diverged);
  });
});
