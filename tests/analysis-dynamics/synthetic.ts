/** Curves made to show each problem (answers known by construction). */
import { StudyBuilder } from "../../src/study/builder.js";
import type { Direction } from "../../src/study/types.js";

export const T = 1000;
export const STEPS = Array.from({ length: 101 }, (_, i) => i * 10);

/** loss(t) = floor + amp·exp(−t/τ), plus `extra(t)`. */
export function expLoss(tau: number, floor = 1, amp = 2, extra: (t: number) => number = () => 0): number[] {
  return STEPS.map((t) => floor + amp * Math.exp(-t / tau) + extra(t));
}

/** Deterministic ±1 noise (a fixed LCG), so tests are reproducible. */
export function noise(seed: number): (i: number) => number {
  let s = seed >>> 0;
  const vals: number[] = [];
  for (let i = 0; i < 1000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    vals.push((s / 2 ** 32) * 2 - 1);
  }
  return (i) => vals[i % 1000]!;
}

export interface TrialSpec {
  id: string;
  train?: number[];
  val?: number[];
  hparams?: Record<string, number>;
  steps?: number[];
}

/** A study with `train_loss` and `val_loss` (or `val_acc` when maximizing) curves. */
export function studyOf(trials: TrialSpec[], direction: Direction = "minimize", valName = direction === "minimize" ? "val_loss" : "val_acc") {
  const b = new StudyBuilder("synthetic", { metric: valName, direction });
  for (const t of trials) {
    b.trial({ id: t.id, hparams: t.hparams ?? {} });
    const steps = t.steps ?? STEPS;
    t.train?.forEach((v, i) => b.measure(t.id, steps[i]!, "train_loss", v));
    t.val?.forEach((v, i) => b.measure(t.id, steps[i]!, valName, v));
  }
  return b.build();
}
