/**
 * tunebook: the Deep Learning Tuning Playbook, executable.
 * Public API: what the docs show. Internals (byte-level codecs, figure layout helpers, escapers)
 * stay in their modules; the statistics primitives are the `tunebook/stats` subpath.
 */
export * from "./study/index.js";
export * from "./space/index.js";
export * from "./analysis/finding.js";
export * from "./train/index.js";
export * from "./analysis/index.js";
export * from "./surrogate/index.js";
export * from "./runner/index.js";
export * from "./report/index.js";
export { loadJsonl } from "./study/formats/jsonl.js";
export { loadCsv } from "./study/formats/csv.js";
export { loadAlgoPerf, algoperfTarget, ALGOPERF_TARGETS, splitByGroup, splitByWorkload } from "./study/formats/algoperf.js";
export { loadTensorboard, readEventFile, scanEventFile, tensorScalar } from "./study/formats/tensorboard.js";
export type { ScalarEvent, EventFileResult } from "./study/formats/tensorboard.js";
export { loadOptunaJournal, loadOptunaCsv, distributionToParam, optunaStatus } from "./study/formats/optuna.js";
export type { OptunaDistribution } from "./study/formats/optuna.js";
export { loadOptunaRdb, listOptunaStudies } from "./study/formats/optunaRdb.js";
export type { OptunaStudyInfo } from "./study/formats/optunaRdb.js";
export { loadMlflow, listMlflowExperiments } from "./study/formats/mlflow.js";
export { loadParquet, exportStudyParquet } from "./study/formats/parquet.js";
export { watchStudy, type WatchOptions } from "./study/watch.js";
export { loadWandbCsv, parsePyLiteral, isWandbMetricColumn } from "./study/formats/wandb.js";
export { readAlgoPerfLogs, algoperfBenchmark, workloadName } from "./study/formats/algoperfEvals.js";
export type { AlgoPerfLogs, AlgoPerfTrial, AlgoPerfWorkload, AlgoPerfBenchmark, AlgoPerfRuleset } from "./study/formats/algoperfEvals.js";
export * from "./analysis/algoperfScore.js";
export * from "./analysis/compareAlgorithms.js";
export { loadDeepCave, configSpaceToSearchSpace } from "./study/formats/deepcave.js";
export * from "./plots/index.js";
export * from "./notebook/index.js";
