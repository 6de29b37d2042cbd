/** Training on TensorFlow.js: the playbook's optimizers, schedules, clipping, evaluation and backends. */
export * from "./types.js";
export * from "./config.js";
export * from "./hparams.js";
export * from "./backend.js";
export { loadDataset, toTensors, batchIndices, type Dataset as TrainDataset, type DatasetTensors } from "./data.js";
export { buildModel, userModel, dense, conv2dSame, ownedVariable, type Net } from "./models.js";
export * from "./optimizers.js";
export * from "./schedules.js";
export * from "./clipping.js";
export { evaluate as evaluateNet, perExampleLoss, correctCount, type Task as TrainTask } from "./evaluate.js";
export * from "./checkpoints.js";
export * from "./train.js";
export * from "./throughput.js";
export * from "./memory.js";
