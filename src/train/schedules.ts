/**
 * Learning-rate schedules: constant, linear decay and cosine decay, optionally preceded by the
 * playbook's linear warmup ("ramp up from 0 to base_learning_rate over warmup_steps").
 *
 * For update s = 1..T with warmup W, decay length D (default T − W) and end factor e:
 *   s ≤ W:  lr = base · s / W
 *   s > W:  p = clamp((s − 1 − (T − D)) / D, 0, 1)     (0 until the last D updates, then rising)
 *           constant: base;  linear: base · (1 − (1 − e) p);  cosine: base · (e + (1 − e)(1 + cos πp)/2)
 * So the first update after warmup uses the full base rate and the decay reaches e·base one
 * step after the last update (no update is wasted at lr 0).
 */
import type { ScheduleConfig } from "./types.js";

/**
 * Learning rate applied at update `step` (1-based) of a `totalSteps`-update run.
 *
 * @example
 * learningRate({ name: "cosine", warmup_steps: 10 }, 0.1, 5, 110)   // 0.05 (warmup)
 * learningRate({ name: "cosine", warmup_steps: 10 }, 0.1, 11, 110)  // 0.1
 */
export function learningRate(schedule: ScheduleConfig, base: number, step: number, totalSteps: number): number {
  const w = schedule.warmup_steps ?? 0;
  if (w > 0 && step <= w) return (base * step) / w;
  if (schedule.name === "constant") return base;
  const d = Math.max(1, schedule.decay_steps ?? totalSteps - w);
  const e = schedule.end_factor ?? 0;
  const decayStart = Math.max(w, totalSteps - d);
  const p = Math.min(1, Math.max(0, (step - 1 - decayStart) / d));
  if (schedule.name === "linear") return base * (1 - (1 - e) * p);
  return base * (e + ((1 - e) * (1 + Math.cos(Math.PI * p))) / 2);
}

/**
 * The whole schedule as an array (index i = update i + 1), e.g. to plot it.
 *
 * @example
 * scheduleValues({ name: "linear" }, 1, 4) // [1, 0.75, 0.5, 0.25]
 */
export function scheduleValues(schedule: ScheduleConfig, base: number, totalSteps: number): number[] {
  return Array.from({ length: totalSteps }, (_, i) => learningRate(schedule, base, i + 1, totalSteps));
}

/**
 * Round 2 schedule from a Round 1 schedule (playbook, "Round 2"; the step counts of the two rounds
 * come from `roundsPlan` in analysis/trainingSteps.ts): keep the decay length of Round 1
 * and spend the extra steps at the base rate before it; cosine keeps its base rate and decays over
 * the whole longer run. Warmup is kept as is.
 *
 * @example
 * const r2 = round2Schedule({ name: "linear", warmup_steps: 100 }, 1000, 4000);
 * // r2.decay_steps === 900: the rate stays at base until step 3100, then decays over 900 steps
 */
export function round2Schedule(round1: ScheduleConfig, round1Steps: number, round2Steps: number): ScheduleConfig {
  const w = round1.warmup_steps ?? 0;
  if (round1.name === "constant") return { ...round1 };
  const decay = round1.decay_steps ?? round1Steps - w;
  if (round1.name === "cosine") {
    const { decay_steps: _drop, ...rest } = round1;
    return rest; // cosine over the whole (longer) run
  }
  return { ...round1, decay_steps: Math.min(decay, round2Steps - w) };
}
