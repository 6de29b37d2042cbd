import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { DATA, runCli } from "../helpers/cli.js";

const RAW = `${DATA}algoperf_v05/raw_logdir/prize_qualification_baseline`;

it("tunebook load <algoperf folder> --json prints the machine-readable summary", () => {
  const r = runCli(["load", RAW, "--json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const s = JSON.parse(r.stdout);
  expect(s.trials).toBe(10);
  expect(s.byStatus).toEqual({ complete: 10, pruned: 0, diverged: 0, failed: 0, oom: 0, running: 0 });
  expect(s.metrics).toContain("grad_norm");
  expect(s.metrics).toContain("validation/accuracy");
  expect(s.objective).toEqual({ metric: "validation/accuracy", direction: "maximize" });
  // Hyperparameter ranges, computed here from the hparams.json files.
  const hps: Array<Record<string, number>> = [];
  for (const st of ["study_0", "study_1"])
    for (const t of readdirSync(join(RAW, st, "imagenet_resnet_jax")))
      hps.push(JSON.parse(readFileSync(join(RAW, st, "imagenet_resnet_jax", t, "hparams.json"), "utf8")));
  expect(Object.keys(s.hyperparameters).sort()).toEqual(Object.keys(hps[0]!).sort());
  for (const [name, h] of Object.entries(s.hyperparameters) as Array<[string, { min: number; max: number; distinct: number }]>) {
    const vals = hps.map((x) => x[name]!);
    expect(h.min).toBe(Math.min(...vals));
    expect(h.max).toBe(Math.max(...vals));
    expect(h.distinct).toBe(new Set(vals).size);
  }
});
