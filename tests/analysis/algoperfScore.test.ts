/**
 * AlgoPerf scoring against the published v0.5 leaderboards, and each scoring rule on a small case
 * whose answer is worked out by hand below.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { algoperfScore, studyTimeMatrices } from "../../src/analysis/algoperfScore.js";
import { algoperfBenchmark, readAlgoPerfLogs, type AlgoPerfBenchmark, type AlgoPerfLogs, type AlgoPerfTrial } from "../../src/study/formats/algoperfEvals.js";
import { formatLeaderboard } from "../../src/cli/commands/algoperf.js";
import { DATA, runCli } from "../helpers/cli.js";

/**
 * The published AlgoPerf v0.5 leaderboards, as printed in the leaderboard repository:
 * https://github.com/mlcommons/submissions_algorithms/blob/12c8e4ea93dc41a1ff6abc3debba9accd8ac1e3a/previous_leaderboards/algoperf_v05/README.md
 * (same numbers as Kasimbeg et al., "Accelerating neural network training: An analysis of the
 * AlgoPerf competition", ICLR 2025). Keys are the submissions' log folder names; rank order.
 */
const PUBLISHED_EXTERNAL: Array<[string, number]> = [
  ["shampoo_submission", 0.7784], // Distributed Shampoo
  ["schedule_free_adamw", 0.7077], // Schedule Free AdamW
  ["generalized_adam", 0.6383], // Generalized Adam
  ["cyclic_lr", 0.6301], // Cyclic LR
  ["nadamp", 0.5909], // NadamP
  ["baseline", 0.5707], // Baseline (NadamW)
  ["amos", 0.4918], // Amos
  ["caspr_adaptive", 0.4722], // CASPR Adaptive
  ["lawa_queue", 0.3699], // LAWA Queue
  ["lawa_ema", 0.3384], // LAWA EMA
  ["schedule_free_prodigy", 0.0], // Schedule Free Prodigy
];
const PUBLISHED_SELF: Array<[string, number]> = [
  ["schedule_free_adamw", 0.8542],
  ["baseline", 0.8194],
  ["nadamw_sequential", 0.3308],
  ["sinv6_75", 0.142],
  ["sinv6", 0.0903],
  ["adamg", 0.0],
];

describe("tunebook algoperf score on the bundled v0.5 logs", () => {
  it("external tuning: all 11 published scores within 0.02, same ranking", { timeout: 180_000 }, () => {
    const r = runCli(["algoperf", "score", join(DATA, "algoperf_v05"), "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { scores: Record<string, { score: number; rank: number }>; profiles: { tau: number[]; rho: Record<string, number[]> } };
    expect(Object.keys(out.scores).sort()).toEqual(PUBLISHED_EXTERNAL.map((p) => p[0]).sort());
    for (const [sub, published] of PUBLISHED_EXTERNAL) expect(Math.abs(out.scores[sub]!.score - published), sub).toBeLessThanOrEqual(0.02);
    // Same ranking: ours sorted by score equals the published order.
    expect(Object.entries(out.scores).sort((a, b) => b[1].score - a[1].score).map((e) => e[0])).toEqual(PUBLISHED_EXTERNAL.map((p) => p[0]));
    expect(PUBLISHED_EXTERNAL.map((p) => out.scores[p[0]]!.rank)).toEqual(PUBLISHED_EXTERNAL.map((_, i) => i + 1));
    // ρ is a step function from τ = 1 to 4 on 100 points, non-decreasing, in [0, 1].
    expect(out.profiles.tau.length).toBe(100);
    expect(out.profiles.tau[0]).toBe(1);
    expect(out.profiles.tau[99]).toBeCloseTo(4, 12);
    for (const rho of Object.values(out.profiles.rho)) for (let i = 1; i < rho.length; i++) expect(rho[i]!).toBeGreaterThanOrEqual(rho[i - 1]!);
  });

  it("self-tuning: all 6 published scores within 0.02, same ranking", async () => {
    const r = algoperfScore(await readAlgoPerfLogs(join(DATA, "algoperf_v05"), { ruleset: "self" }));
    for (const [sub, published] of PUBLISHED_SELF) expect(Math.abs(r.scores[sub]!.score - published), sub).toBeLessThanOrEqual(0.02);
    expect(r.submissions).toEqual(PUBLISHED_SELF.map((p) => p[0]));
  });

  it("the raw eval_measurements.csv folder and the bundled table give the same study times (baseline)", async () => {
    // The bundled curves are the NAdamW baseline's original files; read them as a log folder.
    const folder = await readAlgoPerfLogs(join(DATA, "algoperf_v05/curves_baseline_nadamw"));
    const table = await readAlgoPerfLogs(join(DATA, "algoperf_v05"));
    const a = algoperfScore(folder).perWorkload.prize_qualification_baseline!;
    const b = algoperfScore({ ...table, trials: table.trials.filter((t) => t.submission === "baseline") }).perWorkload.baseline!;
    // The table keeps 7 significant digits of time.
    const r7 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(7)) : x);
    expect(Object.keys(a).length).toBe(14);
    for (const wl of Object.keys(a)) expect(a[wl]!.studies.map((s) => r7(s.time)), wl).toEqual(b[wl]!.studies.map((s) => s.time));
  });

  it("text output and a clear error for a missing folder", { timeout: 180_000 }, async () => {
    const self = algoperfScore(await readAlgoPerfLogs(join(DATA, "algoperf_v05"), { ruleset: "self" }));
    expect(formatLeaderboard(self)).toMatch(/\n\s+1\s+schedule_free_adamw\s+0\.8542\s+\d\/8/);
    const bad = runCli(["algoperf", "score", "no/such/folder"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("tunebook: no/such/folder: no such file or folder\n");
    const rs = runCli(["algoperf", "score", join(DATA, "algoperf_v05"), "--ruleset", "both"]);
    expect(rs.stderr).toMatch(/--ruleset must be "external" or "self"/);
  });
});

// ---- The rules on a hand-made case --------------------------------------------------------------

/** Two base workloads A, B and one held-out variant A_v of A, losses with target 1. */
function miniBenchmark(): AlgoPerfBenchmark {
  const w = (name: string, base: string) => ({ name, base, metric: "validation/loss", higherIsBetter: false, validationTarget: 1, maxRuntimeSec: 1000 });
  return { baseWorkloads: ["A", "B"], heldOutWorkloads: ["A_v"], workloads: { A: w("A", "A"), B: w("B", "B"), A_v: w("A_v", "A") }, source: {} };
}

/** A trial meeting the target (loss 0.5 ≤ 1) first at evaluation `hitAt` with time `t`; `hitAt` < 0: never. */
function trial(submission: string, workload: string, study: number, t: number, hitAt = 1, name = "trial_1"): AlgoPerfTrial {
  const n = Math.max(hitAt + 1, 2);
  const time = Float64Array.from({ length: n }, (_, i) => (i === hitAt ? t : (t * (i + 1)) / (hitAt + 2)));
  const value = Float64Array.from({ length: n }, (_, i) => (hitAt >= 0 && i >= hitAt ? 0.5 : i === 0 ? NaN : 2));
  return { submission, study: `study_${study}`, workload, workloadDir: `${workload}_jax`, trial: name, step: time, time, value, file: "" };
}

function logs(trials: AlgoPerfTrial[]): AlgoPerfLogs {
  return { ruleset: "external", root: "", benchmark: miniBenchmark(), trials, issues: [] };
}

const per = (sub: string, wl: string, times: number[]) => times.map((t, i) => trial(sub, wl, i, t, Number.isFinite(t) ? 1 : -1));

describe("algoperfScore rules (hand-computed)", () => {
  // X: A medians [10, 20, ∞] -> 20; B -> 100; A_v -> 5. Fastest everywhere: ratios 1, score 1.
  // Y: B 500 > 4 × 100 -> ∞ (over the cap); A_v misses in 2 of 3 studies -> ∞, so A -> ∞ too.
  // Z: A 40 (ratio 2), B 200 (ratio 2), A_v 6. With τ on 4 points {1, 2, 3, 4}, ρ_Z = [0, 1, 1, 1];
  //    trapezoids: (0+1)/2·1 + 1 + 1 = 2.5, divided by 4 − 1 = 3 -> 0.8333.
  // W: no logs for A_v (absent) -> its A does not count; B 100 ties X, ratio 1 -> ρ_W = 1/2 everywhere.
  const L = logs([
    ...per("X", "A", [10, 20, Infinity]),
    ...per("X", "B", [100, 100, 100]),
    ...per("X", "A_v", [5, 5, 5]),
    ...per("Y", "A", [30, 30, 30]),
    ...per("Y", "B", [500, 500, 500]),
    ...per("Y", "A_v", [Infinity, Infinity, 5]),
    ...per("Z", "A", [40, 40, 40]),
    ...per("Z", "B", [200, 200, 200]),
    ...per("Z", "A_v", [6, 6, 6]),
    ...per("W", "A", [20, 20, 20]),
    ...per("W", "B", [100, 100, 100]),
  ]);
  const r = algoperfScore(L, { points: 4 });

  it("median over studies, the 4x cap, the held-out rule and the ratios", () => {
    expect(r.perWorkload.X!.A!.medianTime).toBe(20);
    expect(r.perWorkload.X!.A!.ratio).toBe(1);
    expect(r.perWorkload.Y!.B!.miss).toBe("over_cap");
    expect(r.perWorkload.Y!.A_v!.miss).toBe("missed");
    expect(r.perWorkload.Y!.A!.miss).toBe("variant_missed");
    expect(r.perWorkload.Z!.A!.ratio).toBe(2);
    expect(r.perWorkload.W!.A_v!.miss).toBe("absent");
    expect(r.perWorkload.W!.A!.miss).toBe("variant_missed");
    expect(r.profiles.tau).toEqual([1, 2, 3, 4]);
    expect(r.profiles.rho.Z).toEqual([0, 1, 1, 1]);
    expect(r.profiles.rho.W).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it("scores: area under ρ over [1, 4] divided by 3", () => {
    expect(r.scores.X!.score).toBe(1);
    expect(r.scores.Y!.score).toBe(0);
    expect(r.scores.Z!.score).toBeCloseTo(2.5 / 3, 12);
    expect(r.scores.W!.score).toBeCloseTo(0.5, 12);
    expect(r.submissions).toEqual(["X", "Z", "W", "Y"]);
  });

  it("what the held-out rule costs: the score with rule 6 off", () => {
    // Without it, Y's A counts: 30 / 20 = 1.5 -> ρ_Y = [0, ½, ½, ½] -> (¼ + ½ + ½) / 3; W's A (20) -> ratio 1, ρ_W = 1.
    expect(r.scores.Y!.lostToHeldOut).toEqual(["A"]);
    expect(r.scores.Y!.scoreWithoutHeldOutRule).toBeCloseTo(1.25 / 3, 12);
    expect(r.scores.W!.scoreWithoutHeldOutRule).toBe(1);
    expect(r.scores.X!.scoreWithoutHeldOutRule).toBe(1);
    expect(r.findings.find((f) => f.code === "algoperf.variant_missed" && f.evidence.submission === "Y")!.message).toContain("Counted, the score would be 0.4167 instead of 0.");
  });

  it("a study's time: the trial needing the fewest evaluations (the benchmark's code) or the fastest", () => {
    // trial_1 meets the target at its 2nd evaluation at 50 s; trial_2 at its 4th at 40 s.
    const two = logs([trial("S", "A", 0, 50, 1, "trial_1"), trial("S", "A", 0, 40, 3, "trial_2"), trial("S", "B", 0, 10), trial("S", "A_v", 0, 10)]);
    expect(algoperfScore(two).perWorkload.S!.A!.studies[0]).toMatchObject({ time: 50, trial: "trial_1" });
    expect(algoperfScore(two, { trialChoice: "fastest" }).perWorkload.S!.A!.studies[0]).toMatchObject({ time: 40, trial: "trial_2" });
  });

  it("maxRuntime enforce drops evaluations after the budget", () => {
    const late = logs([trial("S", "A", 0, 1500), trial("S", "B", 0, 10), trial("S", "A_v", 0, 10)]);
    expect(algoperfScore(late).perWorkload.S!.A!.time).toBe(1500);
    expect(algoperfScore(late).findings.some((f) => f.code === "algoperf.target_after_max_runtime")).toBe(true);
    expect(algoperfScore(late, { maxRuntime: "enforce" }).perWorkload.S!.A!.time).toBe(Infinity);
  });

  it("studyTimeMatrices: studies x base workloads", () => {
    const m = studyTimeMatrices(r);
    expect(m.tasks).toEqual(["A", "B"]);
    expect(m.matrices.X).toEqual([[10, 100], [20, 100], [Infinity, 100]]);
  });
});

describe("reading AlgoPerf log folders", () => {
  it("reads <submission>/study_k/<workload>_<fw>/trial_n and reports stray folders", async () => {
    const root = mkdtempSync(join(tmpdir(), "algoperf-"));
    const d = join(root, "mysub", "study_0", "ogbg_jax", "trial_1");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "eval_measurements.csv"), "accumulated_submission_time,global_step,validation/mean_average_precision\n10,1,0.1\n20,2,nan\n30,3,0.29\n");
    mkdirSync(join(root, "mysub", "study_0", "trial_9"), { recursive: true });
    const l = await readAlgoPerfLogs(root);
    expect(l.trials).toHaveLength(1);
    expect(Array.from(l.trials[0]!.value).map(String)).toEqual(["0.1", "NaN", "0.29"]);
    expect(l.issues.map((i) => i.message)).toEqual(["trial folder directly under a study names no workload; skipped"]);
    const spec = algoperfBenchmark().workloads.ogbg!;
    expect(spec.validationTarget).toBe(0.28098);
    expect(algoperfScore(l).perWorkload.mysub!.ogbg!.studies[0]!.time).toBe(30);
  });

  it("bad input: messages name the file, line and field", async () => {
    const root = mkdtempSync(join(tmpdir(), "algoperf-bad-"));
    const d = join(root, "sub", "study_0", "wmt_jax", "trial_1");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "eval_measurements.csv"), "global_step,validation/bleu\n1,3\n");
    await expect(readAlgoPerfLogs(root)).rejects.toThrow("no eval_measurements.csv found");
    const d2 = join(root, "sub", "study_0", "ogbg_jax", "trial_1");
    mkdirSync(d2, { recursive: true });
    writeFileSync(join(d2, "eval_measurements.csv"), "accumulated_submission_time,validation/mean_average_precision\n10,0.3\nsoon,0.1\n");
    const l = await readAlgoPerfLogs(root);
    expect(l.issues.map((i) => `${i.file.slice(root.length)}:${i.line ?? ""} ${i.field}: ${i.message}`)).toEqual([
      "/sub/study_0/ogbg_jax/trial_1/eval_measurements.csv:3 accumulated_submission_time: not a number; this evaluation cannot count",
      "/sub/study_0/wmt_jax/trial_1/eval_measurements.csv:1 accumulated_submission_time: column missing; trial skipped",
    ]);
    const gz = join(root, "evals.csv.gz");
    writeFileSync(gz, gzipSync("ruleset,submission,study,workload,trial,global_step,time_sec,value\nexternal,a,study_0,wmt_jax,trial_1,1,2\n"));
    await expect(readAlgoPerfLogs(gz)).rejects.toThrow(`${gz}:2: expected 8 fields, found 7`);
    const r = runCli(["algoperf", "score", gz]);
    expect(r.stderr).toBe(`tunebook: ${gz}:2: expected 8 fields, found 7\n`);
  }, 120_000);
});
