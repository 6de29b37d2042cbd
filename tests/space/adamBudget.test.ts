import { describe, expect, it } from "vitest";
import { adamBudgetAdvice } from "../../src/analysis/adamBudget.js";

describe("adamBudgetAdvice (playbook FAQ bands)", () => {
  it("follows the < 10 / 10-25 / 25+ / substantially more bands", () => {
    expect(adamBudgetAdvice(1).tune).toEqual(["learning_rate"]);
    expect(adamBudgetAdvice(9).tune).toEqual(["learning_rate"]);
    expect(adamBudgetAdvice(10).tune).toEqual(["learning_rate", "beta1"]);
    expect(adamBudgetAdvice(25).tune).toEqual(["learning_rate", "beta1"]);
    expect(adamBudgetAdvice(26).tune).toEqual(["learning_rate", "beta1", "epsilon"]);
    expect(adamBudgetAdvice(50).tune).toEqual(["learning_rate", "beta1", "epsilon"]);
    expect(adamBudgetAdvice(51).tune).toEqual(["learning_rate", "beta1", "epsilon", "beta2"]);
    expect(adamBudgetAdvice(51).fixed).toEqual([]);
    expect(adamBudgetAdvice(9).fixed).toEqual(["beta1", "epsilon", "beta2"]);
  });
  it("has a configurable β2 threshold and an info finding", () => {
    expect(adamBudgetAdvice(80, { beta2Threshold: 100 }).tune).not.toContain("beta2");
    const f = adamBudgetAdvice(12).findings;
    expect(f).toHaveLength(1);
    expect(f[0]!.code).toBe("adam.budget");
    expect(f[0]!.message).toMatch(/keep epsilon, beta2 fixed/);
  });
});
