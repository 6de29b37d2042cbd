/**
 * Map a flat hyperparameter sample (a point of a search space) onto a TrainConfig, so a study's
 * trials are ordinary training configs.
 */
import { TunebookError, type HpValue } from "../study/types.js";
import { validateTrainConfig } from "./config.js";
import type { TrainConfig } from "./types.js";

type Setter = (c: TrainConfig, v: HpValue, name: string) => void;

function num(v: HpValue, name: string): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  throw new TunebookError(`expected a finite number, got ${JSON.stringify(v)}`, undefined, undefined, name);
}
function int(v: HpValue, name: string): number {
  return Math.round(num(v, name));
}
function str(v: HpValue, name: string): string {
  if (typeof v === "string") return v;
  throw new TunebookError(`expected a string, got ${JSON.stringify(v)}`, undefined, undefined, name);
}

const opt = (key: string, conv: (v: HpValue, n: string) => unknown = num): Setter =>
  (c, v, n) => { (c.optimizer as unknown as Record<string, unknown>)[key] = conv(v, n); };
const sched = (key: string, conv: (v: HpValue, n: string) => unknown = int): Setter =>
  (c, v, n) => { (c.schedule as unknown as Record<string, unknown>)[key] = conv(v, n); };

function setWidth(c: TrainConfig, v: HpValue, n: string): void {
  const w = int(v, n);
  if (c.model.name === "mlp") c.model.hidden = c.model.hidden.map(() => w);
  else c.model.dense = w;
}

/** Hyperparameter names understood by hparamsToTrainConfig (besides dotted config paths). */
const SETTERS: Record<string, Setter> = Object.assign(Object.create(null) as Record<string, Setter>, {
  learning_rate: opt("learning_rate"),
  lr: opt("learning_rate"),
  base_learning_rate: opt("learning_rate"),
  beta1: opt("beta1"),
  beta2: opt("beta2"),
  one_minus_beta1: opt("beta1", (v, n) => 1 - num(v, n)),
  one_minus_beta2: opt("beta2", (v, n) => 1 - num(v, n)),
  epsilon: opt("epsilon"),
  eps: opt("epsilon"),
  momentum: opt("momentum"),
  one_minus_momentum: opt("momentum", (v, n) => 1 - num(v, n)),
  rho: opt("rho"),
  weight_decay: opt("weight_decay"),
  l2: (c: TrainConfig, v: HpValue, n: string) => { c.optimizer.weight_decay = num(v, n); c.optimizer.weight_decay_mode = "l2"; },
  weight_decay_mode: opt("weight_decay_mode", str),
  optimizer: opt("name", str),
  schedule: sched("name", str),
  lr_schedule: sched("name", str),
  warmup_steps: sched("warmup_steps"),
  decay_steps: sched("decay_steps"),
  end_factor: sched("end_factor", num),
  batch_size: (c: TrainConfig, v: HpValue, n: string) => { c.batch_size = int(v, n); },
  steps: (c: TrainConfig, v: HpValue, n: string) => { c.steps = int(v, n); },
  max_train_steps: (c: TrainConfig, v: HpValue, n: string) => { c.steps = int(v, n); },
  eval_every: (c: TrainConfig, v: HpValue, n: string) => { c.eval_every = int(v, n); },
  seed: (c: TrainConfig, v: HpValue, n: string) => { c.seed = int(v, n); },
  clip_norm: (c: TrainConfig, v: HpValue, n: string) => { c.clip_norm = num(v, n) > 0 ? num(v, n) : null; },
  dropout: (c: TrainConfig, v: HpValue, n: string) => { c.model.dropout = num(v, n); },
  hidden_units: setWidth,
  units: setWidth,
  width: setWidth,
  num_layers: (c: TrainConfig, v: HpValue, n: string) => {
    if (c.model.name !== "mlp") throw new TunebookError("num_layers applies to the mlp model only", undefined, undefined, n);
    const w = c.model.hidden[0] ?? 256;
    c.model.hidden = Array.from({ length: int(v, n) }, () => w);
  },
  activation: (c: TrainConfig, v: HpValue, n: string) => {
    if (c.model.name !== "mlp") throw new TunebookError("activation applies to the mlp model only", undefined, undefined, n);
    c.model.activation = str(v, n) as "relu";
  },
  filters: (c: TrainConfig, v: HpValue, n: string) => {
    if (c.model.name !== "cnn") throw new TunebookError("filters applies to the cnn model only", undefined, undefined, n);
    const f = int(v, n);
    c.model.filters = c.model.filters.map((_, i) => f * 2 ** i);
  },
});

/** Set a dotted path like `optimizer.beta1` or `checkpoints.keep` inside a JSON config. */
function setPath(c: TrainConfig, path: string, v: HpValue): boolean {
  const parts = path.split(".");
  if (parts.some((p) => p === "__proto__" || p === "constructor" || p === "prototype")) return false;
  let obj = c as unknown as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) {
    const next = obj[p];
    if (next === undefined) obj[p] = {};
    else if (typeof next !== "object" || next === null || Array.isArray(next)) return false;
    obj = obj[p] as Record<string, unknown>;
  }
  obj[parts[parts.length - 1]!] = v;
  return true;
}

/**
 * Override fields of `base` from flat hyperparameter names (learning_rate, beta1, beta2, epsilon,
 * momentum, rho, weight_decay, weight_decay_mode, optimizer, schedule, warmup_steps, decay_steps,
 * end_factor, batch_size, steps, clip_norm, dropout, hidden_units, num_layers, activation, filters,
 * seed, one_minus_beta1/beta2/momentum) or dotted config paths (`optimizer.rho`). `null` values
 * (inactive conditional hyperparameters) are skipped. Unknown names and bad values throw
 * TunebookError naming the hyperparameter. `base` is not modified.
 *
 * @example
 * const cfg = hparamsToTrainConfig(defaultTrainConfig(), { learning_rate: 3e-3, one_minus_beta1: 0.05, warmup_steps: 50 });
 * // cfg.optimizer.beta1 === 0.95, cfg.schedule.warmup_steps === 50
 */
export function hparamsToTrainConfig(base: TrainConfig, hparams: Record<string, HpValue>): TrainConfig {
  const c = structuredClone(base);
  for (const name of Object.keys(hparams)) {
    const v = hparams[name]!;
    if (v === null || v === undefined) continue;
    const set = SETTERS[name];
    if (set) set(c, v, name);
    else if (!(name.includes(".") && setPath(c, name, v))) {
      throw new TunebookError(
        `unknown hyperparameter (known: ${Object.keys(SETTERS).join(", ")}, or a dotted config path like optimizer.rho)`,
        undefined, undefined, name,
      );
    }
  }
  return validateTrainConfig(c);
}

/** Names hparamsToTrainConfig understands directly. @example KNOWN_HPARAMS.includes("beta1") // true */
export const KNOWN_HPARAMS: readonly string[] = Object.keys(SETTERS);
