/** The hyperparameters of every trial of a study, from its search space and sampler. */
import type { HpValue } from "../study/types.js";
import { parseSpace } from "../space/parse.js";
import { sample } from "../space/sample.js";
import type { StudyConfig } from "./config.js";

/**
 * Trial i's hyperparameters are a pure function of (space, sampler, seed, i): the same on every
 * machine and shard, and unchanged when the study is extended.
 *
 * @example
 * const points = await sampleStudyPoints(loadStudyConfig("examples/studies/command-demo.yaml"));
 * points[3]; // { learning_rate: …, weight_decay: …, activation: "tanh" }
 */
export async function sampleStudyPoints(config: StudyConfig): Promise<Array<Record<string, HpValue>>> {
  if (config.points) {
    return config.points.slice(0, config.trials).map((p) => {
      const r = Object.create(null) as Record<string, HpValue>;
      for (const [k, v] of Object.entries(p)) r[k] = v;
      return r;
    });
  }
  const space = parseSpace(config.spaceObject, config.file ?? "space");
  return sample(space, { sampler: config.sampler, n: config.trials, seed: config.seed, start: 0, scramble: config.scramble }) as Array<Record<string, HpValue>>;
}
