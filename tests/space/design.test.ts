import { describe, expect, it } from "vitest";
import { designStudy, haltonPoints, mapUnit, parseSpace } from "../../src/space/index.js";
import { TunebookError } from "../../src/study/types.js";

const SPACE = parseSpace(`
parameters:
  learning_rate: {type: float, low: 1e-4, high: 1e-1, scale: log, role: nuisance}
  optimizer: {type: categorical, values: [adam, sgd], role: scientific}
  beta1: {type: float, low: 0.8, high: 0.99, role: nuisance, when: {optimizer: adam}, default: 0.9}
  beta2: {type: float, low: 0.9, high: 0.9999, role: nuisance, when: {optimizer: adam}}
  epsilon: {type: float, low: 1e-10, high: 1e-6, scale: log, role: nuisance, when: {optimizer: adam}}
  batch_size: {type: discrete, values: [32, 64, 128]}
  dropout: {type: float, low: 0, high: 0.5, role: fixed, default: 0.1}
  weight_decay: {type: fixed, value: 0}
`);

describe("designStudy", () => {
  it("pairs every scientific value with the same quasi-random nuisance points", () => {
    const plan = designStudy({ space: SPACE, budget: 41, seed: 5, adam: false });
    expect(plan.scientific).toEqual(["optimizer"]);
    expect(plan.nuisance).toEqual(["learning_rate", "beta1", "beta2", "epsilon", "batch_size"]);
    expect(plan.fixed).toEqual(["dropout", "weight_decay"]);
    expect(plan.combinations.map((c) => c.optimizer)).toEqual(["adam", "sgd"]);
    expect(plan.trialsPerCombination).toBe(20);
    expect(plan.unused).toBe(1);
    expect(plan.trials).toHaveLength(40);
    // Nuisance-major order; the same nuisance values for adam and sgd at each point.
    const pts = haltonPoints(20, 5, { seed: 5 });
    for (let j = 0; j < 20; j++) {
      const [a, s] = [plan.trials[2 * j]!, plan.trials[2 * j + 1]!];
      expect([a.combination, s.combination, a.nuisanceIndex, s.nuisanceIndex]).toEqual([0, 1, j, j]);
      expect(a.hparams.optimizer).toBe("adam");
      expect(s.hparams.optimizer).toBe("sgd");
      expect(a.hparams.learning_rate).toBe(s.hparams.learning_rate);
      expect(a.hparams.batch_size).toBe(s.hparams.batch_size);
      expect(a.hparams.learning_rate).toBe(mapUnit(SPACE.params[0]!, pts[j * 5]!));
      expect("beta1" in a.hparams && !("beta1" in s.hparams)).toBe(true);
      expect(a.hparams.dropout).toBe(0.1);
      expect(a.hparams.weight_decay).toBe(0);
    }
  });

  it("combines several scientific parameters and takes values for continuous ones", () => {
    const plan = designStudy({ space: SPACE, scientific: ["optimizer", "dropout"], values: { dropout: [0, 0.2, 0.4] }, budget: 60, adam: false });
    expect(plan.combinations).toHaveLength(6);
    expect(plan.trialsPerCombination).toBe(10);
    expect(plan.combinations.map((c) => `${c.optimizer}/${c.dropout}`)).toEqual(["adam/0", "adam/0.2", "adam/0.4", "sgd/0", "sgd/0.2", "sgd/0.4"]);
    expect(() => designStudy({ space: SPACE, scientific: ["learning_rate"], budget: 10 })).toThrow(/give the values/);
  });

  it("keeps one combination per distinct active scientific value", () => {
    const plan = designStudy({ space: SPACE, scientific: ["optimizer", "beta1"], values: { beta1: [0.9, 0.95] }, budget: 30, adam: false });
    // adam×0.9, adam×0.95, sgd (beta1 inactive): 3 combinations, 10 trials each.
    expect(plan.combinations).toHaveLength(3);
    expect(plan.trialsPerCombination).toBe(10);
    expect(plan.trials.filter((t) => t.hparams.optimizer === "sgd").every((t) => !("beta1" in t.hparams))).toBe(true);
  });

  it("gives the Adam budget advice for the trials per scientific value, and can apply it", () => {
    const plan = designStudy({ space: SPACE, budget: 24, seed: 1 });
    expect(plan.adam?.trials).toBe(12);
    expect(plan.adam?.tune).toEqual(["learning_rate", "beta1"]);
    const warned = plan.findings.filter((f) => f.code === "adam.over_budget").map((f) => f.evidence.param);
    expect(warned).toEqual(["epsilon", "beta2"]);
    const applied = designStudy({ space: SPACE, budget: 24, seed: 1, applyAdamAdvice: true });
    expect(applied.nuisance).toEqual(["learning_rate", "beta1", "batch_size"]);
    const adamTrial = applied.trials.find((t) => t.hparams.optimizer === "adam")!;
    expect(adamTrial.hparams.epsilon).toBe(1e-8);
    expect(adamTrial.hparams.beta2).toBe(0.999);
    // With 60 trials per value everything is tuned and nothing is warned about.
    const big = designStudy({ space: SPACE, budget: 120 });
    expect(big.adam?.tune).toEqual(["learning_rate", "beta1", "epsilon", "beta2"]);
    expect(big.findings.some((f) => f.code === "adam.over_budget")).toBe(false);
    // No optimizer/beta parameters: no advice.
    const plain = parseSpace("parameters:\n  lr: {type: float, low: 0.01, high: 1, scale: log}\n");
    expect(designStudy({ space: plain, budget: 5 }).adam).toBeUndefined();
  });

  it("explains impossible designs", () => {
    expect(() => designStudy({ space: SPACE, budget: 1 })).toThrow(/smaller than the 2 scientific combinations/);
    expect(() => designStudy({ space: SPACE, scientific: ["nope"], budget: 10 })).toThrow(TunebookError);
    expect(() => designStudy({ space: SPACE, scientific: ["weight_decay"], budget: 10 })).toThrow(/cannot be scientific/);
    const noDefault = parseSpace("parameters:\n  x: {type: float, low: 0, high: 1, role: fixed}\n");
    expect(() => designStudy({ space: noDefault, budget: 3 })).toThrow(/role fixed but a float range/);
    expect(designStudy({ space: noDefault, budget: 3, fixed: { x: 0.3 } }).trials[2]!.hparams.x).toBe(0.3);
  });
});
