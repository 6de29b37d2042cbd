/**
 * The analyses stay linear at scale without cheating: what `review` finds does not depend on the
 * order the measurement rows came in (no analysis relies on a trial's rows being contiguous or
 * sorted), and on a study large enough that the selection passes engage (hundreds of thousands of
 * norms, buckets over the sort cut), the gradient-norm quantiles and spikes are those of the rule
 * written here: sort the finite norms and read type-7 quantiles; a spike is a norm above 5× the
 * median of the previous 50 finite norms (at least 5 of them).
 */
import { describe, expect, it } from "vitest";
import { review } from "../../src/analysis/review.js";
import { gradientClipping } from "../../src/analysis/clipping.js";
import { StudyBuilder } from "../../src/study/builder.js";
import type { Study } from "../../src/study/study.js";
import { mulberry32 } from "../../src/util/random.js";

interface Row {
  trial: string;
  step: number;
  metric: string;
  value: number;
}

/** Rows of a learning-rate sweep with train/loss and grad_norm per step, validation/loss every 10 steps. */
function sweepRows(trials: number, steps: number, seed: number): { rows: Row[]; hparams: Map<string, Record<string, number | string>> } {
  const r = mulberry32(seed);
  const rows: Row[] = [];
  const hparams = new Map<string, Record<string, number | string>>();
  for (let t = 0; t < trials; t++) {
    const id = `t${t}`;
    const lr = 10 ** (-4 + 4 * r());
    hparams.set(id, { learning_rate: lr, dropout: Math.round(r() * 5) / 10, activation: ["relu", "gelu", "tanh"][t % 3]! });
    const floor = 0.2 + 0.1 * (Math.log10(lr) + 2) ** 2;
    const diverge = lr > 0.4 ? Math.floor(steps * (0.2 + 0.5 * r())) : Infinity;
    for (let s = 1; s <= steps; s++) {
      const bad = s >= diverge;
      const base = floor + 2 * Math.exp(-s / (steps / 8));
      rows.push({ trial: id, step: s, metric: "train/loss", value: bad ? NaN : base + 0.02 * (r() - 0.5) });
      rows.push({ trial: id, step: s, metric: "grad_norm", value: bad ? Infinity : (0.5 + 2 * Math.exp(-s / 300) + 0.3 * r()) * (r() < 0.003 ? 12 : 1) });
      if (s % 10 === 0) rows.push({ trial: id, step: s, metric: "validation/loss", value: bad ? NaN : base + 0.05 + 0.01 * (r() - 0.5) });
    }
  }
  return { rows, hparams };
}

function studyFrom(rows: Row[], hparams: Map<string, Record<string, number | string>>): Study {
  const b = new StudyBuilder("sweep", { metric: "validation/loss", direction: "minimize" });
  for (const [id, hp] of hparams) b.trial({ id, hparams: hp });
  rows.forEach((m, i) => b.measure(m.trial, m.step, m.metric, m.value, i + 2));
  return b.build();
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const r = mulberry32(seed);
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Results as JSON without the study object itself. */
const resultsJson = (s: Study) => JSON.stringify(review(s).results);

describe("analyses at scale", () => {
  it("review gives the same results whatever order the measurement rows come in", () => {
    const { rows, hparams } = sweepRows(40, 400, 5);
    const inOrder = studyFrom(rows, hparams);
    const mixed = studyFrom(shuffled(rows, 9), hparams);
    expect(mixed.measurementCount).toBe(inOrder.measurementCount);
    const a = resultsJson(inOrder);
    expect(JSON.parse(a).clipping.quantiles.n).toBeGreaterThan(10_000);
    expect(resultsJson(mixed)).toBe(a);
  });

  it("gradient-norm quantiles and spikes on 300,000 norms are those of sorting them", () => {
    const { rows, hparams } = sweepRows(30, 10_000, 7);
    const study = studyFrom(rows, hparams);
    const r = gradientClipping(study);
    const norms = rows.filter((m) => m.metric === "grad_norm");
    const finite = Float64Array.from(norms.map((m) => m.value).filter(Number.isFinite)).sort();
    const q = (xs: Float64Array, p: number) => {
      const idx = (xs.length - 1) * p;
      const lo = Math.floor(idx);
      return lo === idx ? xs[lo]! : xs[lo]! + (idx - lo) * (xs[lo + 1]! - xs[lo]!);
    };
    expect(r.quantiles!.n).toBe(finite.length);
    expect(finite.length).toBeGreaterThan(250_000);
    expect(r.nonFinite).toBe(norms.length - finite.length);
    expect([r.quantiles!.min, r.quantiles!.p10, r.quantiles!.p50, r.quantiles!.p90, r.quantiles!.p99, r.quantiles!.max]).toEqual([0, 0.1, 0.5, 0.9, 0.99, 1].map((p) => q(finite, p)));
    expect(r.recommendedThreshold).toBe(q(finite, 0.9));
    expect(r.clippedFraction).toBe(finite.filter((v) => v > q(finite, 0.9)).length / finite.length);
    for (const t of r.perTrial.slice(0, 4)) {
      const own = norms.filter((m) => m.trial === t.trial);
      const fin = Float64Array.from(own.map((m) => m.value).filter(Number.isFinite)).sort();
      expect(t.threshold).toBe(q(fin, 0.9));
      // Spikes by the rule: previous 50 finite norms, sorted, their median.
      const want: number[] = [];
      const seen: number[] = [];
      for (const m of own) {
        if (!Number.isFinite(m.value)) continue;
        const win = Float64Array.from(seen.slice(-50)).sort();
        if (win.length >= 5 && q(win, 0.5) > 0 && m.value > 5 * q(win, 0.5)) want.push(m.step);
        seen.push(m.value);
      }
      expect(t.spikes.map((s) => s.step)).toEqual(want);
      expect(want.length).toBeGreaterThan(0);
    }
  });
});
