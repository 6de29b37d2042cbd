/**
 * Test helper: the DeepCAVE MNIST study built from `trials_long.csv` with StudyBuilder (the CSV
 * loader reads it as one trial per row). One trial per (study, config); test accuracy/loss measured
 * at 2, 5 and 8 epochs; CRASHED at the final budget = failed (accuracy < 0.5 by the script's rule).
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { StudyBuilder } from "../../src/study/builder.js";
import type { Study } from "../../src/study/study.js";
import type { HpValue } from "../../src/study/types.js";
import { DATA } from "../helpers/cli.js";

export const HPARAMS = ["model", "activation", "learning_rate", "dropout_rate", "batch_size", "num_neurons_layer1", "num_neurons_layer2"];

const cache = new Map<string, Study>();

export function deepcaveStudy(run?: "run_1" | "run_2"): Study {
  const hit = cache.get(run ?? "all");
  if (hit) return hit;
  const rows = parse(readFileSync(`${DATA}deepcave_mnist/trials_long.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
  const b = new StudyBuilder(run ?? "deepcave_mnist", { metric: "test_accuracy", direction: "maximize" });
  const last = new Map<string, number>();
  for (const r of rows) {
    if (run && r.study !== run) continue;
    const id = `${r.study}/${r.config_id}`;
    const hp: Record<string, HpValue> = {};
    for (const h of HPARAMS) {
      const v = r[h]!;
      hp[h] = v === "" ? null : h === "model" || h === "activation" ? v : Number(v);
    }
    const e = Number(r.epochs_cumulative);
    b.trial({ id, hparams: hp, group: r.study!, attrs: { study: r.study } });
    if (r.status === "SUCCESS") {
      b.measure(id, e, "test_accuracy", Number(r.test_accuracy));
      b.measure(id, e, "test_loss", Number(r.test_loss));
    }
    if (e >= (last.get(id) ?? -1)) {
      last.set(id, e);
      b.trial({ id, status: r.status === "SUCCESS" ? "complete" : "failed", steps: e });
    }
  }
  const study = b.build();
  cache.set(run ?? "all", study);
  return study;
}
