/** The hyperparameters of every trial of a study, from its search space and sampler. */
import type { HpValue } from "../study/types.js";
import { parseSpace } from "../space/parse.js";
import { sample, sampleAt } from "../space/sample.js";
import type { StudyConfig } from "./config.js";

/**
 * Trial i's hyperparameters, computed when asked for: a pure function of (space, sampler, seed,
 * i), the same on every machine and shard, unchanged when the study is extended. Nothing is
 * materialized up front, so a study of a million trials starts as fast as one of ten.
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
  const space = parseSpace(config.spaceObject, config.file ?? "space");
  return (i) => sampleAt(space, i, { sampler: config.sampler, seed: config.seed, scramble: config.scramble }) as Record<string, HpValue>;
}

/**
 * Every trial's hyperparameters at once (for small studies and tests; the runner uses studyPoints).
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
  const space = parseSpace(config.spaceObject, config.file ?? "space");
  return sample(space, { sampler: config.sampler, n: config.trials, seed: config.seed, start: 0, scramble: config.scramble }) as Array<Record<string, HpValue>>;
}
