/**
 * `npm run bench -- findings`: how often tunebook's findings are right, on the labeled validation
 * corpus (validation/). For every finding code: precision, recall and the number of labeled cases;
 * then one line per goal of the findings-accuracy target. Exit code 0 whether goals are met or not
 * (the lines say which); 1 only when the corpus cannot be built.
 */
import { toStudy } from "../validation/study.js";
import { boundaries } from "../src/analysis/boundaries.js";
import { curveDiagnostics } from "../src/analysis/curves.js";
import { learningRateSweep } from "../src/analysis/warmup.js";
import { review } from "../src/analysis/review.js";
import { loadStudy } from "../src/study/load.js";
import { readAll } from "../validation/sources.js";
import { boundaryCases, curveCases, instabilityCases, importanceNullCases } from "../validation/rules.js";
import { IMPORTANCE_ALPHA, importance } from "../src/analysis/importance.js";

interface Tally {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  examples: { fp: string[]; fn: string[] };
}
const tallies = new Map<string, Tally>();
function score(code: string, label: boolean | undefined, emitted: boolean, id: string): void {
  if (label === undefined) return;
  let t = tallies.get(code);
  if (!t) tallies.set(code, (t = { tp: 0, fp: 0, fn: 0, tn: 0, examples: { fp: [], fn: [] } }));
  if (label && emitted) t.tp++;
  else if (label) {
    t.fn++;
    t.examples.fn.push(id);
  } else if (emitted) {
    t.fp++;
    t.examples.fp.push(id);
  } else t.tn++;
}

const t0 = Date.now();
const studies = readAll();
const sources = new Set<string>();
let cases = 0;
const perSource = new Map<string, number>();
const count = (src: string) => perSource.set(src, (perSource.get(src) ?? 0) + 1);

// Boundaries: one check per case, for the case's hyperparameter only.
const bCases = studies.flatMap(boundaryCases);
const interior = { n: 0, alarms: 0, ids: [] as string[] };
for (const c of bCases) {
  const s = toStudy(c.study);
  const r = boundaries(s, { hparams: [c.hparam] });
  const codes = new Set(r.findings.filter((f) => f.evidence.hparam === c.hparam && f.code !== "boundary.mostly_infeasible").map((f) => f.code));
  for (const [code, label] of Object.entries(c.labels)) score(code, label, codes.has(code), c.id);
  if (c.labels["boundary.near_upper"] === false && c.labels["boundary.near_lower"] === false) {
    interior.n++;
    if (codes.size) {
      interior.alarms++;
      interior.ids.push(c.id);
    }
  }
  sources.add(c.source);
  count(c.source);
  cases++;
}

// Curves: each study's trials diagnosed together (as a review would), scored per trial.
const cCases = studies.flatMap(curveCases);
const byStudy = new Map<string, typeof cCases>();
for (const c of cCases) {
  if (!byStudy.has(c.study.name)) byStudy.set(c.study.name, []);
  byStudy.get(c.study.name)!.push(c);
}
for (const [, cs] of byStudy) {
  const raw = cs[0]!.study;
  const s = toStudy(raw);
  const r = curveDiagnostics(s, { validationMetric: raw.objective.metric, validationDirection: raw.objective.direction, ...(raw.trainMetric ? { trainMetric: raw.trainMetric } : {}) });
  // A noisy_late finding on the training curve is a different claim from the one labeled (the objective's noise).
  const per = new Map(r.trials.map((d) => [d.trial, new Set(d.findings.filter((f) => f.code !== "curves.noisy_late" || f.evidence.metric === raw.objective.metric).map((f) => f.code))]));
  for (const c of cs) {
    const codes = per.get(c.trial) ?? new Set<string>();
    for (const [code, label] of Object.entries(c.labels)) score(code, label, codes.has(code), c.id);
    sources.add(c.source);
    count(c.source);
    cases++;
  }
}

// Instability: a learning-rate sweep's unstable region, and lr* below it.
const iCases = studies.flatMap(instabilityCases);
let lrStarOk = 0;
let lrStarN = 0;
const lrStarBad: string[] = [];
for (const c of iCases) {
  const r = learningRateSweep(toStudy(c.study));
  const emitted = r.findings.some((f) => f.code === "instability.unstable_above");
  for (const [code, label] of Object.entries(c.labels)) score(code, label, emitted, c.id);
  if (c.lrStarAtMost !== null) {
    lrStarN++;
    if (r.lrStar !== null && r.lrStar < c.lrStarAtMost) lrStarOk++;
    else lrStarBad.push(`${c.id} (lr* ${r.lrStar}, unstable from ${c.lrStarAtMost})`);
  }
  sources.add(c.source);
  count(c.source);
  cases++;
}

// Importance on null hyperparameters: a column permuted among the trials that set it is unrelated to
// the objective by construction, so any "it matters" for it is a chance flag.
const nCases = studies.flatMap((st) => importanceNullCases(st, 10));
const nullTally = { n: 0, flagged: 0, top: 0, per: new Map<string, { n: number; flagged: number }>() };
const nullSkipped = new Map<string, string>();
for (const c of nCases) {
  const s = toStudy(c.study);
  const r = importance(s);
  if (r.findings.some((f) => f.code === "importance.not_identifiable")) {
    nullSkipped.set(c.study.name, "not identifiable");
    continue;
  }
  const imp = r.importances.find((x) => x.hparam === c.hparam);
  if (!imp || imp.insufficient) {
    nullSkipped.set(`${c.study.name}:${c.hparam}`, "too few trials where it is set");
    continue;
  }
  const flagged = imp.importance > 0;
  const e = nullTally.per.get(c.study.name) ?? { n: 0, flagged: 0 };
  e.n++;
  if (flagged) e.flagged++;
  nullTally.per.set(c.study.name, e);
  nullTally.n++;
  if (flagged) nullTally.flagged++;
  if (r.findings.some((f) => f.code === "importance.top" && (f.evidence.importances as Array<{ hparam: string }>)[0]?.hparam === c.hparam)) nullTally.top++;
  sources.add(c.source);
}

// Preconditions: rules that must stay silent on the bundled studies, whatever else they find.
const pre: Array<{ study: string; code: string; why: string }> = [];
const preChecks: Array<{ path: string; silent: RegExp; why: string }> = [
  { path: "datasets/deepcave_mnist/run_1", silent: /^(curves\.|trainingSteps\.|training_steps\.|checkpoints\.|warmup\.)/, why: "3-evaluation curves (8 epochs) of a random search: too short for curve shapes, best-step positions or a warmup plan; not a learning-rate sweep" },
  { path: "datasets/deepcave_mnist/run_2", silent: /^(curves\.|trainingSteps\.|training_steps\.|checkpoints\.|warmup\.)/, why: "3-evaluation curves (8 epochs) of a random search" },
  { path: "datasets/algoperf_v05/raw_logdir/prize_qualification_baseline", silent: /^(boundary\.near_|importance\.top)/, why: "5 configurations that change 7 hyperparameters at once: no edge or importance can be told apart" },
  { path: "datasets/mnist_tunebook/study", silent: /^(trainingSteps\.|training_steps\.)/, why: "a quasi-random search over 3 hyperparameters, not a constant-learning-rate sweep" },
];
let preCases = 0;
for (const p of preChecks) {
  const r = review(await loadStudy(p.path));
  preCases++;
  for (const f of r.findings) if (p.silent.test(f.code)) pre.push({ study: p.path, code: f.code, why: p.why });
}

// ---------------------------------------------------------------- report
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");
const rows = [...tallies].sort((a, b) => a[0].localeCompare(b[0]));
process.stdout.write(`validation corpus: ${cases} labeled cases (${bCases.length} boundary, ${cCases.length} curve, ${iCases.length} instability) + ${preCases} precondition reviews, from ${sources.size} sources (${[...perSource].sort().map(([k, n]) => `${k} ${n}`).join(", ")}); built and scored in ${((Date.now() - t0) / 1000).toFixed(1)} s\n\n`);
process.stdout.write(`${"code".padEnd(32)} ${"prec".padStart(7)} ${"recall".padStart(7)} ${"cases".padStart(6)} ${"pos".padStart(5)} ${"tp".padStart(5)} ${"fp".padStart(5)} ${"fn".padStart(5)} ${"tn".padStart(6)}\n`);
const stat = new Map<string, { p: number; r: number; n: number }>();
for (const [code, t] of rows) {
  const p = t.tp + t.fp ? t.tp / (t.tp + t.fp) : NaN;
  const r = t.tp + t.fn ? t.tp / (t.tp + t.fn) : NaN;
  const n = t.tp + t.fp + t.fn + t.tn;
  stat.set(code, { p, r, n });
  process.stdout.write(`${code.padEnd(32)} ${pct(p).padStart(7)} ${pct(r).padStart(7)} ${String(n).padStart(6)} ${String(t.tp + t.fn).padStart(5)} ${String(t.tp).padStart(5)} ${String(t.fp).padStart(5)} ${String(t.fn).padStart(5)} ${String(t.tn).padStart(6)}\n`);
}
const verbose = process.argv.includes("--verbose") || process.env.FINDINGS_VERBOSE === "1";
if (verbose) {
  for (const [k, e] of nullTally.per) process.stdout.write(`  importance null flags on ${k}: ${e.flagged} of ${e.n}\n`);
  for (const [k, why] of nullSkipped) process.stdout.write(`  importance null cases not scored on ${k}: ${why}\n`);
  for (const [code, t] of rows) {
    if (t.examples.fp.length) process.stdout.write(`  ${code} false alarms: ${t.examples.fp.slice(0, 12).join("; ")}\n`);
    if (t.examples.fn.length) process.stdout.write(`  ${code} misses: ${t.examples.fn.slice(0, 40).join("; ")}\n`);
  }
  if (interior.ids.length) process.stdout.write(`  interior-best sweeps flagged: ${interior.ids.slice(0, 12).join("; ")}\n`);
  for (const b of lrStarBad) process.stdout.write(`  lr* not below the unstable region: ${b}\n`);
}

process.stdout.write("\ngoals:\n");
const goal = (ok: boolean, text: string) => process.stdout.write(`${ok ? "met    " : "MISSED "} ${text}\n`);
goal(cases >= 200 && sources.size >= 4, `corpus of ≥ 200 labeled cases from ≥ 4 real sources: ${cases} cases, ${sources.size} sources`);
for (const edge of ["near_upper", "near_lower"]) {
  const s = stat.get(`boundary.${edge}`);
  goal(!!s && s.r >= 0.9, `boundary.${edge} recall ≥ 90%: ${s ? pct(s.r) : "no cases"}`);
}
const fa = interior.n ? interior.alarms / interior.n : NaN;
goal(interior.n > 0 && fa <= 0.05, `false alarms on interior-best sweeps ≤ 5%: ${pct(fa)} (${interior.alarms} of ${interior.n})`);
for (const code of ["curves.saturated", "curves.still_improving", "curves.overfitting", "curves.noisy_late", "curves.diverged"]) {
  const s = stat.get(code);
  goal(!!s && s.p >= 0.9 && s.r >= 0.8, `${code} precision ≥ 90% and recall ≥ 80%: ${s ? `${pct(s.p)} / ${pct(s.r)} over ${s.n} cases` : "no cases"}`);
}
const nullRate = nullTally.n ? nullTally.flagged / nullTally.n : NaN;
goal(nullTally.n > 0 && nullRate <= IMPORTANCE_ALPHA, `importance: chance flags of a permuted (unimportant) hyperparameter ≤ α = ${IMPORTANCE_ALPHA}: ${pct(nullRate)} (${nullTally.flagged} of ${nullTally.n} null cases over ${nullTally.per.size} studies; named top ${nullTally.top} times)`);
goal(lrStarN > 0 && lrStarOk === lrStarN, `lr* below the unstable region on every sweep that has one: ${lrStarOk} of ${lrStarN}`);
goal(pre.length === 0, `no finding from a rule whose preconditions do not hold: ${pre.length} such finding${pre.length === 1 ? "" : "s"}${pre.length ? ` (${[...new Set(pre.map((p) => `${p.code} on ${p.study}`))].join("; ")})` : ""}`);
