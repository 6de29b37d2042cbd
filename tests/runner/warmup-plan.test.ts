import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { learningRateSweep, warmupPlanFromSweep } from "../../src/analysis/warmup.js";
import { parseStudyConfig } from "../../src/runner/config.js";
import { runStudy } from "../../src/runner/run.js";
import { loadStudy } from "../../src/study/load.js";
import { DATA, runCli } from "../helpers/cli.js";

describe("the runner executes the playbook's warmup plan", () => {
  it("turns the bundled MNIST study's lr sweep into warmup trials and runs them with the planned schedule", async () => {
    const study = await loadStudy(join(DATA, "mnist_tunebook/study"));
    const sweep = learningRateSweep(study);
    expect(sweep.lrStar).not.toBeNull();
    const plan = warmupPlanFromSweep(sweep, 400)!;
    expect(plan.trials.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), "tunebook-warmup-"));
    const cfg = parseStudyConfig(
      {
        name: "warmup-sweep",
        objective: { metric: "validation/accuracy", direction: "maximize" },
        points: plan.trials.map((t) => t.hparams),
        workers: 2,
        trainer: {
          type: "tfjs",
          config: { model: { name: "mlp", hidden: [16] }, data: { name: "synthetic-classification", n: 512, seed: 1 }, optimizer: { name: "adam" }, batch_size: 32, log_every: 1 },
        },
      },
      "warmup-test",
      dir,
    );
    expect(cfg.trials).toBe(plan.trials.length);
    await runStudy(cfg, { dir: join(dir, "out") });
    const run = await loadStudy(join(dir, "out"));
    expect(run.size).toBe(plan.trials.length);
    // On this easy synthetic task the warmed-up high rate trains: the schedule check below runs.
    expect(run.statusCounts().complete).toBeGreaterThan(0);
    for (const t of run.trialRows()) {
      const want = plan.trials.find((p) => p.warmup_steps === t.hparams.warmup_steps)!;
      expect(want).toBeDefined();
      const lr = run.curve(t.id, "lr");
      // Linear warmup: the applied rate climbs to the planned base rate at warmup_steps, then stays.
      const at = (step: number) => lr.values[lr.steps.indexOf(step)]!;
      if (t.status === "complete") {
        expect(at(want.warmup_steps)).toBeCloseTo(want.learning_rate, 6);
        expect(at(1)).toBeLessThan(want.learning_rate / 2);
        expect(Math.max(...lr.steps)).toBe(want.max_train_steps);
      } else {
        expect(t.status).toBe("diverged");
      }
    }
  }, 120_000);

  it("rejects a config with neither a space nor points", () => {
    expect(() => parseStudyConfig({ name: "x", objective: { metric: "m", direction: "minimize" }, trainer: { type: "command", command: "true" } }, "c.yaml")).toThrow(/c\.yaml: field "space": give a search space/);
    expect(runCli(["run", "/nonexistent.yaml"]).stderr).toMatch(/nonexistent\.yaml: cannot read the file/);
  });
});
