import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { createOptimizer, selectBackend, type OptimizerConfig } from "../../src/train/index.js";

// Expected values are computed here from the playbook FAQ's formulas with plain JS numbers.
const theta0 = [1, -2, 0.5];
const gradSeq = [
  [0.3, -0.1, 0.8],
  [-0.5, 0.2, 0.4],
  [0.1, 0.7, -0.6],
];
const lrs = [0.1, 0.05, 0.2]; // a different (scheduled) rate at each step

type Rule = (c: Required<Omit<OptimizerConfig, "name" | "learning_rate">>) => (theta: number[], g: number[], lr: number, t: number) => number[];

const RULES: Record<string, Rule> = {
  sgd: () => (th, g, lr) => th.map((x, i) => x - lr * g[i]!),
  momentum: (c) => {
    const v = [0, 0, 0];
    return (th, g, lr) => th.map((x, i) => { v[i] = c.momentum * v[i]! + g[i]!; return x - lr * v[i]!; });
  },
  nesterov: (c) => {
    const v = [0, 0, 0];
    return (th, g, lr) => th.map((x, i) => { v[i] = c.momentum * v[i]! + g[i]!; return x - lr * (c.momentum * v[i]! + g[i]!); });
  },
  rmsprop: (c) => {
    const v = [1, 1, 1]; // playbook: v0 = 1
    const m = [0, 0, 0];
    return (th, g, lr) => th.map((x, i) => {
      v[i] = c.rho * v[i]! + (1 - c.rho) * g[i]! ** 2;
      m[i] = c.momentum * m[i]! + (lr / Math.sqrt(v[i]! + c.epsilon)) * g[i]!;
      return x - m[i]!;
    });
  },
  adam: (c) => {
    const m = [0, 0, 0], v = [0, 0, 0];
    return (th, g, lr, t) => th.map((x, i) => {
      m[i] = c.beta1 * m[i]! + (1 - c.beta1) * g[i]!;
      v[i] = c.beta2 * v[i]! + (1 - c.beta2) * g[i]! ** 2;
      const b = Math.sqrt(1 - c.beta2 ** t) / (1 - c.beta1 ** t);
      return x - lr * (m[i]! / (Math.sqrt(v[i]!) + c.epsilon)) * b;
    });
  },
  nadam: (c) => {
    const m = [0, 0, 0], v = [0, 0, 0];
    return (th, g, lr, t) => th.map((x, i) => {
      m[i] = c.beta1 * m[i]! + (1 - c.beta1) * g[i]!;
      v[i] = c.beta2 * v[i]! + (1 - c.beta2) * g[i]! ** 2;
      const b = Math.sqrt(1 - c.beta2 ** t) / (1 - c.beta1 ** t);
      return x - lr * ((c.beta1 * m[i]! + (1 - c.beta1) * g[i]!) / (Math.sqrt(v[i]!) + c.epsilon)) * b;
    });
  },
};

function expected(name: string, c: Required<Omit<OptimizerConfig, "name" | "learning_rate">>): number[][] {
  const rule = RULES[name]!(c);
  let th = [...theta0];
  const out: number[][] = [];
  gradSeq.forEach((g0, k) => {
    const g = c.weight_decay_mode === "l2" ? g0.map((x, i) => x + c.weight_decay * th[i]!) : g0;
    let next = rule(th, g, lrs[k]!, k + 1);
    if (c.weight_decay_mode === "decoupled") next = next.map((x, i) => x - lrs[k]! * c.weight_decay * th[i]!);
    th = next;
    out.push(th);
  });
  return out;
}

function actual(cfg: OptimizerConfig): number[][] {
  const p = tf.variable(tf.tensor1d(theta0));
  const opt = createOptimizer(cfg, [p]);
  const out: number[][] = [];
  gradSeq.forEach((g, k) => {
    tf.tidy(() => opt.apply([tf.tensor1d(g)], lrs[k]!));
    out.push(Array.from(p.dataSync()));
  });
  expect(opt.step).toBe(3);
  opt.dispose();
  p.dispose();
  return out;
}

const base = { beta1: 0.8, beta2: 0.95, epsilon: 1e-3, momentum: 0.7, rho: 0.85, weight_decay: 0, weight_decay_mode: "decoupled" as "decoupled" | "l2" };

beforeAll(async () => {
  await selectBackend("wasm");
});

describe("optimizers follow the playbook's update rules", () => {
  const cases: Array<[string, Partial<typeof base>]> = [
    ["sgd", {}],
    ["momentum", {}],
    ["nesterov", {}],
    ["rmsprop", { momentum: 0 }],
    ["rmsprop", { momentum: 0.7 }],
    ["adam", {}],
    ["nadam", {}],
    ["sgd", { weight_decay: 0.1, weight_decay_mode: "l2" }],
    ["momentum", { weight_decay: 0.1, weight_decay_mode: "decoupled" }],
    ["adam", { weight_decay: 0.1, weight_decay_mode: "decoupled" }],
    ["adam", { weight_decay: 0.1, weight_decay_mode: "l2" }],
    ["nadam", { weight_decay: 0.05, weight_decay_mode: "l2" }],
    ["rmsprop", { momentum: 0.5, weight_decay: 0.05, weight_decay_mode: "decoupled" }],
  ];
  for (const [name, over] of cases) {
    it(`${name} ${JSON.stringify(over)} matches hand-computed updates for 3 steps`, () => {
      const c = { ...base, ...over };
      const exp = expected(name, c);
      const got = actual({ name: name as OptimizerConfig["name"], learning_rate: 0.1, ...c });
      for (let k = 0; k < 3; k++) for (let i = 0; i < 3; i++) expect(got[k]![i]!).toBeCloseTo(exp[k]![i]!, 5);
      // the parameters really moved (a no-op optimizer would fail above, but make it explicit)
      expect(got[2]![0]).not.toBeCloseTo(theta0[0]!, 3);
    });
  }

  it("decoupled and l2 weight decay give different Adam trajectories", () => {
    const d = actual({ name: "adam", learning_rate: 0.1, ...base, weight_decay: 0.5, weight_decay_mode: "decoupled" });
    const l = actual({ name: "adam", learning_rate: 0.1, ...base, weight_decay: 0.5, weight_decay_mode: "l2" });
    expect(Math.abs(d[2]![0]! - l[2]![0]!)).toBeGreaterThan(1e-3);
  });
});
