import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStudyConfig } from "../../src/runner/config.js";
import { runStudy } from "../../src/runner/run.js";
import { loadStudy } from "../../src/study/load.js";

describe("runStudy with the tfjs trainer", () => {
  it("runs a few real MNIST trials in 2 worker processes and the study loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tunebook-tfjs-"));
    const cfg = parseStudyConfig(
      {
        name: "mnist-small",
        objective: { metric: "validation/accuracy", direction: "maximize" },
        trials: 4,
        workers: 2,
        seed: 1,
        space: {
          parameters: {
            // The last Halton point lands far above any stable rate: a diverged trial.
            learning_rate: { type: "discrete", values: [0.001, 0.003, 0.01, 50] },
          },
        },
        trainer: {
          type: "tfjs",
          config: {
            model: { name: "mlp", hidden: [32] },
            data: { name: "mnist", n_train: 2000, n_validation: 500 },
            optimizer: { name: "adam" },
            batch_size: 64,
            steps: 80,
            eval_every: 40,
            log_every: 10,
          },
        },
      },
      "tfjs-test",
      dir,
    );
    const summary = await runStudy(cfg, { dir: join(dir, "out") });
    expect(summary.ran).toBe(4);
    const study = await loadStudy(join(dir, "out"));
    expect(study.size).toBe(4);
    const lrs = study.trialRows().map((t) => t.hparams.learning_rate);
    expect(new Set(lrs).size).toBeGreaterThan(1);
    for (const t of study.trialRows()) {
      expect(t.attrs.backend).toBe("wasm");
      if (t.hparams.learning_rate === 50) {
        expect(t.status).toBe("diverged");
        continue;
      }
      expect(t.status).toBe("complete");
      // Evaluated at steps 40 and 80; learned something real (chance is 0.1).
      expect(study.curve(t.id, "validation/accuracy").steps).toEqual([40, 80]);
      expect(t.best!).toBeGreaterThan(0.5);
      expect(study.curve(t.id, "grad_norm").steps.length).toBeGreaterThan(5);
    }
  }, 180_000);
});
