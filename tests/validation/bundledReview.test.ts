/**
 * `tunebook review` on every bundled study (datasets/ and the planted runs of validation/): no
 * finding that the corpus rules (validation/rules.ts, computed from the raw files) call wrong, and
 * no check skipped without a reason. A curve finding is compared with its trial's labels; a
 * boundary finding with the label of the corpus case that covers exactly the same trials.
 */
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CurveDiagnosticsResult } from "../../src/analysis/curves.js";
import { type ReviewResult, review } from "../../src/analysis/review.js";
import { formatNotChecked } from "../../src/cli/commands/review.js";
import { loadStudy } from "../../src/study/load.js";
import { boundaryCases, curveCases, type Labels } from "../../validation/rules.js";
import { type RawStudy, readAll } from "../../validation/sources.js";
import { DATA, ROOT } from "../helpers/cli.js";

const corpus = readAll();
/** The Optuna RDB loader needs the native better-sqlite3 build; without it that study is reported skipped (by name). */
const hasSqlite = (() => {
  try {
    createRequire(import.meta.url).resolve("better-sqlite3");
    return true;
  } catch {
    return false;
  }
})();
const rawByName = new Map(corpus.map((s) => [s.name, s]));

/** Trial id as the corpus names it (AlgoPerf loaders prefix study and workload). */
const short = (id: string) => id.split("/").pop()!;

/** Every finding of a review that a label of the corpus calls wrong, as "trial code" strings. */
function wrongFindings(r: ReviewResult, raw: RawStudy[]): string[] {
  const wrong: string[] = [];
  const curveLabels = new Map<string, Labels>();
  for (const st of raw) for (const c of curveCases(st)) curveLabels.set(c.trial, c.labels);
  const curves = r.results.curves as CurveDiagnosticsResult | undefined;
  for (const d of curves?.trials ?? []) {
    const labels = curveLabels.get(short(d.trial));
    for (const f of d.findings) if (labels?.[f.code] === false) wrong.push(`${d.trial} ${f.code}`);
  }
  // Boundary labels hold for a set of trials: only a corpus case over exactly the reviewed trials applies.
  const ids = [...(r.subject?.trialRows() ?? [])].map((t) => short(t.id)).sort().join(",");
  for (const st of raw) {
    for (const c of boundaryCases(st)) {
      if (c.study.trials.map((t) => t.id).sort().join(",") !== ids) continue;
      for (const f of r.findings) if (f.evidence.hparam === c.hparam && c.labels[f.code] === false) wrong.push(`${c.hparam} ${f.code} (${c.id})`);
    }
  }
  return wrong;
}

/** A check the review did not run must say why, and the CLI's text must show it. */
function silentSkips(r: ReviewResult): string[] {
  const out: string[] = [];
  const why = new Set(r.notChecked.map((n) => n.analysis));
  for (const a of r.skipped) {
    const reason = r.skippedWhy[a];
    if (!reason?.trim()) out.push(`${a}: no reason`);
    // adoption runs only when asked (a baseline is given); every other skip is listed for the reader.
    else if (a !== "adoption" && !why.has(a)) out.push(`${a}: not in the not-checked list`);
  }
  const text = formatNotChecked(r.notChecked);
  for (const n of r.notChecked) {
    if (!n.reason.trim()) out.push(`${n.analysis}: empty reason`);
    else if (!text.includes(n.reason)) out.push(`${n.analysis}: reason not printed`);
  }
  return out;
}

const algoperfCurves = join(DATA, "algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline");
const algoperfDirs = readdirSync(algoperfCurves)
  .sort()
  .flatMap((study) => readdirSync(join(algoperfCurves, study)).sort().map((wl) => ({ path: join(algoperfCurves, study, wl), name: `algoperf/${study}/${wl}` })));

describe("tunebook review on every bundled study", () => {
  it(`AlgoPerf NAdamW curves (${algoperfDirs.length} study × workload folders): no curve finding the rules call wrong, nothing skipped silently`, async () => {
    expect(algoperfDirs.length).toBeGreaterThanOrEqual(80);
    let compared = 0;
    const wrong: string[] = [];
    const silent: string[] = [];
    for (const d of algoperfDirs) {
      const raw = rawByName.get(d.name);
      const r = review(await loadStudy(d.path));
      if (raw) {
        compared += (r.results.curves as CurveDiagnosticsResult | undefined)?.trials.length ?? 0;
        wrong.push(...wrongFindings(r, [raw]).map((w) => `${d.name}: ${w}`));
      }
      silent.push(...silentSkips(r).map((s) => `${d.name}: ${s}`));
    }
    expect(compared).toBeGreaterThan(300);
    expect(wrong).toEqual([]);
    expect(silent).toEqual([]);
  }, 300_000);

  const studies: Array<{ path: string; raw: string[]; needs?: "better-sqlite3"; study?: string }> = [
    { path: join(DATA, "deepcave_mnist/run_1"), raw: ["deepcave/run_1"] },
    { path: join(DATA, "deepcave_mnist/run_2"), raw: ["deepcave/run_2"] },
    { path: join(DATA, "mnist_tunebook/study"), raw: ["mnist_tunebook/mnist-bundled"] },
    { path: join(DATA, "optuna_mlp_lr/study.db"), raw: [], needs: "better-sqlite3", study: "mlp-lr" },
    { path: join(DATA, "optuna_mlp_lr/study.db"), raw: [], needs: "better-sqlite3", study: "two-objectives" },
    { path: join(DATA, "algoperf_v05/trials_summary.csv"), raw: [] },
    { path: join(DATA, "algoperf_v05/raw_logdir/prize_qualification_baseline"), raw: [] },
    ...["lr-seeds", "lr-batch", "dropout", "long-train", "short-train", "noisy"].map((n) => ({ path: join(ROOT, "validation/planted/runs", n), raw: corpus.filter((s) => s.source === "planted" && s.name === `planted/planted-${n}`).map((s) => s.name) })),
  ];
  for (const s of studies) {
    it.skipIf(s.needs === "better-sqlite3" && !hasSqlite)(`${s.path.slice(ROOT.length)}${s.study ? ` (${s.study})` : ""}: no finding the rules call wrong, nothing skipped silently${s.needs ? ` (needs ${s.needs})` : ""}`, async () => {
      const r = review(await loadStudy(s.path, s.study ? { study: s.study } : {}));
      const raw = s.raw.map((n) => rawByName.get(n)!);
      expect(raw.every(Boolean)).toBe(true);
      const parts = r.groups ? Object.values(r.groups) : [r];
      expect(parts.every((p) => p.ran.length > 0)).toBe(true);
      expect(parts.flatMap((p) => wrongFindings(p, raw))).toEqual([]);
      expect(parts.flatMap(silentSkips)).toEqual([]);
    }, 300_000);
  }
});
