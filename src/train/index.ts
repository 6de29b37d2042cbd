/** Training on TensorFlow.js: the playbook's optimizers, schedules, clipping, evaluation and backends. */
export * from "./types.js";
export * from "./config.js";
export * from "./hparams.js";
