/**
 * The update rules of the playbook's FAQ ("What are the update rules for all the popular
 * optimization algorithms?"), written directly on tf variables. tfjs's built-in optimizers are not
 * used: their rules differ in details (RMSProp's v0, where ε sits, no NAdam, no decoupled decay).
 *
 * Notation (t counts updates from 1; g = gradient; η = scheduled learning rate of this update):
 *   sgd       θ ← θ − η g
 *   momentum  v ← γ v + g;                θ ← θ − η v
 *   nesterov  v ← γ v + g;                θ ← θ − η (γ v + g)
 *   rmsprop   v ← ρ v + (1−ρ) g² (v0 = 1); m ← γ m + η g / √(v + ε);  θ ← θ − m
 *   adam      m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  b = √(1−β2^t)/(1−β1^t)
 *             θ ← θ − η b m / (√v + ε)
 *   nadam     as adam, but θ ← θ − η b (β1 m + (1−β1) g) / (√v + ε)
 * Weight decay λ: "l2" adds λθ to g before the rule; "decoupled" also subtracts η λ θ (θ before the
 * update) after it, as AdamW/SGDW do.
 */
import * as tf from "@tensorflow/tfjs";
import { ownedVariable } from "./models.js";
import type { OptimizerConfig, OptimizerName, WeightDecayMode } from "./types.js";

/** Hyperparameters of an optimizer with every default filled in. */
export interface ResolvedOptimizer {
  name: OptimizerName;
  learning_rate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
  rho: number;
  weight_decay: number;
  weight_decay_mode: WeightDecayMode;
}

/**
 * Fill the defaults of an optimizer config: β1 0.9, β2 0.999, ε 1e-8, ρ 0.9, momentum 0.9 for
 * momentum/nesterov and 0 for rmsprop, weight decay 0 (decoupled).
 *
 * @example
 * resolveOptimizer({ name: "rmsprop", learning_rate: 0.01 }).momentum // 0
 */
export function resolveOptimizer(c: OptimizerConfig): ResolvedOptimizer {
  return {
    name: c.name,
    learning_rate: c.learning_rate,
    beta1: c.beta1 ?? 0.9,
    beta2: c.beta2 ?? 0.999,
    epsilon: c.epsilon ?? 1e-8,
    momentum: c.momentum ?? (c.name === "rmsprop" ? 0 : 0.9),
    rho: c.rho ?? 0.9,
    weight_decay: c.weight_decay ?? 0,
    weight_decay_mode: c.weight_decay_mode ?? "decoupled",
  };
}

/** An optimizer bound to a list of parameters; its state (slots, step count) lives in tf variables. */
export interface ParamOptimizer {
  readonly config: ResolvedOptimizer;
  /** Number of updates applied so far. */
  readonly step: number;
  /**
   * Apply one update with learning rate `lr` (the schedule's value for this step). `grads[i]` is the
   * gradient of `params[i]`. Call inside tf.tidy; the gradients are not disposed here.
   */
  apply(grads: tf.Tensor[], lr: number): void;
  /** Slot variables (for checkpoints): name → variables per parameter. */
  slots(): Record<string, tf.Variable[]>;
  dispose(): void;
}

/**
 * Create an optimizer for `params` following the playbook's update rule for `config.name`.
 *
 * @example
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const opt = createOptimizer({ name: "adam", learning_rate: 0.1 }, [w]);
 * tf.tidy(() => opt.apply([tf.tensor1d([0.5, -1])], 0.1));
 */
export function createOptimizer(config: OptimizerConfig, params: tf.Variable[]): ParamOptimizer {
  const c = resolveOptimizer(config);
  const slot = (init: number) => params.map((p) => ownedVariable(tf.fill(p.shape, init, "float32"), false));
  const slotVars: Record<string, tf.Variable[]> = {};
  switch (c.name) {
    case "momentum":
    case "nesterov":
      slotVars.v = slot(0);
      break;
    case "rmsprop":
      slotVars.v = slot(1); // the playbook starts RMSProp's second moment at 1
      if (c.momentum > 0) slotVars.m = slot(0);
      break;
    case "adam":
    case "nadam":
      slotVars.m = slot(0);
      slotVars.v = slot(0);
      break;
    case "sgd":
      break;
  }
  let t = 0;
  const wd = c.weight_decay;

  return {
    config: c,
    get step() {
      return t;
    },
    slots: () => slotVars,
    apply(grads: tf.Tensor[], lr: number) {
      t += 1;
      const b = Math.sqrt(1 - c.beta2 ** t) / (1 - c.beta1 ** t);
      params.forEach((p, i) => {
        let g = grads[i]!;
        if (wd > 0 && c.weight_decay_mode === "l2") g = tf.add(g, tf.mul(p, wd));
        let delta: tf.Tensor; // θ ← θ − delta
        switch (c.name) {
          case "sgd":
            delta = tf.mul(g, lr);
            break;
          case "momentum":
          case "nesterov": {
            const v = tf.add(tf.mul(slotVars.v![i]!, c.momentum), g);
            slotVars.v![i]!.assign(v);
            delta = c.name === "momentum" ? tf.mul(v, lr) : tf.mul(tf.add(tf.mul(v, c.momentum), g), lr);
            break;
          }
          case "rmsprop": {
            const v = tf.add(tf.mul(slotVars.v![i]!, c.rho), tf.mul(tf.square(g), 1 - c.rho));
            slotVars.v![i]!.assign(v);
            const step = tf.div(tf.mul(g, lr), tf.sqrt(tf.add(v, c.epsilon)));
            if (slotVars.m) {
              const m = tf.add(tf.mul(slotVars.m[i]!, c.momentum), step);
              slotVars.m[i]!.assign(m);
              delta = m;
            } else delta = step;
            break;
          }
          case "adam":
          case "nadam": {
            const m = tf.add(tf.mul(slotVars.m![i]!, c.beta1), tf.mul(g, 1 - c.beta1));
            const v = tf.add(tf.mul(slotVars.v![i]!, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
            slotVars.m![i]!.assign(m);
            slotVars.v![i]!.assign(v);
            const num = c.name === "adam" ? m : tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
            delta = tf.mul(tf.div(num, tf.add(tf.sqrt(v), c.epsilon)), lr * b);
            break;
          }
        }
        if (wd > 0 && c.weight_decay_mode === "decoupled") delta = tf.add(delta, tf.mul(p, lr * wd));
        p.assign(tf.sub(p, delta));
      });
    },
    dispose() {
      for (const vs of Object.values(slotVars)) for (const v of vs) v.dispose();
    },
  };
}
