/**
 * Turn a raw corpus study into a tunebook Study for scoring (labels never go through this: they
 * are computed from the raw study in rules.ts).
 */
import { StudyBuilder } from "../src/study/builder.js";
import type { Study } from "../src/study/study.js";
import type { Param, SearchSpace } from "../src/space/spec.js";
import type { RawStudy } from "./sources.js";

/** A tunebook Study holding exactly a raw study's trials (objective as measured, curves as logged). */
export function toStudy(raw: RawStudy): Study {
  const b = new StudyBuilder(raw.name, raw.objective);
  if (raw.space) {
    const params: Param[] = Object.entries(raw.space).map(([name, p]) =>
      p.type === "categorical" ? ({ name, type: "categorical", values: [...new Set(raw.trials.map((t) => t.hparams[name]).filter((v): v is string | number | boolean => v !== null && v !== undefined))] } as Param) : ({ name, type: p.type, low: p.low!, high: p.high!, scale: p.log ? "log" : "linear" } as Param),
    );
    b.space = { params } as SearchSpace;
  }
  for (const t of raw.trials) {
    b.trial({ id: t.id, status: t.status, hparams: t.hparams, best: t.objective, final: t.curve && t.curve.values.length ? t.curve.values[t.curve.values.length - 1]! : t.objective });
    if (t.curve) for (let i = 0; i < t.curve.steps.length; i++) b.measure(t.id, t.curve.steps[i]!, raw.objective.metric, t.curve.values[i]!);
    if (t.train && raw.trainMetric) for (let i = 0; i < t.train.steps.length; i++) b.measure(t.id, t.train.steps[i]!, raw.trainMetric, t.train.values[i]!);
  }
  return b.build();
}

