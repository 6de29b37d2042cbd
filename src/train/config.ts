/**
 * Validation and defaults for TrainConfig. Everything a user gives is checked here (at the edge);
 * the training loop then trusts the resolved config.
 */
import { z } from "zod";
import { TunebookError } from "../study/types.js";
import type { TrainConfig } from "./types.js";

const pos = z.number().finite().positive();
const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const unit = z.number().finite().min(0).max(1);

const model = z.discriminatedUnion("name", [
  z.object({
    name: z.literal("mlp"),
    hidden: z.array(posInt),
    activation: z.enum(["relu", "tanh", "sigmoid", "elu"]).optional(),
    dropout: unit.lt(1).optional(),
  }).strict(),
  z.object({
    name: z.literal("cnn"),
    filters: z.array(posInt).min(1).max(2),
    kernel_size: posInt.optional(),
    dense: nonNegInt.optional(),
    dropout: unit.lt(1).optional(),
  }).strict(),
]);

const data = z.discriminatedUnion("name", [
  z.object({ name: z.literal("mnist"), n_train: posInt.max(8000).optional(), n_validation: posInt.max(2000).optional() }).strict(),
  z.object({
    name: z.literal("synthetic-classification"),
    n: posInt, n_validation: posInt.optional(), features: posInt.optional(), classes: posInt.min(2).optional(),
    noise: z.number().finite().nonnegative().optional(), seed: z.number().int().optional(),
  }).strict(),
  z.object({
    name: z.literal("synthetic-regression"),
    n: posInt, n_validation: posInt.optional(), features: posInt.optional(), outputs: posInt.optional(),
    noise: z.number().finite().nonnegative().optional(), seed: z.number().int().optional(),
  }).strict(),
]);

const optimizer = z.object({
  name: z.enum(["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"]),
  learning_rate: z.number().finite().nonnegative(),
  beta1: unit.lt(1).optional(),
  beta2: unit.lt(1).optional(),
  epsilon: z.number().finite().nonnegative().optional(),
  momentum: unit.lt(1).optional(),
  rho: unit.lt(1).optional(),
  weight_decay: z.number().finite().nonnegative().optional(),
  weight_decay_mode: z.enum(["decoupled", "l2"]).optional(),
}).strict();

const schedule = z.object({
  name: z.enum(["constant", "linear", "cosine"]),
  warmup_steps: nonNegInt.optional(),
  decay_steps: posInt.optional(),
  end_factor: z.number().finite().nonnegative().optional(),
}).strict();

const trainConfig = z.object({
  model,
  data,
  optimizer,
  schedule,
  batch_size: posInt,
  steps: posInt,
  eval_every: posInt,
  eval_batch_size: posInt.optional(),
  log_every: posInt.optional(),
  clip_norm: pos.nullable().optional(),
  seed: z.number().int(),
  backend: z.enum(["auto", "node-gpu", "node", "wasm", "cpu"]).optional(),
  checkpoints: z.object({ keep: nonNegInt, dir: z.string().optional() }).strict().optional(),
  divergence: z.object({ loss_factor: pos.optional() }).strict().optional(),
  objective: z.object({ metric: z.string(), direction: z.enum(["minimize", "maximize"]) }).strict().optional(),
}).strict();

/**
 * Check a TrainConfig (e.g. parsed from JSON) and return it typed; throws TunebookError naming the
 * first bad field and what was expected.
 *
 * @example
 * const cfg = validateTrainConfig(JSON.parse(text), "trial.json");
 */
export function validateTrainConfig(input: unknown, file?: string): TrainConfig {
  const r = trainConfig.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.map(String).join(".") || undefined;
    throw new TunebookError(`invalid training config: ${issue.message}`, file, undefined, field);
  }
  return r.data as TrainConfig;
}

/**
 * A small default config: MLP 784-256-256-10 on MNIST, Adam 1e-3, constant schedule.
 *
 * @example
 * const cfg = { ...defaultTrainConfig(), steps: 300 };
 */
export function defaultTrainConfig(): TrainConfig {
  return {
    model: { name: "mlp", hidden: [256, 256] },
    data: { name: "mnist" },
    optimizer: { name: "adam", learning_rate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0, weight_decay_mode: "decoupled" },
    schedule: { name: "constant", warmup_steps: 0 },
    batch_size: 128,
    steps: 500,
    eval_every: 100,
    seed: 0,
    backend: "auto",
    checkpoints: { keep: 1 },
  };
}
