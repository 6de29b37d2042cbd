import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { review } from "../../src/analysis/index.js";
import { StudyBuilder } from "../../src/study/builder.js";
import { DATA, runCli } from "../helpers/cli.js";
import { STEPS, expLoss, studyOf } from "./synthetic.js";

describe("training-dynamics analyses in review()", () => {
  it("run when the study has curves and a learning-rate sweep", () => {
    const lrs = [0.001, 0.003, 0.01, 0.03, 0.1];
    const s = studyOf(
      lrs.map((lr, k) => {
        let train = expLoss(300 / (k + 1), 0.5, 2);
        if (lr === 0.1) train = train.map((v, i) => (STEPS[i]! >= 300 ? NaN : v));
        return { id: `lr${lr}`, hparams: { learning_rate: lr }, train, val: train.map((v) => v + 0.3) };
      }),
    );
    const r = review(s, { only: ["curves", "checkpoints", "clipping", "instability", "trainingSteps"] });
    expect(r.ran).toEqual(["curves", "checkpoints", "instability", "trainingSteps"]);
    expect(r.skipped).toEqual(["clipping"]); // no gradient norms logged
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain("curves.diverged");
    expect(codes).toContain("instability.unstable_above");
    expect(codes).toContain("warmup.plan");
    expect(codes).toContain("training_steps.max_train_steps");
    const inst = r.results.instability as unknown as { lrStar: number; warmupPlan: { baseLearningRate: number; lengths: number[] } };
    expect(inst.lrStar).toBe(0.03);
    expect(inst.warmupPlan.baseLearningRate).toBeCloseTo(1.0, 12); // 10 × the unstable rate 0.1
    expect(inst.warmupPlan.lengths).toEqual([10, 100]); // ≤ 10% of 1000 steps
  });

  it("skip cleanly when there are no curves", () => {
    const b = new StudyBuilder("flat", { metric: "acc", direction: "maximize" });
    for (let i = 0; i < 4; i++) b.trial({ id: `t${i}`, hparams: { learning_rate: 10 ** -i }, final: 0.5 + i / 10 });
    const r = review(b.build(), { only: ["curves", "checkpoints", "clipping", "instability", "trainingSteps"] });
    expect(r.ran).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it("`tunebook review <algoperf raw folder>` lists the dynamics findings with evidence", () => {
    const raw = join(DATA, "algoperf_v05/raw_logdir/prize_qualification_baseline");
    const out = runCli(["review", raw]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const text = out.stdout;
    // Checked by hand against the CSVs and plots: the lr 0.00496 trials' train/loss rises early;
    // grad_norm p90 over the 10 runs is 6.439; all best checkpoints are in the last 25%.
    expect(text).toMatch(/instability\.unstable_above: 2 trials with learning_rate above lr\* = 0\.001749 are unstable/);
    expect(text).toContain("study_0/imagenet_resnet_jax/trial_4 at learning_rate 0.004958");
    expect(text).toMatch(/clipping\.threshold: .*p90 6\.439/);
    expect(text).toMatch(/checkpoints\.best_late: In 10 of 10 trials/);
    expect(text).toMatch(/curves\.still_improving: 10 of 10 trials/);
    expect(text).toMatch(/warmup\.plan: Warmup sweep: 5 trials at learning rate 0\.04958/);
    expect(text).toMatch(/lrStar=0\.001749 unstableLr=0\.004958/);
    // Not a constant-learning-rate sweep (warmup_factor varies): no max_train_steps guess.
    expect(text).not.toContain("training_steps.");
  }, 60_000);
});
