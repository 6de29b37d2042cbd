/**
 * Studies for the plot tests and the gallery, built with StudyBuilder straight from the bundled
 * CSVs (independent of the format loaders, so the expected counts come from the raw files).
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { StudyBuilder } from "../../src/study/builder.js";
import type { Study } from "../../src/study/study.js";
import type { SearchSpace } from "../../src/space/spec.js";
import { DATA } from "../helpers/cli.js";

export const DEEPCAVE_SPACE: SearchSpace = {
  params: [
    { name: "learning_rate", type: "float", low: 1e-4, high: 1e-1, scale: "log" },
    { name: "dropout_rate", type: "float", low: 0.1, high: 0.9, scale: "linear" },
    { name: "batch_size", type: "int", low: 16, high: 256, scale: "linear" },
    { name: "activation", type: "categorical", values: ["sigmoid", "tanh", "relu"] },
    { name: "model", type: "categorical", values: ["mlp", "cnn"] },
    { name: "num_neurons_layer1", type: "int", low: 5, high: 100, scale: "linear", condition: { parent: "model", in: ["mlp"] } },
    { name: "num_neurons_layer2", type: "int", low: 5, high: 100, scale: "linear", condition: { parent: "model", in: ["mlp"] } },
  ],
};

/** Raw rows of datasets/deepcave_mnist/trials_long.csv for one run. */
export function deepcaveRows(run = "run_1"): Array<Record<string, string>> {
  const rows = parse(readFileSync(`${DATA}deepcave_mnist/trials_long.csv`), { columns: true }) as Array<Record<string, string>>;
  return rows.filter((r) => r.study === run);
}

/**
 * One DeepCAVE MNIST run as a study: a trial per config, test accuracy (maximize) at 2/5/8
 * epochs as measurements; a trial CRASHED at its last budget is `failed`.
 */
export function deepcaveStudy(run = "run_1"): Study {
  const b = new StudyBuilder(`deepcave_mnist/${run}`, { metric: "test_accuracy", direction: "maximize" });
  b.space = DEEPCAVE_SPACE;
  const rows = deepcaveRows(run);
  const last = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const prev = last.get(r.config_id!);
    if (!prev || Number(r.epochs_cumulative) > Number(prev.epochs_cumulative)) last.set(r.config_id!, r);
  }
  for (const r of rows) {
    const id = `c${r.config_id}`;
    if (!b.hasTrial(id)) {
      const hp: Record<string, string | number | null> = {
        learning_rate: Number(r.learning_rate),
        dropout_rate: Number(r.dropout_rate),
        batch_size: Number(r.batch_size),
        activation: r.activation!,
        model: r.model!,
        num_neurons_layer1: r.model === "mlp" && r.num_neurons_layer1 ? Number(r.num_neurons_layer1) : null,
        num_neurons_layer2: r.model === "mlp" && r.num_neurons_layer2 ? Number(r.num_neurons_layer2) : null,
      };
      b.trial({ id, hparams: hp, status: last.get(r.config_id!)!.status === "SUCCESS" ? "complete" : "failed" });
    }
    if (r.status === "SUCCESS" && r.test_accuracy) {
      b.measure(id, Number(r.epochs_cumulative), "test_accuracy", Number(r.test_accuracy));
      b.measure(id, Number(r.epochs_cumulative), "test_loss", Number(r.test_loss));
    }
  }
  return b.build();
}

/** Number of configs of a run whose last budget is CRASHED, counted from the CSV directly. */
export function deepcaveCrashedCount(run = "run_1"): number {
  const last = new Map<string, Record<string, string>>();
  for (const r of deepcaveRows(run)) {
    const prev = last.get(r.config_id!);
    if (!prev || Number(r.epochs_cumulative) > Number(prev.epochs_cumulative)) last.set(r.config_id!, r);
  }
  return [...last.values()].filter((r) => r.status !== "SUCCESS").length;
}
