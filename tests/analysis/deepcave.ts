/**
 * Test helper: the DeepCAVE MNIST study (run_1) through the DeepCAVE loader (declared search space,
 * configurations as trials, CRASHED at the final budget = failed), loaded once per test file.
 */
import type { Study } from "../../src/study/study.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA } from "../helpers/cli.js";

let cached: Promise<Study> | undefined;

export function deepcave(): Promise<Study> {
  cached ??= loadStudy(`${DATA}deepcave_mnist/run_1`);
  return cached;
}
