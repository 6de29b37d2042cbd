/** The hyperparameters of every trial of a study, from its search space and sampler. */
import { resolve } from "node:path";
import type { HpValue } from "../study/types.js";
import { TunebookError, isInfeasible } from "../study/types.js";
import type { Study } from "../study/study.js";
import { parseSpace } from "../space/parse.js";
import { sample, sampleAt } from "../space/sample.js";
import { suggestBo, type BoObservation } from "../space/bo.js";
import type { GpHyper } from "../surrogate/gaussianProcess.js";
import type { SearchSpace } from "../space/spec.js";
import type { StudyConfig } from "./config.js";
import type { TrialRecord } from "../study/store.js";

/**
 * Trial i's hyperparameters, computed when asked for: a pure function of (space, sampler, seed,
 * i), the same on every machine and shard, unchanged when the study is extended. Nothing is
 * materialized up front, so a study of a million trials starts as fast as one of ten. (Not for
 * `sampler: bo`, whose points depend on the results: see {@link trialSampler}.)
 *
 * @example
 * const pointAt = studyPoints(loadStudyConfig("examples/studies/command-demo.yaml"));
 * pointAt(3); // { learning_rate: …, weight_decay: …, activation: "tanh" }
 */
export function studyPoints(config: StudyConfig): (index: number) => Record<string, HpValue> {
  if (config.points) {
    const points = config.points;
    return (i) => {
      const r = Object.create(null) as Record<string, HpValue>;
      for (const [k, v] of Object.entries(points[i]!)) r[k] = v;
      return r;
    };
  }
  if (config.sampler === "bo") throw new TunebookError("the bo sampler's points depend on the trials' results; run the study (or use `tunebook space suggest`)", config.file, undefined, "sampler");
  const space = parseSpace(config.spaceObject, config.file ?? "space");
  const sampler = config.sampler;
  return (i) => sampleAt(space, i, { sampler, seed: config.seed, scramble: config.scramble }) as Record<string, HpValue>;
}

/**
 * Every trial's hyperparameters at once (for small studies and tests; the runner asks
 * {@link trialSampler} one trial at a time).
 *
 * @example
 * const points = await sampleStudyPoints(loadStudyConfig("examples/studies/command-demo.yaml"));
 * points.length; // 16
 */
export async function sampleStudyPoints(config: StudyConfig): Promise<Array<Record<string, HpValue>>> {
  if (config.points) {
    const at = studyPoints(config);
    return Array.from({ length: config.trials }, (_, i) => at(i));
  }
  if (config.sampler === "bo") throw new TunebookError("the bo sampler's points depend on the trials' results; run the study (or use `tunebook space suggest`)", config.file, undefined, "sampler");
  const space = parseSpace(config.spaceObject, config.file ?? "space");
  return sample(space, { sampler: config.sampler, n: config.trials, seed: config.seed, start: 0, scramble: config.scramble }) as Array<Record<string, HpValue>>;
}

/** What the runner knows when a worker frees up: every record in the study folder (all shards). */
export interface SamplerState {
  records: ReadonlyMap<number, TrialRecord>;
}

/** The runner's sampler seam: the hyperparameters of trial `index`, asked for when it starts. */
export interface TrialSampler {
  pointFor(index: number, state: SamplerState): Promise<Record<string, HpValue>>;
}

/**
 * The sampler a study config asks for. Static samplers (halton, random, grid, points) compute
 * each point from its index when asked; `bo` suggests each trial from the finished ones (plus the warm-start studies),
 * treating the running ones as pending (constant liar), and reuses a record's points on resume.
 *
 * @example
 * const s = await trialSampler(cfg);
 * await s.pointFor(0, { records: new Map() });
 */
export async function trialSampler(config: StudyConfig): Promise<TrialSampler> {
  if (config.sampler !== "bo" || config.points) {
    const pointAt = studyPoints(config);
    return { pointFor: async (i) => pointAt(i) };
  }
  const space = parseSpace(config.spaceObject, config.file ?? "space");
  const bo = config.bo ?? {};
  const warm: BoObservation[] = [];
  for (const dir of [bo.warmStart ?? []].flat()) warm.push(...(await warmStartObservations(resolve(config.baseDir, dir), space, config.objective)));
  let hyper: GpHyper | undefined;
  // Points handed out but not yet on disk as a record (workers start in the same tick).
  const issued = new Map<number, Record<string, HpValue>>();
  return {
    async pointFor(index, state) {
      const own = state.records.get(index);
      if (own && own.hparams && Object.keys(own.hparams).length > 0) return own.hparams; // resumed: same point
      const obs: BoObservation[] = [...warm];
      const pending: Array<Record<string, HpValue>> = [];
      for (const r of state.records.values()) {
        if (r.index === index) continue;
        if (r.status === "running") pending.push(r.hparams);
        else obs.push(recordObservation(r));
      }
      for (const [i, h] of issued) if (i !== index && !state.records.has(i)) pending.push(h);
      const res = suggestBo(space, obs, 1, { direction: config.objective.direction, acquisition: bo.acquisition, kappa: bo.kappa, initial: bo.initial, seed: config.seed, index, pending, hyper });
      hyper = res.hyper ?? hyper;
      const point = res.suggestions[0]!.hparams;
      issued.set(index, point);
      return point;
    },
  };
}

/** A runner record as an observation: its best objective value, feasible when complete with a finite value. */
export function recordObservation(r: TrialRecord): BoObservation {
  const v = r.attrs?.best;
  const value = typeof v === "number" && Number.isFinite(v) ? v : null;
  return { hparams: r.hparams, value, feasible: r.status === "complete" && value !== null };
}

/**
 * Observations from an existing study folder (any format `loadStudy` reads) for a warm start: each
 * trial's best value of the same objective metric; infeasible trials are kept as infeasible.
 *
 * @example
 * const obs = await warmStartObservations("runs/explore", space, { metric: "validation/accuracy", direction: "maximize" });
 */
export async function warmStartObservations(dir: string, space: SearchSpace, objective: { metric: string; direction: string }): Promise<BoObservation[]> {
  const { loadStudy } = await import("../study/load.js");
  const study = await loadStudy(dir);
  if (study.objective.metric !== objective.metric)
    throw new TunebookError(`the warm-start study optimizes "${study.objective.metric}", this study "${objective.metric}": warm start needs the same objective`, dir, undefined, "bo.warmStart");
  return studyObservations(study, space);
}

/**
 * A loaded study's trials as observations for {@link suggestBo} (hyperparameters outside `space`
 * dropped; running trials come back as `pending`).
 *
 * @example
 * const { observations, pending } = studyObservations(study, study.space!);
 */
export function studyObservations(study: Study, space: SearchSpace): BoObservation[] & { pending: Array<Record<string, HpValue>> } {
  const names = new Set(space.params.map((p) => p.name));
  const pending: Array<Record<string, HpValue>> = [];
  const out: BoObservation[] = [];
  for (const r of study.trialRows()) {
    const hparams = Object.create(null) as Record<string, HpValue>;
    for (const [k, v] of Object.entries(r.hparams)) if (names.has(k)) hparams[k] = v;
    // Fixed parameters of this space that the old study did not record take their value.
    for (const p of space.params) if (p.type === "fixed" && !(p.name in hparams)) hparams[p.name] = p.value;
    if (r.status === "running") {
      pending.push(hparams);
      continue;
    }
    const value = r.best;
    const feasible = !isInfeasible(r.status) && value !== null && Number.isFinite(value);
    out.push({ hparams, value: feasible ? value : null, feasible });
  }
  return Object.assign(out, { pending });
}
