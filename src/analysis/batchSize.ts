/**
 * Batch size (playbook "Choosing the batch size"): the batch size governs training speed, not
 * validation performance. A throughput scan (examples/s per batch size, doubling until memory
 * runs out) shows where throughput stops growing; beyond that, larger batches bring nothing.
 * Steps-to-result per batch size show the scaling regime: perfect scaling (doubling the batch
 * size halves the steps) up to a critical batch size, then diminishing returns, then flat.
 */
import { finding, type Finding } from "./finding.js";
import { r6 } from "./curveMath.js";

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
      finding("info", "batch_size.throughput_plateau", `Throughput stops growing after batch size ${plateau}: going to ${next.batchSize} gains only ${r6(next.gain! * 100)}% (< ${minGain * 100}%). Use at most ${plateau}, or fix the bottleneck (input pipeline, synchronisation).`, {
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
  if (dim.length) findings.push(finding("info", "batch_size.scaling_diminishing", `Diminishing returns from batch size ${dim[0]!.from}: going to ${dim[0]!.to} cuts steps by a factor ${r6(dim[0]!.stepsFrom / dim[0]!.stepsTo)} instead of ${r6(dim[0]!.to / dim[0]!.from)}.`, { steps: ev }));
  if (flatStep) findings.push(finding("warn", "batch_size.scaling_flat", `Going from batch size ${flatStep.from} to ${flatStep.to} no longer reduces the steps (${flatStep.stepsFrom} → ${flatStep.stepsTo}): batch sizes above ${fastest} do not reduce training time.`, { flatFrom, fastest, steps: ev }));
  return { steps, perfectUpTo, flatFrom, fastest, thresholds: { perfect, flat }, findings };
}
