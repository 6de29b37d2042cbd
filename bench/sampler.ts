/**
 * Samplers on test problems, same run as the peer: best value found after 20/50/100 trials,
 * median over 10 seeds, for tunebook's `bo`, `halton` and `random` and Optuna 3.1's TPESampler.
 * Problems: Branin (2-d), Hartmann-6, Rosenbrock in 4 log-scaled hyperparameters, and a
 * surrogate of the bundled DeepCAVE MNIST study (random forests fitted to its 1,000 real trials:
 * error rate, and trials the feasibility forest calls infeasible fail, as the real ones did).
 * Goals: bo better than halton and not worse than TPE at 50 trials on at least 3 of the 4
 * problems; one suggestion in under 1 s with 200 observed trials in 10 dimensions.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { suggestBo, type BoObservation } from "../src/space/bo.js";
import { sample } from "../src/space/sample.js";
import type { SearchSpace } from "../src/space/spec.js";
import type { HpValue } from "../src/study/types.js";
import { fitForest, predictForest, type RandomForest } from "../src/surrogate/randomForest.js";
import { loadStudy } from "../src/study/load.js";
import { isFeasibleRow } from "../src/analysis/common.js";
import { DATA_DIR, peer } from "./common.js";

mkdirSync(DATA_DIR, { recursive: true });
const SEEDS = Number(process.env.BENCH_SEEDS ?? 10);
const BUDGET = Number(process.env.BENCH_BUDGET ?? 100);
const CHECKPOINTS = [20, 50, 100].filter((b) => b <= BUDGET);

type Objective = (t: Record<string, HpValue>) => number | null;
interface Problem { name: string; space: SearchSpace; f: Objective; peer: Record<string, unknown> }
const float = (name: string, low: number, high: number, scale: "linear" | "log" = "linear") => ({ name, type: "float" as const, low, high, scale });

const branin: Problem = {
  name: "branin",
  space: { params: [float("x1", -5, 10), float("x2", 0, 15)] },
  f: (t) => {
    const x1 = t.x1 as number, x2 = t.x2 as number;
    return (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  },
  peer: { kind: "branin" },
};
const H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const H_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]].map((r) => r.map((v) => v * 1e-4));
const H_ALPHA = [1, 1.2, 3, 3.2];
const hartmann: Problem = {
  name: "hartmann6",
  space: { params: Array.from({ length: 6 }, (_, i) => float(`x${i + 1}`, 0, 1)) },
  f: (t) => {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let e = 0;
      for (let j = 0; j < 6; j++) e += H_A[i]![j]! * ((t[`x${j + 1}`] as number) - H_P[i]![j]!) ** 2;
      s += H_ALPHA[i]! * Math.exp(-e);
    }
    return -s;
  },
  peer: { kind: "hartmann6" },
};
// Rosenbrock in x_i = log10(p_i), p_i log-scaled in [1e-2, 1e2]: minimum 0 at p = 10.
const rosen: Problem = {
  name: "rosenbrock-log4",
  space: { params: Array.from({ length: 4 }, (_, i) => float(`p${i + 1}`, 1e-2, 1e2, "log")) },
  f: (t) => {
    const x = [1, 2, 3, 4].map((i) => Math.log10(t[`p${i}`] as number));
    let s = 0;
    for (let i = 0; i < 3; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
    return s;
  },
  peer: { kind: "rosenbrock" },
};

/** Surrogate of DeepCAVE run_1: forests on error rate (feasible trials) and on feasibility (all trials). */
async function deepcaveSurrogate(): Promise<Problem> {
  const study = await loadStudy("datasets/deepcave_mnist/run_1");
  const space: SearchSpace = {
    params: [
      float("learning_rate", 1e-4, 1e-1, "log"),
      float("dropout_rate", 0.1, 0.9),
      { name: "batch_size", type: "int", low: 16, high: 256, scale: "log" },
      { name: "activation", type: "categorical", values: ["sigmoid", "tanh", "relu"] },
      { name: "model", type: "categorical", values: ["mlp", "cnn"] },
    ],
  };
  // Forest inputs: log/linear unit coordinates for numbers, category index for categories.
  const enc = (h: Record<string, HpValue>) => [
    Math.log((h.learning_rate as number) / 1e-4) / Math.log(1e3),
    ((h.dropout_rate as number) - 0.1) / 0.8,
    Math.log((h.batch_size as number) / 16) / Math.log(16),
    ["sigmoid", "tanh", "relu"].indexOf(h.activation as string),
    ["mlp", "cnn"].indexOf(h.model as string),
  ];
  const rows = study.trialRows();
  const feas = rows.filter((r) => isFeasibleRow(r));
  const err = fitForest(feas.map((r) => enc(r.hparams)), feas.map((r) => 1 - r.best!), { trees: 16, seed: 1, minSamplesLeaf: 3 });
  const ok = fitForest(rows.map((r) => enc(r.hparams)), rows.map((r) => (isFeasibleRow(r) ? 1 : 0)), { trees: 16, seed: 2, minSamplesLeaf: 3 });
  const dump = (f: RandomForest) => f.trees.map((t) => ({ feature: [...t.feature], threshold: [...t.threshold], left: [...t.left], right: [...t.right], value: [...t.value] }));
  return {
    name: "deepcave-surrogate",
    space,
    f: (t) => {
      const x = enc(t);
      return predictForest(ok, x) < 0.5 ? null : predictForest(err, x);
    },
    peer: { kind: "forest", error: dump(err), feasible: dump(ok) },
  };
}

function runOurs(p: Problem, sampler: "bo" | "halton" | "random", seed: number): number[] {
  const best: number[] = [];
  let cur = Infinity;
  const obs: BoObservation[] = [];
  const pts = sampler === "bo" ? [] : sample(p.space, { sampler, n: BUDGET, seed });
  let hyper;
  for (let i = 0; i < BUDGET; i++) {
    let t: Record<string, HpValue>;
    if (sampler === "bo") {
      const r = suggestBo(p.space, obs, 1, { direction: "minimize", seed, index: i, hyper });
      hyper = r.hyper ?? hyper;
      t = r.suggestions[0]!.hparams;
    } else t = pts[i]!;
    const v = p.f(t);
    obs.push({ hparams: t, value: v, feasible: v !== null });
    if (v !== null && v < cur) cur = v;
    best.push(cur);
  }
  return best;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmtv = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));

const problems = [branin, hartmann, rosen, await deepcaveSurrogate()];
const only = process.env.BENCH_PROBLEMS?.split(",");
let wins = 0;
let counted = 0;
for (const p of problems) {
  if (only && !only.includes(p.name)) continue;
  const curves: Record<string, number[][]> = { bo: [], halton: [], random: [] };
  const t0 = performance.now();
  for (let s = 0; s < SEEDS; s++) for (const smp of ["bo", "halton", "random"] as const) curves[smp]!.push(runOurs(p, smp, s));
  const boSeconds = (performance.now() - t0) / 1000;
  const file = `${DATA_DIR}sampler-${p.name}.json`;
  writeFileSync(file, JSON.stringify({ space: p.space, problem: p.peer, seeds: SEEDS, budget: BUDGET }));
  const tpe = peer("tpe", [file]) as unknown as { curves: number[][]; seconds: number } | undefined;
  if (tpe) curves.tpe = tpe.curves.map((c) => c.map((v) => (v === null ? Infinity : v)));
  process.stdout.write(`\n${p.name} (${p.space.params.length} dims; median best over ${SEEDS} seeds; lower is better)\n`);
  process.stdout.write(`  trials   ${Object.keys(curves).map((k) => k.padStart(10)).join("")}\n`);
  const at = (k: string, b: number) => median(curves[k]!.map((c) => c[b - 1]!));
  for (const b of CHECKPOINTS) process.stdout.write(`  ${String(b).padStart(6)}   ${Object.keys(curves).map((k) => fmtv(at(k, b)).padStart(10)).join("")}\n`);
  const b50 = Math.min(50, BUDGET);
  const better = at("bo", b50) < at("halton", b50);
  const notWorse = curves.tpe ? at("bo", b50) <= at("tpe", b50) : false;
  counted++;
  if (better && notWorse) wins++;
  process.stdout.write(`  at ${b50}: bo ${better ? "better than" : "not better than"} halton; ${curves.tpe ? (notWorse ? "not worse than" : "worse than") + " TPE" : "TPE n/a"}; time: tunebook (3 samplers, ${SEEDS} seeds) ${boSeconds.toFixed(1)} s, Optuna TPE ${tpe ? tpe.seconds.toFixed(1) : "n/a"} s\n`);
}
process.stdout.write(`\nsampler: bo better than halton and not worse than TPE at 50 trials on ${wins} of ${counted} problems (goal ≥ 3 of 4: ${wins >= 3 && counted === 4 ? "met" : "missed"})\n`);

// Suggestion time with 200 observed trials in 10 dimensions.
const space10: SearchSpace = { params: Array.from({ length: 10 }, (_, i) => float(`x${i}`, 0, 1)) };
const f10 = (t: Record<string, HpValue>) => Object.values(t).reduce((s: number, v, i) => s + (i + 1) * ((v as number) - 0.3) ** 2, 0);
const obs10 = sample(space10, { sampler: "random", n: 200, seed: 5 }).map((t) => ({ hparams: t, value: f10(t), feasible: true }));
const times: number[] = [];
let hyper10;
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  const res = suggestBo(space10, obs10, 1, { direction: "minimize", seed: r, hyper: r >= 2 ? hyper10 : undefined });
  times.push((performance.now() - t0) / 1000);
  hyper10 = res.hyper;
}
process.stdout.write(`suggestion with 200 observed trials in 10 dims: cold fit ${times[1]!.toFixed(3)} s, warm-started fit ${times[3]!.toFixed(3)} s (goal < 1 s: ${times[1]! < 1 ? "met" : "missed"}; load average ${(await import("node:os")).loadavg()[0]!.toFixed(1)})\n`);
