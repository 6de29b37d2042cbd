/** The hyperparameters of every trial of a study, from its search space and sampler. */
import type { HpValue } from "../study/types.js";
import type { StudyConfig } from "./config.js";

/**
 * Trial i's hyperparameters are a pure function of (space, sampler, seed, i): the same on every
 * machine and shard, and unchanged when the study is extended.
 */
export async function sampleStudyPoints(config: StudyConfig): Promise<Array<Record<string, HpValue>>> {
  const space = await import("../space/index.js");
  const parsed = space.parseSpace(config.spaceObject as never, config.file ?? "space");
  return space.sample(parsed, { sampler: config.sampler, n: config.trials, seed: config.seed, start: 0, scramble: config.scramble }) as Array<Record<string, HpValue>>;
}
