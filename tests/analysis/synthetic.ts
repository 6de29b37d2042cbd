/** Test helper: synthetic studies whose answers are known by construction. */
import { StudyBuilder } from "../../src/study/builder.js";
import type { Study } from "../../src/study/study.js";
import type { HpValue, TrialStatus } from "../../src/study/types.js";
import type { SearchSpace } from "../../src/space/spec.js";
import { mulberry32 } from "../../src/analysis/common.js";

export interface SynthTrial {
  hparams: Record<string, HpValue>;
  y: number | null;
  status?: TrialStatus;
  group?: string;
}

/** Build a study from trials with a known objective (best = final = y). */
export function studyOf(trials: SynthTrial[], opts: { direction?: "minimize" | "maximize"; space?: SearchSpace; name?: string } = {}): Study {
  const b = new StudyBuilder(opts.name ?? "synthetic", { metric: "loss", direction: opts.direction ?? "minimize" });
  if (opts.space) b.space = opts.space;
  trials.forEach((t, i) => b.trial({ id: `t${i}`, hparams: t.hparams, status: t.status ?? "complete", final: t.y, best: t.y, group: t.group ?? null }));
  return b.build();
}

/** Uniform sampling in a space: lr log-uniform, the rest linear. */
export function sampler(seed: number) {
  const rnd = mulberry32(seed);
  return {
    rnd,
    log: (lo: number, hi: number) => 10 ** (Math.log10(lo) + rnd() * (Math.log10(hi) - Math.log10(lo))),
    lin: (lo: number, hi: number) => lo + rnd() * (hi - lo),
    normal: () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd()),
  };
}

export const SPACE: SearchSpace = {
  params: [
    { name: "lr", type: "float", low: 1e-4, high: 1e-1, scale: "log" },
    { name: "wd", type: "float", low: 0, high: 0.5, scale: "linear" },
    { name: "dropout", type: "float", low: 0, high: 0.9, scale: "linear" },
  ],
};

/** n trials in SPACE; loss = (log10 lr − log10 lrStar)² + noise; wd and dropout do not matter. */
export function lrStudy(n: number, lrStar: number, seed = 1, noise = 0.02, diverge?: (lr: number) => boolean): Study {
  const s = sampler(seed);
  const trials: SynthTrial[] = [];
  for (let i = 0; i < n; i++) {
    const lr = s.log(1e-4, 1e-1);
    const hp = { lr, wd: s.lin(0, 0.5), dropout: s.lin(0, 0.9) };
    const bad = diverge?.(lr) ?? false;
    trials.push({ hparams: hp, y: bad ? NaN : (Math.log10(lr) - Math.log10(lrStar)) ** 2 + noise * s.normal(), status: bad ? "diverged" : "complete" });
  }
  return studyOf(trials, { space: SPACE });
}
