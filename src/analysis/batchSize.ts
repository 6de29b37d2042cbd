/**
 * Batch size (playbook "Choosing the batch size"): the batch size governs training speed, not
 * validation performance. A throughput scan (examples/s per batch size, doubling until memory
 * runs out) shows where throughput stops growing; beyond that, larger batches bring nothing.
 * Steps-to-result per batch size show the scaling regime: perfect scaling (doubling the batch
 * size halves the steps) up to a critical batch size, then diminishing returns, then flat.
 */
import type { Study } from "../study/study.js";
import { finding, type Finding } from "./finding.js";
import { r6 } from "./curveMath.js";
import { quantileSorted } from "../stats/quantileSorted.js";
import { defineAnalysis, option } from "./registry.js";
import { fmt } from "./common.js";

export interface BatchSizePoint {
  batchSize: number;
  /** Training throughput; null/undefined when the run failed. */
  examplesPerSec?: number | null;
  /** The batch size did not fit in memory. */
  oom?: boolean;
}

/** The trainer's throughput-scan row (`src/train` ThroughputPoint), accepted as is. */
export interface SnakeThroughputPoint {
  batch_size: number;
  examples_per_sec: number | null;
  status?: "ok" | "oom" | "failed" | string;
}

function normalizePoint(p: BatchSizePoint | SnakeThroughputPoint): BatchSizePoint {
  if ("batch_size" in p) return { batchSize: p.batch_size, examplesPerSec: p.examples_per_sec, oom: p.status === "oom" };
  return p;
}

export interface ThroughputRow {
  batchSize: number;
  examplesPerSec: number | null;
  oom: boolean;
  /** batchSize / examplesPerSec (seconds). */
  timePerStep: number | null;
  /** Throughput gain over the previous feasible batch size (0.25 = +25%); null for the first. */
  gain: number | null;
  /** Gain a perfect doubling would give for this batch-size ratio (ratio − 1). */
  idealGain: number | null;
}

export interface BatchSizeScanResult {
  points: ThroughputRow[];
  /** Largest batch size that ran (not OOM, finite throughput). */
  largestFeasible: number | null;
  /** Smallest batch size that ran out of memory. */
  smallestOom: number | null;
  /** Batch size after which throughput stops growing (gain < minGain on the next step up), or null if it keeps growing. */
  plateauBatchSize: number | null;
  /** The batch size to use: the plateau, or the largest feasible one. */
  recommended: number | null;
  minGain: number;
  findings: Finding[];
}

/**
 * Analyse a throughput scan (camelCase points, or the trainer's `throughputScan` rows with
 * `batch_size`, `examples_per_sec`, `status`). Throughput "stops growing" at batch size B when the next feasible
 * batch size (normally 2B) gains less than `minGain` (default 10%).
 *
 * @example
 * batchSizeScan([{ batchSize: 32, examplesPerSec: 1000 }, { batchSize: 64, examplesPerSec: 1900 },
 *   { batchSize: 128, examplesPerSec: 2000 }, { batchSize: 256, oom: true }]).recommended; // 64
 */
export function batchSizeScan(points: Array<BatchSizePoint | SnakeThroughputPoint>, options: { minGain?: number } = {}): BatchSizeScanResult {
  const minGain = options.minGain ?? 0.1;
  const sorted = points.map(normalizePoint).sort((a, b) => a.batchSize - b.batchSize);
  const rows: ThroughputRow[] = [];
  let prev: ThroughputRow | null = null;
  let plateau: number | null = null;
  for (const p of sorted) {
    const eps = p.examplesPerSec ?? null;
    const ok = !p.oom && eps !== null && Number.isFinite(eps) && eps > 0;
    const row: ThroughputRow = {
      batchSize: p.batchSize,
      examplesPerSec: ok ? eps : null,
      oom: !!p.oom,
      timePerStep: ok ? p.batchSize / eps! : null,
      gain: null,
      idealGain: null,
    };
    if (ok && prev) {
      row.gain = eps! / prev.examplesPerSec! - 1;
      row.idealGain = p.batchSize / prev.batchSize - 1;
      if (plateau === null && row.gain < minGain) plateau = prev.batchSize;
    }
    rows.push(row);
    if (ok) prev = row;
  }
  const feasible = rows.filter((r) => r.examplesPerSec !== null);
  const largestFeasible = feasible.length ? feasible[feasible.length - 1]!.batchSize : null;
  const ooms = rows.filter((r) => r.oom);
  const smallestOom = ooms.length ? ooms[0]!.batchSize : null;
  const recommended = plateau ?? largestFeasible;
  const findings: Finding[] = [];
  if (plateau !== null) {
    const next = feasible.find((r) => r.batchSize > plateau!)!;
    findings.push(
      finding("info", "batch_size.throughput_plateau", `Throughput stops growing after batch size ${plateau}: going to ${next.batchSize} gains only ${fmt(next.gain! * 100)}% (< ${minGain * 100}%). Use at most ${plateau}, or fix the bottleneck (input pipeline, synchronisation).`, {
        plateauBatchSize: plateau, nextBatchSize: next.batchSize, gain: r6(next.gain!), minGain, examplesPerSec: r6(next.examplesPerSec!),
      }),
    );
  }
  const weak = feasible.filter((r) => r.gain !== null && r.idealGain !== null && r.gain >= minGain && r.gain < 0.5 * r.idealGain);
  if (weak.length) {
    findings.push(
      finding("info", "batch_size.throughput_sublinear", `Doubling the batch size should roughly double throughput, but it gains less than half of that at batch size${weak.length === 1 ? "" : "s"} ${weak.map((r) => r.batchSize).join(", ")}: there may be an I/O or synchronisation bottleneck.`, {
        points: weak.map((r) => ({ batchSize: r.batchSize, gain: r6(r.gain!), idealGain: r6(r.idealGain!) })),
      }),
    );
  }
  if (smallestOom !== null) {
    findings.push(
      finding("info", "batch_size.oom", `Batch size ${smallestOom} runs out of memory; the largest feasible batch size is ${largestFeasible ?? "none"}.`, { smallestOom, largestFeasible }),
    );
  }
  return { points: rows, largestFeasible, smallestOom, plateauBatchSize: plateau, recommended, minGain, findings };
}

export interface StepsPoint {
  batchSize: number;
  /** Training steps needed to reach the target result; null when it never got there. */
  stepsToResult: number | null;
}

export type ScalingRegime = "perfect" | "diminishing" | "flat";

export interface ScalingStep {
  from: number;
  to: number;
  stepsFrom: number;
  stepsTo: number;
  /** log(stepsFrom / stepsTo) / log(to / from): 1 = perfect scaling, 0 = no fewer steps. */
  efficiency: number;
  regime: ScalingRegime;
}

export interface BatchSizeScalingResult {
  steps: ScalingStep[];
  /** Largest batch size reached with perfect scaling all the way from the smallest one. */
  perfectUpTo: number | null;
  /** First batch size at which adding more no longer reduces steps (flat), or null. */
  flatFrom: number | null;
  /** Largest batch size that still reduced the steps: it minimizes training time (if time per step is constant). */
  fastest: number | null;
  thresholds: { perfect: number; flat: number };
  findings: Finding[];
}

/**
 * Classify each increase of the batch size by how much it cuts the steps to reach a result.
 * Efficiency e = log(s₁/s₂)/log(b₂/b₁) per step (1 for a doubling that halves the steps):
 * e ≥ `perfect` (0.8) is perfect scaling, e ≤ `flat` (0.2) is flat, in between diminishing.
 *
 * @example
 * batchSizeScaling([{ batchSize: 64, stepsToResult: 8000 }, { batchSize: 128, stepsToResult: 4000 },
 *   { batchSize: 256, stepsToResult: 3000 }, { batchSize: 512, stepsToResult: 2900 }])
 *   .steps.map((s) => s.regime); // ["perfect", "diminishing", "flat"]
 */
export function batchSizeScaling(points: StepsPoint[], options: { perfect?: number; flat?: number } = {}): BatchSizeScalingResult {
  const perfect = options.perfect ?? 0.8;
  const flat = options.flat ?? 0.2;
  const pts = points.filter((p) => p.stepsToResult !== null && p.stepsToResult > 0 && p.batchSize > 0).sort((a, b) => a.batchSize - b.batchSize);
  const steps: ScalingStep[] = [];
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (b.batchSize === a.batchSize) continue;
    const eff = Math.log(a.stepsToResult! / b.stepsToResult!) / Math.log(b.batchSize / a.batchSize);
    steps.push({ from: a.batchSize, to: b.batchSize, stepsFrom: a.stepsToResult!, stepsTo: b.stepsToResult!, efficiency: eff, regime: eff >= perfect ? "perfect" : eff <= flat ? "flat" : "diminishing" });
  }
  let perfectUpTo: number | null = null;
  for (const s of steps) {
    if (s.regime !== "perfect") break;
    perfectUpTo = s.to;
  }
  const flatStep = steps.find((s) => s.regime === "flat");
  const flatFrom = flatStep ? flatStep.from : null;
  let fastest: number | null = pts.length ? pts[0]!.batchSize : null;
  for (const s of steps) {
    if (s.regime === "flat") break;
    fastest = s.to;
  }
  const ev = steps.map((s) => ({ from: s.from, to: s.to, stepsFrom: s.stepsFrom, stepsTo: s.stepsTo, efficiency: r6(s.efficiency), regime: s.regime }));
  const findings: Finding[] = [];
  if (perfectUpTo !== null) findings.push(finding("info", "batch_size.scaling_perfect", `Perfect scaling up to batch size ${perfectUpTo}: doubling the batch size halves the steps to the result.`, { perfectUpTo, steps: ev }));
  const dim = steps.filter((s) => s.regime === "diminishing");
  if (dim.length) findings.push(finding("info", "batch_size.scaling_diminishing", `Diminishing returns from batch size ${dim[0]!.from}: going to ${dim[0]!.to} cuts steps by a factor ${fmt(dim[0]!.stepsFrom / dim[0]!.stepsTo)} instead of ${fmt(dim[0]!.to / dim[0]!.from)}.`, { steps: ev }));
  if (flatStep) findings.push(finding("warn", "batch_size.scaling_flat", `Going from batch size ${flatStep.from} to ${flatStep.to} no longer reduces the steps (${flatStep.stepsFrom} → ${flatStep.stepsTo}): batch sizes above ${fastest} do not reduce training time.`, { flatFrom, fastest, steps: ev }));
  return { steps, perfectUpTo, flatFrom, fastest, thresholds: { perfect, flat }, findings };
}

export interface BatchSizeStudyOptions {
  /** Batch-size hyperparameter. Default: `batch_size`, `batchSize`, else any name containing "batch". */
  batchParam?: string;
  /** Throughput metric (median over the trial's measurements; without one, a trial attribute `examples_per_sec`/`throughput`). Default: `examples_per_sec`, `throughput`, `examples_per_second`. */
  throughputMetric?: string;
  /** Result to reach for steps-to-result. Default: the worst of the per-batch-size best objective values (over batch sizes with a feasible trial), so every such batch size reaches it. */
  target?: number;
  minGain?: number;
  /** More distinct batch sizes than this means batch size was sampled at random, not swept: no analysis. Default 12. */
  maxBatchSizes?: number;
}

export interface BatchSizeStudyResult {
  batchParam: string | null;
  throughputMetric: string | null;
  scan: BatchSizeScanResult | null;
  target: number | null;
  /** Per batch size: the fewest steps any of its trials needed to reach `target`. */
  stepsToResult: StepsPoint[];
  scaling: BatchSizeScalingResult | null;
  findings: Finding[];
}

/**
 * Batch-size analyses from a study whose trials vary the batch size: the throughput scan (median
 * `examples_per_sec` per trial, best over trials per batch size; `oom` trials marked) and the
 * steps each batch size needs to reach a common result (first step at which the objective curve
 * reaches `target`).
 *
 * @example
 * const r = batchSizeStudy(study);   // trials with hparam batch_size and metric examples_per_sec
 * r.scan?.recommended; r.scaling?.steps.map((s) => s.regime);
 */
export function batchSizeStudy(study: Study, options: BatchSizeStudyOptions = {}): BatchSizeStudyResult {
  const hps = study.hyperparameters();
  const batchParam = options.batchParam ?? (["batch_size", "batchSize", "global_batch_size"].find((h) => hps.includes(h)) ?? hps.find((h) => /batch/i.test(h)) ?? null);
  const metrics = study.metrics();
  const throughputMetric = options.throughputMetric ?? (["examples_per_sec", "throughput", "examples_per_second", "train/examples_per_sec"].find((m) => metrics.includes(m)) ?? null);
  const empty: BatchSizeStudyResult = { batchParam, throughputMetric, scan: null, target: null, stepsToResult: [], scaling: null, findings: [] };
  if (!batchParam) return empty;
  const rows = study.trialRows().filter((r) => typeof r.hparams[batchParam] === "number");
  const sizes = [...new Set(rows.map((r) => r.hparams[batchParam] as number))].sort((a, b) => a - b);
  // A batch-size experiment compares a handful of batch sizes (typically powers of two), each
  // tuned on its own. A random search that samples batch size as one more hyperparameter (hundreds
  // of distinct values) is not such an experiment: its per-size "best" is noise.
  if (sizes.length < 2 || sizes.length > (options.maxBatchSizes ?? 12)) return empty;
  const dir = study.objective.direction;
  const better = (a: number, b: number) => (dir === "minimize" ? a < b : a > b);

  let scan: BatchSizeScanResult | null = null;
  // A trial's throughput: the median of its throughput metric, else a throughput attribute of the trial.
  const attrThroughput = (r: (typeof rows)[number]): number | null => {
    const a = r.attrs.examples_per_sec ?? r.attrs.examplesPerSec ?? r.attrs.throughput;
    return typeof a === "number" && Number.isFinite(a) && a > 0 ? a : null;
  };
  if (throughputMetric || rows.some((r) => r.status === "oom" || attrThroughput(r) !== null)) {
    const pts: BatchSizePoint[] = sizes.map((b) => {
      const trs = rows.filter((r) => r.hparams[batchParam] === b);
      let eps: number | null = null;
      for (const r of trs) {
        let tp: number | null = null;
        if (throughputMetric) {
          const v = study.curve(r.id, throughputMetric).values.filter((x) => Number.isFinite(x) && x > 0).sort((x, y) => x - y);
          if (v.length) tp = quantileSorted(v, 0.5);
        }
        tp ??= attrThroughput(r);
        if (tp !== null) eps = eps === null ? tp : Math.max(eps, tp);
      }
      return { batchSize: b, examplesPerSec: eps, oom: eps === null && trs.some((r) => r.status === "oom") };
    });
    if (pts.some((p) => p.examplesPerSec !== null)) scan = batchSizeScan(pts, { minGain: options.minGain });
  }

  // Steps to a common result: every batch size's best trial must be able to reach it.
  let target = options.target ?? null;
  if (target === null) {
    const bests = sizes.map((b) => rows.filter((r) => r.hparams[batchParam] === b && r.best !== null && Number.isFinite(r.best)).map((r) => r.best!).reduce<number | null>((acc, v) => (acc === null || better(v, acc) ? v : acc), null));
    // Batch sizes with no feasible trial (OOM, diverged) are left out of the common target.
    const have = bests.filter((x): x is number => x !== null);
    if (have.length >= 2) target = have.reduce((acc, v) => (better(acc, v) ? v : acc));
  }
  const stepsToResult: StepsPoint[] = [];
  if (target !== null) {
    for (const b of sizes) {
      let fewest: number | null = null;
      for (const r of rows.filter((x) => x.hparams[batchParam] === b)) {
        const c = study.curve(r.id);
        const k = c.values.findIndex((v) => Number.isFinite(v) && (v === target || better(v, target!)));
        if (k >= 0 && (fewest === null || c.steps[k]! < fewest)) fewest = c.steps[k]!;
      }
      stepsToResult.push({ batchSize: b, stepsToResult: fewest });
    }
  }
  const scaling = stepsToResult.filter((p) => p.stepsToResult !== null).length >= 2 ? batchSizeScaling(stepsToResult) : null;
  const findings = [...(scan?.findings ?? []), ...(scaling?.findings ?? [])];
  return { batchParam, throughputMetric, scan, target, stepsToResult, scaling, findings };
}

/** Batch size (throughput scan, steps scaling) as the tools run it (see ./registry.ts). */
export const batchSizeAnalysis = defineAnalysis({
  name: "batchSize",
  summary: "batch size: throughput per batch size until it stops growing or runs out of memory, and step scaling",
  options: {
    batchParam: option.string("the batch-size hyperparameter (default: batch_size…)"),
    throughputMetric: option.string("throughput metric (default: examples_per_sec, throughput…)"),
    target: option.number("objective value the step-scaling check needs each batch size to reach"),
  },
  applies: (s, o) => {
    const r = batchSizeStudy(s, o);
    return r.scan !== null || r.scaling !== null ? true : "the trials do not vary a batch size with a throughput or objective curve";
  },
  run: (s, o) => batchSizeStudy(s, o),
});
