/**
 * MLflow tracking folders (`mlruns/`, MLflow's FileStore):
 *
 *     mlruns/<experiment_id>/meta.yaml            the experiment (name, lifecycle_stage)
 *     mlruns/<experiment_id>/<run_id>/meta.yaml   the run (run_name, status, lifecycle_stage, times)
 *     .../params/<key>   the value as text           → hyperparameters
 *     .../metrics/<key>  "<ms> <value> [<step>]" lines → measurements at their steps
 *     .../tags/<key>     the value as text           → attrs.tags
 *     (a key with "/" is a sub-folder: metrics/eval/accuracy is the metric "eval/accuracy")
 *
 * Runs → trials (id = run name when the names are unique, else the run id); status 1 RUNNING and
 * 2 SCHEDULED → running, 3 FINISHED → complete, 4 FAILED and 5 KILLED → failed (`attrs.state` keeps
 * MLflow's name). Deleted runs (lifecycle_stage: deleted) are left out, as MLflow's default view
 * does, with a warning that counts them; so are parent runs of nested runs (the parent holds the
 * search, its nested runs are the trials). Param values are text in MLflow: each becomes a number
 * when written as one, `True`/`False` a boolean, else text; then each parameter is checked across
 * runs, and one that is a number in some runs and text in others stays text everywhere, with a
 * warning naming the first run that disagrees.
 *
 * The path may be the `mlruns` folder (with `--study NAME` picking the experiment by name when
 * several have runs; the error lists them) or one experiment's folder.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { numberAsWritten } from "../../core/numbers.js";
import { StudyBuilder } from "../builder.js";
import type { Study } from "../study.js";
import { type HpValue, type TrialStatus, TunebookError, safeRecord } from "../types.js";
import { defineFormat, guessDirection, type Probe, type ReadOptions } from "./format.js";
import { defaultObjectiveMetric } from "./records.js";
import { readRegularFileSync } from "./decode.js";

/** MLflow's RunStatus enum (mlflow/entities/run_status.py). */
const RUN_STATUS: Record<string, { name: string; status: TrialStatus }> = {
  "1": { name: "RUNNING", status: "running" },
  "2": { name: "SCHEDULED", status: "running" },
  "3": { name: "FINISHED", status: "complete" },
  "4": { name: "FAILED", status: "failed" },
  "5": { name: "KILLED", status: "failed" },
};

function readYaml(path: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseYaml(readRegularFileSync(path).toString("utf8"), { maxAliasCount: 100 });
  } catch (e) {
    throw new TunebookError(`not valid YAML (${(e as Error).message.split("\n")[0]})`, path);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new TunebookError(`expected a YAML mapping`, path);
  return v as Record<string, unknown>;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Files under `dir`, as keys relative to it ("eval/accuracy"), sorted. */
function keyFiles(dir: string): Array<[string, string]> {
  if (!isDir(dir)) return [];
  const out: Array<[string, string]> = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push([relative(dir, p).split(/[\\/]/).join("/"), p]);
    }
  };
  walk(dir);
  return out;
}

interface Experiment {
  id: string;
  name: string;
  dir: string;
  runs: string[];
}

function isExperimentDir(dir: string): boolean {
  const meta = join(dir, "meta.yaml");
  if (!existsSync(meta)) return false;
  return /^experiment_id:/m.test(readRegularFileSync(meta).toString("utf8")) && !/^run_id:/m.test(readRegularFileSync(meta).toString("utf8"));
}

function readExperiment(dir: string): Experiment {
  const meta = readYaml(join(dir, "meta.yaml"));
  const runs = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "meta.yaml")))
    .map((e) => e.name)
    .sort();
  return { id: String(meta.experiment_id ?? basename(dir)), name: String(meta.name ?? basename(dir)), dir, runs };
}

/** A param's text → the value the training code most likely logged. */
function paramValue(text: string): HpValue {
  if (text === "True" || text === "true") return true;
  if (text === "False" || text === "false") return false;
  const n = numberAsWritten(text.trim());
  return n !== undefined ? n : text;
}

/**
 * The experiments of an `mlruns` folder (or the one experiment a folder is), with their runs.
 *
 * @example
 * listMlflowExperiments("mlruns").map((e) => e.name); // ["Default", "mnist-lr-sweep"]
 */
export function listMlflowExperiments(path: string): Array<{ id: string; name: string; runs: number }> {
  return experimentsIn(path).map((e) => ({ id: e.id, name: e.name, runs: e.runs.length }));
}

function experimentsIn(path: string): Experiment[] {
  if (isExperimentDir(path)) return [readExperiment(path)];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && isExperimentDir(join(path, e.name)))
    .map((e) => readExperiment(join(path, e.name)));
}

/**
 * Load one experiment of an MLflow tracking folder as a study.
 *
 * @example
 * const study = await loadMlflow("mlruns", { study: "mnist-lr-sweep", objective: "val_loss" });
 * study.trial("brave-owl-1")?.hparams.learning_rate; // 0.001
 */
export async function loadMlflow(path: string, options: ReadOptions = {}): Promise<Study> {
  const all = experimentsIn(path);
  if (all.length === 0) throw new TunebookError(`no MLflow experiment here (no <experiment_id>/meta.yaml)`, path);
  let exp: Experiment | undefined;
  if (options.study !== undefined) {
    exp = all.find((e) => e.name === options.study || e.id === options.study);
    if (!exp) throw new TunebookError(`no experiment named "${options.study}"; found: ${all.map((e) => `${e.name} (${e.runs.length} runs)`).join(", ")}`, path, undefined, "study");
  } else {
    const withRuns = all.filter((e) => e.runs.length > 0);
    if (withRuns.length > 1)
      throw new TunebookError(`the folder holds ${withRuns.length} experiments with runs; pick one with --study NAME: ${withRuns.map((e) => `${e.name} (${e.runs.length} runs)`).join(", ")}`, path, undefined, "study");
    exp = withRuns[0] ?? all[0]!;
  }
  if (exp.runs.length === 0) throw new TunebookError(`experiment "${exp.name}" has no runs`, exp.dir);

  interface Run {
    runId: string;
    name: string;
    meta: string;
    status: { name: string; status: TrialStatus };
    params: Record<string, HpValue>;
    tags: Record<string, string>;
    metrics: Array<{ metric: string; file: string; points: Array<[number, number]> }>;
    start: unknown;
    end: unknown;
  }
  const b = new StudyBuilder(options.name ?? exp.name, { metric: options.objective ?? "objective", direction: options.direction ?? "minimize" });
  b.source = { path, format: "mlflow" };
  const runs: Run[] = [];
  let deleted = 0;
  for (const r of exp.runs) {
    const dir = join(exp.dir, r);
    const metaPath = join(dir, "meta.yaml");
    const meta = readYaml(metaPath);
    if (meta.lifecycle_stage === "deleted") {
      deleted++;
      continue;
    }
    const st = RUN_STATUS[String(meta.status)];
    if (!st) b.warn({ file: metaPath, field: "status", message: `unknown run status ${JSON.stringify(meta.status)} (MLflow's are 1-5); kept as running` });
    const tags = safeRecord<string>();
    for (const [k, p] of keyFiles(join(dir, "tags"))) tags[k] = readRegularFileSync(p).toString("utf8");
    const params = safeRecord<HpValue>();
    for (const [k, p] of keyFiles(join(dir, "params"))) params[k] = paramValue(readRegularFileSync(p).toString("utf8"));
    const metrics: Run["metrics"] = [];
    for (const [k, p] of keyFiles(join(dir, "metrics"))) {
      const points: Array<[number, number]> = [];
      readRegularFileSync(p).toString("utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.trim() === "") return;
          const parts = line.trim().split(" ");
          // MLflow's own reader: "<timestamp> <value>" or "<timestamp> <value> <step>" (step 0 when absent).
          const value = parts.length === 2 || parts.length === 3 ? mlflowFloat(parts[1]!) : undefined;
          const step = parts.length === 3 ? numberAsWritten(parts[2]!) : 0;
          if (value === undefined || step === undefined || !Number.isInteger(step)) {
            b.warn({ file: p, line: i + 1, field: k, message: `expected "<timestamp> <value> <step>", found ${JSON.stringify(line.slice(0, 60))}; line skipped` });
            return;
          }
          points.push([step, value]);
        });
      metrics.push({ metric: k, file: p, points });
    }
    const name = typeof meta.run_name === "string" && meta.run_name !== "" ? meta.run_name : (tags["mlflow.runName"] ?? r);
    runs.push({ runId: String(meta.run_id ?? r), name, meta: metaPath, status: st ?? { name: String(meta.status), status: "running" }, params, tags, metrics, start: meta.start_time, end: meta.end_time });
  }
  if (deleted > 0) b.warn({ file: exp.dir, message: `${deleted} deleted run${deleted === 1 ? "" : "s"} left out (lifecycle_stage: deleted)` });
  if (runs.length === 0) throw new TunebookError(`experiment "${exp.name}" has only deleted runs`, exp.dir);
  // Nested runs (a tuning library's or the user's `start_run(nested=True)`): the parent run holds
  // the search, its children are the trials; a parent counted as a trial would be a duplicate of
  // its best child (autolog) or an empty trial.
  const children = new Map<string, number>();
  for (const r of runs) {
    const parent = r.tags["mlflow.parentRunId"];
    if (parent && parent !== r.runId) children.set(parent, (children.get(parent) ?? 0) + 1);
  }
  const parents = runs.filter((r) => children.has(r.runId));
  if (parents.length > 0) {
    const named = parents.slice(0, 5).map((r) => `${r.name}: ${children.get(r.runId)} nested run${children.get(r.runId) === 1 ? "" : "s"}`);
    b.warn({ file: exp.dir, message: `${parents.length} parent run${parents.length === 1 ? "" : "s"} left out, ${parents.length === 1 ? "its" : "their"} nested runs are the trials (${named.join("; ")}${parents.length > 5 ? "; …" : ""})` });
    for (const r of parents) runs.splice(runs.indexOf(r), 1);
  }

  // Check each parameter across runs: a number in some runs and text in others stays text.
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.params)))];
  for (const n of names) {
    const kinds = new Set(runs.filter((r) => n in r.params).map((r) => typeof r.params[n]));
    if (kinds.size > 1) {
      const odd = runs.find((r) => n in r.params && typeof r.params[n] === "string");
      b.warn({ file: odd ? join(odd.meta, "..", "params", n) : exp.dir, field: n, message: `param "${n}" is a number in some runs and text in others; kept as text in all` });
      for (const r of runs) if (n in r.params && typeof r.params[n] !== "string") r.params[n] = String(r.params[n]);
    }
  }
  const unique = new Set(runs.map((r) => r.name)).size === runs.length;
  const metricNames = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.metric)))].sort();
  const metric = options.objective ?? defaultObjectiveMetric(metricNames);
  if (options.objective && !metricNames.includes(options.objective))
    throw new TunebookError(`objective "${options.objective}" is not a logged metric (${metricNames.join(", ")})`, exp.dir, undefined, "objective");
  b.objective = { metric, direction: options.direction ?? guessDirection(metric) };
  for (const r of runs) {
    const id = unique ? r.name : r.runId;
    const hp = safeRecord<HpValue>();
    for (const n of names) hp[n] = n in r.params ? r.params[n]! : null;
    const attrs = safeRecord<unknown>();
    attrs.runId = r.runId;
    attrs.runName = r.name;
    attrs.state = r.status.name;
    attrs.experimentId = exp.id;
    if (typeof r.start === "number") attrs.startTime = r.start;
    if (typeof r.end === "number") attrs.endTime = r.end;
    if (Object.keys(r.tags).length) attrs.tags = r.tags;
    b.trial({ id, status: r.status.status, hparams: hp, attrs });
    for (const m of r.metrics) for (const [s, v] of m.points) b.measure(id, s, m.metric, v);
  }
  return b.build();
}

/** Python's float(): numbers plus nan / inf / -inf / infinity in any case. */
function mlflowFloat(s: string): number | undefined {
  const l = s.toLowerCase();
  if (l === "nan" || l === "-nan" || l === "+nan") return NaN;
  if (l === "inf" || l === "infinity" || l === "+inf" || l === "+infinity") return Infinity;
  if (l === "-inf" || l === "-infinity") return -Infinity;
  return numberAsWritten(s);
}

export const mlflowFormat = defineFormat({
  name: "mlflow",
  detect(p: Probe): number {
    if (!p.isDirectory) return 0;
    try {
      if (p.entries.includes("meta.yaml")) return isExperimentDir(p.path) ? 60 : 0;
      return p.entries.some((e) => !e.startsWith(".") && isExperimentDir(join(p.path, e))) ? 60 : 0;
    } catch {
      return 0;
    }
  },
  load: loadMlflow,
});
