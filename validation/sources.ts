/**
 * Raw readers for the validation corpus. They read each source's own files (CSV, JSON, JSONL) with
 * no tunebook code, so that the labels in `rules.ts` depend on the raw data alone.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";

export type Value = number | string | boolean | null;
export interface RawCurve {
  steps: number[];
  values: number[];
}
export interface RawTrial {
  id: string;
  /** As the source recorded it, except that a non-finite objective or loss value makes it "diverged". */
  status: "complete" | "diverged" | "failed" | "oom";
  hparams: Record<string, Value>;
  /** Best objective value over the trial's evaluations (the playbook's default), null when none is finite. */
  objective: number | null;
  /** The objective metric's curve and the training loss's curve (when logged). */
  curve?: RawCurve;
  train?: RawCurve;
}
export interface SpaceParam {
  type: "float" | "int" | "categorical";
  low?: number;
  high?: number;
  log?: boolean;
}
export interface RawStudy {
  /** Which real source it comes from (the corpus needs at least 4). */
  source: "algoperf" | "deepcave" | "mnist_tunebook" | "planted";
  name: string;
  objective: { metric: string; direction: "minimize" | "maximize" };
  trainMetric?: string;
  space?: Record<string, SpaceParam>;
  trials: RawTrial[];
  /** How the study was searched: "grid"/"sweep" (values repeat over a few points) or "random". */
  design: "grid" | "random";
  /** Categorical keys that split the study into independent sweeps (seed, optimizer…). */
  sweepKeys?: string[];
}

const ROOT = new URL("..", import.meta.url).pathname;

function bestOf(values: number[], direction: "minimize" | "maximize"): number | null {
  let b: number | null = null;
  for (const v of values) if (Number.isFinite(v) && (b === null || (direction === "minimize" ? v < b : v > b))) b = v;
  return b;
}
const hasNonFinite = (c?: RawCurve) => !!c && c.values.some((v) => !Number.isFinite(v));

/** AlgoPerf v0.5 NAdamW baseline: one study per (study_k, workload), 5 trials each, full eval curves. */
export function readAlgoPerf(): RawStudy[] {
  const base = join(ROOT, "datasets/algoperf_v05");
  const summary = parse(readFileSync(join(base, "trials_summary.csv")), { columns: true }) as Array<Record<string, string>>;
  const meta = new Map<string, { metric: string; max: boolean }>();
  for (const r of summary) if (r.submission === "prize_qualification_baseline") meta.set(r.workload!, { metric: r.target_metric!, max: r.higher_is_better === "True" });
  const out: RawStudy[] = [];
  const root = join(base, "curves_baseline_nadamw/prize_qualification_baseline");
  for (const study of readdirSync(root).sort()) {
    for (const wl of readdirSync(join(root, study)).sort()) {
      const m = meta.get(wl);
      if (!m) continue;
      const metric = `validation/${m.metric}`;
      const direction = m.max ? "maximize" : "minimize";
      const trials: RawTrial[] = [];
      let trainMetric: string | undefined;
      for (const tr of readdirSync(join(root, study, wl)).sort()) {
        const f = join(root, study, wl, tr, "eval_measurements.csv");
        if (!existsSync(f)) continue;
        const rows = parse(readFileSync(f), { columns: true }) as Array<Record<string, string>>;
        if (!rows.length) continue;
        const cols = Object.keys(rows[0]!);
        trainMetric ??= cols.find((c) => c === "train/loss") ?? cols.find((c) => c.startsWith("train/") && c.endsWith("loss"));
        const num = (s: string | undefined) => (s === undefined || s === "" ? NaN : Number(s));
        const curve: RawCurve = { steps: [], values: [] };
        const train: RawCurve = { steps: [], values: [] };
        for (const r of rows) {
          const step = num(r.global_step);
          if (!Number.isFinite(step)) continue;
          if (r[metric] !== undefined) {
            curve.steps.push(step);
            curve.values.push(num(r[metric]));
          }
          if (trainMetric && r[trainMetric] !== undefined) {
            train.steps.push(step);
            train.values.push(num(r[trainMetric]));
          }
        }
        const hpFile = join(root, study, wl, tr, "hparams.json");
        const hparams = existsSync(hpFile) ? (JSON.parse(readFileSync(hpFile, "utf8")) as Record<string, Value>) : {};
        trials.push({
          id: tr,
          status: hasNonFinite(curve) || hasNonFinite(train) ? "diverged" : "complete",
          hparams,
          objective: bestOf(curve.values, direction),
          curve,
          ...(train.steps.length ? { train } : {}),
        });
      }
      if (trials.length) out.push({ source: "algoperf", name: `algoperf/${study}/${wl}`, objective: { metric, direction }, ...(trainMetric ? { trainMetric } : {}), trials, design: "random" });
    }
  }
  return out;
}

/** DeepCAVE MNIST: 1,000 random configurations per run, test accuracy after 2, 5 and 8 epochs. */
export function readDeepCave(): RawStudy[] {
  const out: RawStudy[] = [];
  for (const run of ["run_1", "run_2"]) {
    const dir = join(ROOT, "datasets/deepcave_mnist", run);
    const configs = JSON.parse(readFileSync(join(dir, "configs.json"), "utf8")) as Record<string, Record<string, Value>>;
    const cs = JSON.parse(readFileSync(join(dir, "configspace.json"), "utf8")) as { hyperparameters: Array<{ type: string; name: string; lower?: number; upper?: number; log?: boolean }> };
    const space: Record<string, SpaceParam> = {};
    for (const h of cs.hyperparameters) {
      if (h.type === "uniform_float" || h.type === "uniform_int") space[h.name] = { type: h.type === "uniform_int" ? "int" : "float", low: h.lower!, high: h.upper!, log: !!h.log };
      else space[h.name] = { type: "categorical" };
    }
    const per = new Map<string, { acc: RawCurve; loss: RawCurve; status: number }>();
    for (const line of readFileSync(join(dir, "history.jsonl"), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const [id, budget, , costs, , , status] = JSON.parse(line) as [number, number, number, Array<number | null>, number, number, number];
      const k = String(id);
      let p = per.get(k);
      if (!p) per.set(k, (p = { acc: { steps: [], values: [] }, loss: { steps: [], values: [] }, status: 1 }));
      const epochs = Math.round(budget);
      // A crashed evaluation has null metrics: nothing was measured (not a NaN).
      if (typeof costs[0] === "number" && typeof costs[1] === "number") {
        p.acc.steps.push(epochs);
        p.acc.values.push(costs[0]);
        p.loss.steps.push(epochs);
        p.loss.values.push(costs[1]);
      }
      if (budget >= 7.9) p.status = status;
    }
    const trials: RawTrial[] = [];
    for (const [id, p] of per) {
      // Status 4 (CRASHED) = the script's "accuracy < 0.5" failure, null metrics: an infeasible trial, not a NaN.
      const failed = p.status !== 1;
      const final = p.acc.values[p.acc.values.length - 1]!;
      trials.push({ id: `config-${id}`, status: failed ? "failed" : "complete", hparams: configs[id] ?? {}, objective: failed || !Number.isFinite(final) ? null : final, curve: p.acc, train: p.loss });
    }
    out.push({ source: "deepcave", name: `deepcave/${run}`, objective: { metric: "accuracy", direction: "maximize" }, space, trials, design: "random" });
  }
  return out;
}

/** A study folder written by tunebook's runner (study.json + trials/NNNNNN.json + .jsonl), read as plain JSON. */
export function readRunnerStudy(dir: string, source: RawStudy["source"], design: RawStudy["design"], sweepKeys?: string[]): RawStudy {
  const meta = JSON.parse(readFileSync(join(dir, "study.json"), "utf8")) as { name: string; objective: RawStudy["objective"]; space?: { parameters?: Record<string, { type: string; low?: number; high?: number; scale?: string }> } };
  const direction = meta.objective.direction;
  const space: Record<string, SpaceParam> | undefined = meta.space?.parameters
    ? Object.fromEntries(Object.entries(meta.space.parameters).map(([k, p]) => [k, p.type === "float" || p.type === "int" ? { type: p.type, low: p.low!, high: p.high!, log: p.scale === "log" } : { type: "categorical" as const }]))
    : undefined;
  const trials: RawTrial[] = [];
  const tdir = join(dir, "trials");
  for (const f of readdirSync(tdir).filter((x) => x.endsWith(".json")).sort()) {
    const rec = JSON.parse(readFileSync(join(tdir, f), "utf8")) as { id: string; status: string; hparams: Record<string, Value> };
    const curve: RawCurve = { steps: [], values: [] };
    const train: RawCurve = { steps: [], values: [] };
    const jl = join(tdir, f.replace(/\.json$/, ".jsonl"));
    if (existsSync(jl)) {
      for (const line of readFileSync(jl, "utf8").split("\n")) {
        if (!line.trim()) continue;
        // The runner writes NaN/Infinity as strings or null; both mean "not a finite number".
        const m = JSON.parse(line) as { step: number; metric: string; value: number | string | null };
        const v = typeof m.value === "number" ? m.value : m.value === "Infinity" ? Infinity : m.value === "-Infinity" ? -Infinity : NaN;
        if (m.metric === meta.objective.metric) {
          curve.steps.push(m.step);
          curve.values.push(v);
        } else if (m.metric === "train/loss") {
          train.steps.push(m.step);
          train.values.push(v);
        }
      }
    }
    const status = (["complete", "diverged", "failed", "oom"].includes(rec.status) ? rec.status : "failed") as RawTrial["status"];
    trials.push({
      id: rec.id,
      status: status === "complete" && (hasNonFinite(curve) || hasNonFinite(train)) ? "diverged" : status,
      hparams: rec.hparams,
      objective: bestOf(curve.values, direction),
      curve,
      ...(train.steps.length ? { train } : {}),
    });
  }
  return { source, name: `${source}/${meta.name}`, objective: meta.objective, trainMetric: "train/loss", ...(space ? { space } : {}), trials, design, ...(sweepKeys ? { sweepKeys } : {}) };
}

/** Every study of the corpus. */
export function readAll(): RawStudy[] {
  const planted = join(ROOT, "validation/planted/runs");
  const p = (name: string, keys?: string[]) => (existsSync(join(planted, name, "study.json")) ? [readRunnerStudy(join(planted, name), "planted", "grid", keys)] : []);
  return [
    ...readAlgoPerf(),
    ...readDeepCave(),
    readRunnerStudy(join(ROOT, "datasets/mnist_tunebook/study"), "mnist_tunebook", "random"),
    ...p("lr-seeds", ["optimizer", "seed"]),
    ...p("lr-batch"),
    ...p("dropout", ["seed"]),
    ...p("long-train", ["seed"]),
    ...p("short-train", ["seed"]),
    ...p("noisy", ["seed"]),
  ];
}
