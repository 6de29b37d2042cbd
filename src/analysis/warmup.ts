/**
 * Instability and learning-rate warmup (playbook FAQ "How can optimization failures be debugged
 * and mitigated?"): a learning-rate sweep gives lr*, the largest stable learning rate; curves
 * above lr* that spike or diverge show instability; warmup is the fix, tuned by a sweep of warmup
 * lengths.
 *
 * The playbook's recipe, as implemented by {@link warmupPlan}:
 * - `base_learning_rate` = 10 × `unstable_base_learning_rate` (the rate at which the model
 *   becomes unstable; "at least one order of magnitude larger", default 10×; 100× is possible).
 * - Ramp linearly from 0 to `base_learning_rate` over `warmup_steps`, then train at a constant
 *   rate for `post_warmup_steps` = 2 × `warmup_steps`.
 * - Sweep `warmup_steps` over a few orders of magnitude (its example: 10, 10³, 10⁴, 10⁵); the
 *   largest point should not exceed 10% of `max_train_steps`. Pick the shortest one that does not
 *   blow up at `base_learning_rate`, then prepend it to the baseline schedule (train
 *   max_train_steps + warmup_steps in total). If it needs > 5% of max_train_steps, max_train_steps
 *   may need to grow.
 * - Evaluate early and often: common evaluation schedules miss early instability; the playbook
 *   suggests a ~500-step run at 2 × the current best learning rate evaluating every step.
 */
import type { Study } from "../study/study.js";
import { type HpValue, isInfeasible } from "../study/types.js";
import { finding, type Finding } from "./finding.js";
import { resolveMetricRoles } from "./metricRoles.js";
import { type CurveData, lowerIsBetter, r6, smooth } from "./curveMath.js";
import { divergenceStep } from "./curves.js";
import { defineAnalysis, option } from "./registry.js";
import { fmt } from "./common.js";

export interface LrSweepOptions {
  /** Learning-rate hyperparameter. Default: `learning_rate`, then `lr`, then any name containing `learning_rate`. */
  lrParam?: string;
  /** Curve checked for instability. Default: the resolved training loss, else the objective. */
  metric?: string;
  /** Instability = the smoothed loss rises above its running minimum by at least this fraction of its total decrease. Default 0.25. */
  spikeRise?: number;
  /** Blow-up = loss above this × its first value. Default 3. */
  blowupFactor?: number;
  /** Moving-average window (points) before looking for rises. Default 5. */
  smoothWindow?: number;
  /** Instability within this fraction of training is "early" (warmup territory), later "mid". Default 0.2. */
  earlyFraction?: number;
  /** Curves with fewer finite points are judged by status only (no blow-up or rise). Default 6. */
  minPoints?: number;
}

/** How a trial was unstable: from its curve (blow-up, loss rise, non-finite) or its status (diverged, failed, out of memory). */
export type InstabilityKind = "diverged" | "blowup" | "loss_rise" | "failed" | "oom";

export interface LrTrialStability {
  trial: string;
  learningRate: number;
  stable: boolean;
  kind: InstabilityKind | null;
  /** Step where the instability starts (first non-finite / blow-up / rise above threshold). */
  step: number | null;
  /** Value there, and the running minimum it rose from (loss_rise). */
  value: number | null;
  reference: number | null;
  phase: "early" | "mid" | null;
  /** The trial's best objective (null when infeasible). */
  best: number | null;
}

export interface LrSweepResult {
  lrParam: string | null;
  metric: string | null;
  /** Trials with a numeric learning rate, sorted by it. */
  trials: LrTrialStability[];
  /** Largest learning rate all of whose trials are stable. */
  lrStar: number | null;
  /** Smallest learning rate above lr* (every trial there or above is unstable): the playbook's unstable_base_learning_rate. */
  unstableLr: number | null;
  /** Learning rate of the best trial by the objective. */
  bestLr: number | null;
  unstableAbove: LrTrialStability[];
  /** Unstable trials at or below lr* in value (other hyperparameters may be the cause). */
  unstableBelow: LrTrialStability[];
  findings: Finding[];
}

/**
 * Find the learning-rate hyperparameter of a study (see {@link LrSweepOptions.lrParam}).
 *
 * @example
 * findLrParam(["dropout", "base_learning_rate"]); // "base_learning_rate"
 */
export function findLrParam(names: readonly string[], preferred?: string): string | null {
  if (preferred) return names.includes(preferred) ? preferred : null;
  for (const n of ["learning_rate", "lr", "base_learning_rate", "base_lr", "peak_learning_rate"]) if (names.includes(n)) return n;
  return names.find((n) => /learning_rate/i.test(n)) ?? names.find((n) => /(^|[_.])lr($|[_.])/i.test(n)) ?? null;
}

/**
 * Where a loss curve first becomes unstable: non-finite, a blow-up above `blowupFactor` × its
 * first value, or a rise of the smoothed loss above its running minimum by `spikeRise` × its
 * total decrease (the playbook's "loss goes up not down during periods of training").
 *
 * @example
 * lossInstability({ steps: [0,1,2,3,4,5,6,7], values: [4,3,2,1,1,3,3,3] }, { smoothWindow: 1 });
 * // { kind: "loss_rise", step: 5, value: 3, reference: 1 }
 */
export function lossInstability(
  curve: CurveData,
  opts: { spikeRise?: number; blowupFactor?: number; smoothWindow?: number; minPoints?: number } = {},
): { kind: InstabilityKind; step: number; value: number; reference: number | null } | null {
  // Blow-ups and rises need a curve with a shape (the curve checks' minimum of 6 points); a non-finite value always counts.
  const minPoints = opts.minPoints ?? 6;
  const d = divergenceStep(curve, true, opts.blowupFactor ?? 3, minPoints);
  if (d) return { kind: d.reason === "non_finite" ? "diverged" : "blowup", step: d.step, value: d.value, reference: d.reference ?? null };
  const window = opts.smoothWindow ?? 5;
  const sm = smooth(curve, window);
  if (sm.values.length < Math.max(3, minPoints)) return null;
  const first = sm.values[0]!;
  let minAll = Infinity;
  // A loop with Math.min(...values)'s result (NaN wins), without spreading 500+ arguments.
  for (const v of sm.values) {
    if (v < minAll) minAll = v;
    else if (v !== v) {
      minAll = NaN;
      break;
    }
  }
  const scale = first - minAll;
  if (!(scale > 0)) return null;
  const rise = (opts.spikeRise ?? 0.25) * scale;
  let runMin = Infinity;
  for (let i = 0; i < sm.values.length; i++) {
    const v = sm.values[i]!;
    if (v > runMin + rise) {
      // Centered smoothing lets a jump show a few points early: report the first raw point of the window above the threshold.
      // Raw finite points, aligned with `sm` (only needed here, once per unstable curve).
      const raw = curve.values.filter(Number.isFinite);
      const half = Math.floor(Math.max(1, window) / 2);
      for (let j = Math.max(0, i - half); j <= Math.min(raw.length - 1, i + half); j++) {
        if (raw[j]! > runMin + rise) return { kind: "loss_rise", step: sm.steps[j]!, value: raw[j]!, reference: runMin };
      }
      return { kind: "loss_rise", step: sm.steps[i]!, value: v, reference: runMin };
    }
    runMin = Math.min(runMin, v);
  }
  return null;
}

/**
 * Stability of each trial of a learning-rate sweep, lr* (largest stable learning rate) and
 * the unstable curves above it.
 *
 * @example
 * const r = learningRateSweep(study);
 * r.lrStar;                               // e.g. 0.1
 * r.unstableAbove.map((t) => [t.learningRate, t.kind, t.step]);
 */
export function learningRateSweep(study: Study, options: LrSweepOptions = {}): LrSweepResult {
  const lrParam = findLrParam(study.hyperparameters(), options.lrParam);
  const roles = resolveMetricRoles(study.metrics(), study.objective);
  const metric = options.metric ?? roles.train ?? study.objective.metric;
  const lossLike = metric === roles.train || metric === study.objective.metric ? (metric === roles.train ? "minimize" : study.objective.direction) : "minimize";
  const empty: LrSweepResult = { lrParam, metric, trials: [], lrStar: null, unstableLr: null, bestLr: null, unstableAbove: [], unstableBelow: [], findings: [] };
  if (!lrParam) return empty;
  const earlyFraction = options.earlyFraction ?? 0.2;
  const trials: LrTrialStability[] = [];
  for (const row of study.trialRows()) {
    const lr = numeric(row.hparams[lrParam]);
    if (lr === null) continue;
    // The study's shared copy (read only): the other analyses of a review read the same curves.
    const c = study.curveView(row.id, metric);
    const curve = { steps: c.steps, values: lowerIsBetter(c.values, lossLike) };
    let inst: { kind: InstabilityKind; step: number | null; value: number; reference: number | null } | null = c.steps.length ? lossInstability(curve, options) : null;
    // Every infeasible status counts: a failed or out-of-memory run at a high learning rate is not a stable one.
    if (!inst && isInfeasible(row.status)) {
      const s = row.attrs.divergedStep;
      inst = { kind: row.status as InstabilityKind, step: typeof s === "number" ? s : null, value: NaN, reference: null };
    }
    const first = c.steps[0] ?? 0;
    const last = Math.max(c.steps[c.steps.length - 1] ?? 0, row.steps ?? 0);
    const phase = inst && inst.step !== null && last > first ? ((inst.step - first) / (last - first) <= earlyFraction ? "early" : "mid") : null;
    trials.push({
      trial: row.id,
      learningRate: lr,
      stable: !inst,
      kind: inst?.kind ?? null,
      step: inst?.step ?? null,
      value: inst ? inst.value : null,
      reference: inst?.reference ?? null,
      phase: inst ? phase : null,
      best: row.best,
    });
  }
  trials.sort((a, b) => a.learningRate - b.learningRate);
  const lrs = [...new Set(trials.map((t) => t.learningRate))];
  // One pass instead of a filter per learning rate (a continuous sweep has one trial per rate: O(n²)).
  const unstableAt = new Set<number>();
  for (const t of trials) if (!t.stable) unstableAt.add(t.learningRate);
  // lr* = the largest stable rate below the unstable region: the run of half-decade buckets of the
  // learning rate, reaching the top of the sweep, in which at least half of the trials are
  // unstable. In a random search a few lucky stable runs among mostly failing ones do not make a
  // rate stable; in a one-trial-per-rate sweep this is the classic "largest stable rate below the
  // first unstable one from the top".
  const bucketOf = (lr: number) => (lr > 0 ? Math.floor(2 * Math.log10(lr) + 1e-9) : -Infinity);
  const buckets = new Map<number, { n: number; bad: number }>();
  for (const t of trials) {
    const b = bucketOf(t.learningRate);
    const e = buckets.get(b) ?? { n: 0, bad: 0 };
    e.n++;
    if (!t.stable) e.bad++;
    buckets.set(b, e);
  }
  let regionFrom = Infinity;
  for (const b of [...buckets.keys()].sort((x, y) => y - x)) {
    const e = buckets.get(b)!;
    if (e.bad >= e.n / 2) regionFrom = b;
    else break;
  }
  const stableLrs = lrs.filter((lr) => !unstableAt.has(lr) && bucketOf(lr) < regionFrom);
  const lrStar = stableLrs.length ? stableLrs[stableLrs.length - 1]! : null;
  const unstableAbove = trials.filter((t) => !t.stable && (lrStar === null || t.learningRate > lrStar));
  const unstableBelow = trials.filter((t) => !t.stable && lrStar !== null && t.learningRate <= lrStar);
  const unstableLr = unstableAbove.length ? unstableAbove[0]!.learningRate : null;
  const best = study.bestTrial();
  const bestLr = best ? numeric(best.hparams[lrParam]) : null;
  const findings: Finding[] = [];
  const ev = (ts: LrTrialStability[]) => ts.slice(0, 20).map((t) => ({ trial: t.trial, learningRate: r6(t.learningRate), kind: t.kind, step: t.step, value: t.value === null ? null : r6(t.value), reference: t.reference === null ? null : r6(t.reference), phase: t.phase }));
  if (unstableAbove.length) {
    const early = unstableAbove.filter((t) => t.phase === "early").length;
    const edge = bestLr !== null && lrStar !== null && bestLr === lrStar;
    const eg = unstableAbove.slice(0, 3).map((t) => `${t.trial} at ${lrParam} ${fmt(t.learningRate)}: ${t.kind === "loss_rise" ? `${metric} rose to ${fmt(t.value!)} from its smoothed minimum ${fmt(t.reference!)} at step ${t.step ?? "?"}` : t.kind === "blowup" ? `${metric} blew up to ${fmt(t.value!)} at step ${t.step ?? "?"}` : t.kind === "failed" ? "failed" : t.kind === "oom" ? "ran out of memory" : `diverged${t.step !== null ? ` at step ${t.step}` : ""}`}`);
    findings.push(
      finding("warn", "instability.unstable_above", `${unstableAbove.length} trial${unstableAbove.length === 1 ? "" : "s"} with ${lrParam} above lr* = ${lrStar === null ? "(none stable)" : fmt(lrStar)} ${unstableAbove.length === 1 ? "is" : "are"} unstable (${describeKinds(unstableAbove)}; ${early} early in training): ${eg.join("; ")}${unstableAbove.length > 3 ? "; …" : ""}.${edge ? " The best learning rate is at the edge of stability, so instability is forcing a small learning rate: fixing it (learning-rate warmup for early instability, gradient clipping for both) will likely improve training." : " Instability only matters if it forces a learning rate that is too small; warmup (early instability) or clipping can fix it."}`,
        { lrParam, metric, lrStar, unstableLr, bestLr, bestAtEdge: edge, earlyCount: early, trials: ev(unstableAbove) },
      ),
    );
  }
  if (unstableBelow.length) {
    findings.push(
      finding("info", "instability.unstable_below", `${unstableBelow.length} trial${unstableBelow.length === 1 ? "" : "s"} at ${lrParam} ≤ lr* also ${unstableBelow.length === 1 ? "is" : "are"} unstable (${describeKinds(unstableBelow)}): other hyperparameters or seeds matter too.`, { lrParam, metric, lrStar, trials: ev(unstableBelow) }),
    );
  }
  return { lrParam, metric, trials, lrStar, unstableLr, bestLr, unstableAbove, unstableBelow, findings };
}

function describeKinds(ts: LrTrialStability[]): string {
  const c = new Map<string, number>();
  for (const t of ts) c.set(t.kind ?? "?", (c.get(t.kind ?? "?") ?? 0) + 1);
  return [...c].map(([k, n]) => `${n} ${k.replace("_", " ")}`).join(", ");
}

function numeric(v: HpValue | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export type WarmupSchedule = "linear_warmup_then_constant" | "linear_warmup_then_cosine";

/** One trial of the warmup sweep: what the runner trains. */
export interface WarmupTrialConfig {
  learning_rate: number;
  warmup_steps: number;
  /** Steps at the constant rate after warmup (2 × warmup_steps by default). */
  post_warmup_steps: number;
  /** Total training steps of this trial. */
  max_train_steps: number;
  schedule: WarmupSchedule;
  /** Evaluate every this many steps: ≥ 10 evaluations inside the warmup. */
  eval_every: number;
  /**
   * The same trial as hyperparameters the tfjs trainer understands (`hparamsToTrainConfig`:
   * learning_rate, warmup_steps, schedule constant|cosine, max_train_steps, eval_every).
   */
  hparams: { learning_rate: number; warmup_steps: number; schedule: "constant" | "cosine"; max_train_steps: number; eval_every: number };
}

export interface WarmupPlanOptions {
  /** Largest stable learning rate (from {@link learningRateSweep}). */
  lrStar: number;
  /** The rate at which training becomes unstable; default: lrStar (conservative when the next sweep point is unknown). */
  unstableLr?: number;
  maxTrainSteps: number;
  /** Warmup lengths to sweep; default: powers of ten from 10 up to 10% of maxTrainSteps, plus that 10% cap. */
  lengths?: number[];
  /** base_learning_rate = multiplier × unstable rate. Default 10 (the playbook's default; 100 is its next option). */
  multiplier?: number;
  /** post_warmup_steps = postWarmupFactor × warmup_steps. Default 2. */
  postWarmupFactor?: number;
  /** Default "linear_warmup_then_constant" (the playbook's sweep). */
  schedule?: WarmupSchedule;
  /** Steps of the early-instability probe at 2 × lr*, evaluated every step. Default 500. */
  probeSteps?: number;
}

export interface WarmupPlan {
  unstableBaseLearningRate: number;
  baseLearningRate: number;
  maxTrainSteps: number;
  /** 10% of maxTrainSteps: the largest warmup the playbook allows. */
  maxWarmupSteps: number;
  lengths: number[];
  /** The warmup sweep, shortest warmup first. */
  trials: WarmupTrialConfig[];
  /** Short run at 2 × lr* evaluated every step, to catch early instability that common eval schedules miss. */
  probe: { learning_rate: number; max_train_steps: number; eval_every: 1; schedule: "constant" };
  /** What to do with the result (prepend the winning warmup to the baseline schedule, etc.). */
  notes: string[];
  findings: Finding[];
}

/**
 * The playbook's warmup recipe as a plan the runner can execute.
 *
 * @example
 * const plan = warmupPlan({ lrStar: 0.01, maxTrainSteps: 100_000 });
 * plan.baseLearningRate;                   // 0.1
 * plan.trials.map((t) => t.warmup_steps);  // [10, 100, 1000, 10000]
 */
export function warmupPlan(options: WarmupPlanOptions): WarmupPlan {
  const { lrStar, maxTrainSteps } = options;
  if (!(lrStar > 0) || !(maxTrainSteps > 0)) throw new RangeError("warmupPlan: lrStar and maxTrainSteps must be positive numbers");
  const unstable = options.unstableLr ?? lrStar;
  const mult = options.multiplier ?? 10;
  const base = mult * unstable;
  const factor = options.postWarmupFactor ?? 2;
  const schedule = options.schedule ?? "linear_warmup_then_constant";
  const cap = Math.max(1, Math.floor(0.1 * maxTrainSteps));
  let lengths: number[];
  if (options.lengths) lengths = options.lengths.filter((l) => l > 0 && l <= cap).map((l) => Math.round(l));
  else {
    lengths = [];
    for (let p = 10; p <= cap; p *= 10) lengths.push(p);
    if (!lengths.includes(cap)) lengths.push(cap);
  }
  lengths = [...new Set(lengths)].sort((a, b) => a - b);
  const trials: WarmupTrialConfig[] = lengths.map((w) => {
    const steps = schedule === "linear_warmup_then_constant" ? w + factor * w : maxTrainSteps + w;
    const evalEvery = Math.max(1, Math.floor(w / 10));
    return {
      learning_rate: base,
      warmup_steps: w,
      post_warmup_steps: factor * w,
      max_train_steps: steps,
      schedule,
      eval_every: evalEvery,
      hparams: { learning_rate: base, warmup_steps: w, schedule: schedule === "linear_warmup_then_constant" ? "constant" : "cosine", max_train_steps: steps, eval_every: evalEvery },
    };
  });
  const probeSteps = options.probeSteps ?? 500;
  const notes = [
    `Sweep warmup_steps over ${lengths.join(", ")} at base_learning_rate = ${mult} × ${fmt(unstable)} = ${fmt(base)}; keep the shortest warmup that does not blow up.`,
    `Prepend that warmup to the baseline schedule and train max_train_steps + warmup_steps (e.g. ${maxTrainSteps} + ${lengths[0] ?? 0}); compare to the baseline with retrospective checkpoint selection.`,
    `If the warmup needed is longer than 5% of max_train_steps (${Math.floor(0.05 * maxTrainSteps)}), max_train_steps may need to be increased.`,
    `Evaluate early and often: run ${probeSteps} steps at 2 × lr* = ${fmt(2 * lrStar)} evaluating every step to catch early instability.`,
  ];
  const findings: Finding[] = [
    finding("info", "warmup.plan", `Warmup sweep: ${lengths.length} trials at learning rate ${fmt(base)} (10× the unstable rate ${fmt(unstable)}) with warmup_steps ${lengths.join(", ")} (≤ 10% of ${maxTrainSteps}).`, {
      baseLearningRate: r6(base), unstableBaseLearningRate: r6(unstable), lrStar: r6(lrStar), lengths, maxWarmupSteps: cap, schedule,
    }),
  ];
  return {
    unstableBaseLearningRate: unstable,
    baseLearningRate: base,
    maxTrainSteps,
    maxWarmupSteps: cap,
    lengths,
    trials,
    probe: { learning_rate: 2 * lrStar, max_train_steps: probeSteps, eval_every: 1, schedule: "constant" },
    notes,
    findings,
  };
}

/**
 * Convenience: the sweep's lr* and unstable rate as warmup-plan inputs (null when the sweep found no stable rate).
 *
 * @example
 * warmupPlanFromSweep(learningRateSweep(study), 100_000)?.trials;
 */
export function warmupPlanFromSweep(sweep: LrSweepResult, maxTrainSteps: number, options: Partial<WarmupPlanOptions> = {}): WarmupPlan | null {
  if (sweep.lrStar === null) return null;
  return warmupPlan({ ...options, lrStar: sweep.lrStar, unstableLr: options.unstableLr ?? sweep.unstableLr ?? undefined, maxTrainSteps });
}

/** Distinct numeric learning rates of a study (0 when it has no learning-rate hyperparameter). */
export function learningRateCount(s: Study): number {
  const p = findLrParam(s.hyperparameters());
  if (!p) return 0;
  return new Set(s.trialRows().map((r) => r.hparams[p]).filter((v) => typeof v === "number")).size;
}

/** Fewer logged steps than this: no warmup plan (a plan in epochs of an 8-epoch run is no plan). */
const MIN_PLAN_STEPS = 100;
/** Names of hyperparameters that switch the optimizer's update rule. */
const REGIME_HP = /^(optimizer|opt|optimizer_name|use_nadam|nesterov|use_nesterov|use_momentum|disable_preconditioning|grafting_type|style|momentum_type)$/i;

/**
 * The categorical or boolean hyperparameter that switches the optimizer's update rule, when one
 * varies (2–5 values); null otherwise.
 *
 * @example
 * regimeHparam(study); // "optimizer" in a sweep of Adam and SGD learning rates
 */
export function regimeHparam(s: Study): string | null {
  for (const h of s.hyperparameters()) {
    if (!REGIME_HP.test(h)) continue;
    const vals = new Set(s.trialRows().map((r) => r.hparams[h] ?? null).filter((v) => v !== null));
    if (vals.size >= 2 && vals.size <= 5 && [...vals].every((v) => typeof v !== "number" || v === 0 || v === 1)) return h;
  }
  return null;
}

/**
 * Is the study a learning-rate sweep? Yes when, grouping trials by every other varying
 * hyperparameter (seeds aside), each group tries at least 2 learning rates: a 1-D sweep, or a sweep
 * repeated per optimizer/batch size. A random search, where each trial has its own configuration,
 * is not one (the max_train_steps rule reads the best trial of a constant-learning-rate sweep).
 *
 * @example
 * isLrSweep(study); // false for a 1,000-trial random search
 */
export function isLrSweep(s: Study): boolean {
  const lr = findLrParam(s.hyperparameters());
  if (!lr) return false;
  const others = s.hyperparameters().filter((h) => h !== lr && !/seed/i.test(h) && new Set(s.trialRows().map((r) => r.hparams[h] ?? null)).size > 1);
  const groups = new Map<string, Set<unknown>>();
  for (const r of s.trialRows()) {
    const k = JSON.stringify(others.map((h) => r.hparams[h] ?? null));
    let g = groups.get(k);
    if (!g) groups.set(k, (g = new Set()));
    g.add(r.hparams[lr]);
  }
  return groups.size > 0 && [...groups.values()].every((g) => g.size >= 2);
}

/** The learning-rate sweep result (of the first regime), with the warmup plan when curves above lr* are unstable. */
export type InstabilityResult = LrSweepResult & {
  warmupPlan?: WarmupPlan;
  /** The hyperparameter that splits the sweep into optimizer regimes, each with its own lr*. */
  regime?: string | null;
  notChecked?: Array<{ check: string; reason: string }>;
};

/** Instability (learning-rate sweep, lr*, warmup plan) as the tools run it (see ./registry.ts). */
/**
 * Instability of a learning-rate sweep, per optimizer regime: lr* (the largest stable rate), the
 * unstable curves above it and, where the runs log enough steps, the warmup sweep that fixes them.
 * What `review` and `%instability` run.
 *
 * @example
 * const r = instability(await loadStudy("datasets/mnist_tunebook/study"));
 * r.lrStar;                      // the largest stable learning rate
 * r.findings.map((f) => f.code); // ["instability.unstable_above", "warmup.plan", …]
 */
export function instability(s: Study, o: LrSweepOptions = {}): InstabilityResult {
  // Regimes apart: a hyperparameter that changes the optimizer (SGD vs Adam, preconditioning on
  // or off) changes which learning rates are stable, so each regime gets its own lr*.
  const regime = regimeHparam(s);
  const parts: Array<[string | null, Study]> = regime
    ? [...new Set(s.trialRows().map((r) => String(r.hparams[regime] ?? "(unset)")))].sort().map((v) => [v, s.filter((r) => String(r.hparams[regime] ?? "(unset)") === v)])
    : [[null, s]];
  const findings: Finding[] = [];
  const notChecked: Array<{ check: string; reason: string }> = [];
  let first: LrSweepResult | undefined;
  let warmupPlan: WarmupPlan | undefined;
  for (const [value, sub] of parts) {
    const where = value === null ? "" : `${regime} = ${value}`;
    if (value !== null && learningRateCount(sub) < 3) {
      notChecked.push({ check: `learning-rate sweep with ${where}`, reason: `only ${learningRateCount(sub)} learning rate(s) in this regime (< 3)` });
      continue;
    }
    const sweep = learningRateSweep(sub, o);
    first ??= sweep;
    const tag = (f: Finding): Finding => (value === null ? f : { ...f, message: `(${where}) ${f.message}`, evidence: { ...f.evidence, regime, regimeValue: value } });
    findings.push(...sweep.findings.map(tag));
    if (!sweep.unstableAbove.length) continue;
    const maxSteps = Math.max(0, ...sub.trialRows().map((r) => r.steps ?? 0));
    // A warmup plan needs real training steps and unstable curves, not a handful of epochs or failures alone.
    if (maxSteps < MIN_PLAN_STEPS) {
      notChecked.push({ check: `warmup plan${where ? ` (${where})` : ""}`, reason: `the runs log at most ${maxSteps} steps (< ${MIN_PLAN_STEPS}): too coarse to place a warmup` });
      continue;
    }
    const plan = warmupPlanFromSweep(sweep, maxSteps);
    if (plan) {
      warmupPlan ??= plan;
      findings.push(...plan.findings.map(tag));
    }
  }
  const base = first ?? learningRateSweep(s, o);
  return { ...base, ...(warmupPlan ? { warmupPlan } : {}), regime: regime ?? null, findings, notChecked };
}

export const instabilityAnalysis = defineAnalysis({
  name: "instability",
  summary: "instability: the largest stable learning rate lr*, unstable curves above it, and a warmup sweep to fix them",
  options: {
    lrParam: option.string("the learning-rate hyperparameter (default: learning_rate, lr…)"),
    metric: option.string("the loss metric whose curves are checked (default: the training loss)"),
  },
  applies: (s) => (learningRateCount(s) < 2 ? "fewer than 2 learning rates" : s.measurementCount === 0 ? "the log has no curves" : true),
  run: (s, o) => instability(s, o),
});
