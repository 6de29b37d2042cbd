/**
 * AlgoPerf log folders: `<root>/[<submission>/]study_<k>/<workload>/trial_<n>/` holding
 * `hparams.json`, `eval_measurements.csv` (periodic evaluations), `measurements.csv` (per-step
 * `grad_norm` and `loss`, plus the evaluations again), `meta_data_0.json` and `flags_0.json`.
 * The root may be any level: one trial folder, a workload, a study, a submission or several.
 *
 * Objective: each workload's validation target metric (table below). When the loaded trials mix
 * workloads with different targets, the study's objective is the target shared by the most
 * trials, each trial's final/best come from its own workload's target (recorded in
 * `attrs.objectiveMetric`/`objectiveDirection`), and {@link splitByGroup} / {@link splitByWorkload}
 * give one study per group with its own objective. `--objective` overrides all of this.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { StudyBuilder, parseNumber, whyNotNumber } from "../builder.js";
import { overflowMessage, overflowed } from "../../core/numbers.js";
import { type Study, summarizeCurve } from "../study.js";
import { type Direction, type HpValue, type Objective, type TrialRow, TunebookError, safeRecord } from "../types.js";
import { forEachCsvRow } from "./csvRows.js";
import { type TextEncoding, readText } from "./decode.js";
import { defineFormat, type ReadOptions, type Probe, guessDirection, objectiveFrom } from "./format.js";
import { type TrialPlan, defaultObjectiveMetric, flattenHparams } from "./schema.js";
import { IssueLog, parseJsonLine, studyNameFrom } from "./text.js";

/**
 * Validation target of each AlgoPerf workload family, derived from `trials_summary.csv`
 * (`target_metric`, `higher_is_better`, identical for every workload variant of a family).
 */
export const ALGOPERF_TARGETS: ReadonlyArray<{ prefix: string; metric: string; direction: Direction }> = [
  { prefix: "criteo1tb", metric: "validation/loss", direction: "minimize" },
  { prefix: "fastmri", metric: "validation/ssim", direction: "maximize" },
  { prefix: "imagenet", metric: "validation/accuracy", direction: "maximize" },
  { prefix: "librispeech", metric: "validation/wer", direction: "minimize" },
  { prefix: "ogbg", metric: "validation/mean_average_precision", direction: "maximize" },
  { prefix: "wmt", metric: "validation/bleu", direction: "maximize" },
];

/**
 * The validation target (metric and direction) of an AlgoPerf workload, or undefined when the
 * workload is not a known family.
 *
 * @example
 * algoperfTarget("imagenet_resnet_jax"); // { metric: "validation/accuracy", direction: "maximize" }
 */
export function algoperfTarget(workload: string): Objective | undefined {
  const t = ALGOPERF_TARGETS.find((x) => workload.startsWith(x.prefix));
  return t ? { metric: t.metric, direction: t.direction } : undefined;
}

/** Direction of an AlgoPerf target metric name (`wer`, `loss` go down; accuracy, ssim, bleu, mAP up). */
function targetDirection(name: string): Direction {
  return /loss|wer|error/i.test(name) ? "minimize" : "maximize";
}

/**
 * AlgoPerf's `trials_summary.csv` (one row per trial of team/submission/study/workload): its
 * columns as a one-row-per-trial plan for the CSV loader (./schema.ts), or undefined for any
 * other header. Each row's objective is its workload's `target_metric` in the direction of
 * `higher_is_better`; `has_nonfinite` marks a diverged trial.
 *
 * @example
 * algoperfSummaryPlan(["team", "workload", "trial", "final_validation_metric", "higher_is_better"], {})!.groupKey; // "workload"
 */
export function algoperfSummaryPlan(keys: readonly string[], options: ReadOptions): TrialPlan | undefined {
  const has = new Set(keys);
  if (!(has.has("workload") && has.has("final_validation_metric") && has.has("higher_is_better"))) return undefined;
  const lower = new Map(keys.map((k) => [k.toLowerCase(), k]));
  return {
    idKeys: ["team", "submission", "study", "workload", "trial"].filter((k) => has.has(k)),
    metric: options.objective ?? "validation",
    finalKey: "final_validation_metric",
    bestKey: has.has("best_validation_metric") ? "best_validation_metric" : undefined,
    stepsKey: has.has("final_global_step") ? "final_global_step" : undefined,
    groupKey: "workload",
    directionKey: "higher_is_better",
    divergedKey: has.has("has_nonfinite") ? "has_nonfinite" : undefined,
    metricKey: has.has("target_metric") && !options.objective ? "target_metric" : undefined,
    statusKey: lower.get("status") ?? lower.get("state"),
    used: new Set(),
  };
}

const TRIAL_FILES = ["eval_measurements.csv", "measurements.csv", "hparams.json"];
const TRIAL_DIR = /^trial_\d+$/;
const STUDY_DIR = /^study_\d+$/;

function isTrialDir(name: string, entries: readonly string[]): boolean {
  return TRIAL_DIR.test(name) && entries.some((e) => TRIAL_FILES.includes(e));
}

function listDirSync(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

/** Cheap check: is there an AlgoPerf trial folder at or below `root` (≤ `depth` levels)? */
function hasTrialBelow(root: string, entries: readonly string[], depth: number): boolean {
  if (isTrialDir(basename(resolve(root)), entries)) return true;
  if (depth === 0) return false;
  let looked = 0;
  for (const e of entries) {
    if (e.startsWith(".")) continue;
    const p = join(root, e);
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      continue;
    }
    if (!dir) continue;
    if (hasTrialBelow(p, listDirSync(p), depth - 1)) return true;
    if (++looked >= 3) break; // sibling folders look alike; a few are enough
  }
  return false;
}

const naturalCompare = (a: string, b: string): number => a.localeCompare(b, "en", { numeric: true });

/**
 * Every trial folder at or below `root` (≤ 5 levels), in natural order.
 *
 * @example
 * (await findTrialDirs("datasets/algoperf_v05/raw_logdir")).length; // 10
 */
export async function findTrialDirs(root: string, depth = 5): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, d: number): Promise<void> => {
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort(naturalCompare);
    } catch {
      return;
    }
    if (isTrialDir(basename(resolve(dir)), entries)) {
      out.push(dir);
      return;
    }
    if (d === 0) return;
    for (const e of entries) {
      if (e.startsWith(".")) continue;
      const p = join(dir, e);
      try {
        if ((await stat(p)).isDirectory()) await walk(p, d - 1);
      } catch {
        /* vanished or unreadable: skip */
      }
    }
  };
  await walk(root, depth);
  return out;
}

interface TrialPlace {
  dir: string;
  trial: string;
  workload: string;
  study?: string;
  submission?: string;
}

function placeOf(dir: string): TrialPlace {
  const parts = resolve(dir).split(/[\\/]+/).filter(Boolean);
  const trial = parts[parts.length - 1]!;
  const workload = parts[parts.length - 2] ?? "workload";
  const studyName = parts[parts.length - 3];
  const study = studyName && STUDY_DIR.test(studyName) ? studyName : undefined;
  const submission = study ? parts[parts.length - 4] : undefined;
  return { dir, trial, workload, study, submission };
}

async function readJson(path: string, log: IssueLog, what: string, encoding?: TextEncoding): Promise<Record<string, unknown> | undefined> {
  let text: string;
  const kept = what === "hparams.json" ? "; trial kept without hyperparameters" : "";
  if (!existsSync(path)) {
    log.add(undefined, undefined, `missing ${what}${kept}`, false);
    return undefined;
  }
  try {
    text = await readText(path, encoding);
  } catch (err) {
    if (!(err instanceof TunebookError)) throw err;
    log.add(err.line, undefined, `${err.message.replace(/^.*?: /, "")}${kept}`, false);
    return undefined;
  }
  try {
    // Python writes bare NaN/Infinity; JSON.parse refuses them, so quote them first.
    const v = parseJsonLine(text.replace(/^\uFEFF/, ""));
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      log.add(1, undefined, `expected a JSON object in ${what}`, false);
      return undefined;
    }
    return v as Record<string, unknown>;
  } catch (err) {
    log.add(undefined, undefined, `${what} is not valid JSON (${(err as Error).message}); ignored`, false);
    return undefined;
  }
}

/** Per-trial result of reading one folder's CSVs. */
interface ReadResult {
  rows: number;
  targetSteps: number[];
  targetValues: number[];
}

/**
 * Read one CSV of a trial into the builder. `seen` holds the values stored per `step\u0001metric`
 * (measurements.csv repeats the evaluation rows of eval_measurements.csv).
 */
async function readTrialCsv(path: string, id: string, b: StudyBuilder, seen: Map<string, number>, target: string | undefined, out: ReadResult, warnings: IssueLog[], encoding?: TextEncoding): Promise<boolean> {
  if (!existsSync(path)) return false;
  const log = new IssueLog(path, 20);
  warnings.push(log);
  const before = out.rows;
  let stepIdx = -1;
  let hdr: string[] | undefined;
  // Line of each (step, metric) in this file: an evaluation logged twice (a run resumed from a
  // checkpoint appends it again) is reported at the repeat. (A step's train row and eval row hold
  // different metrics: not a repeat.)
  const keyLine = new Map<string, number>();
  try {
    await forEachCsvRow(path, log, (header, row, line) => {
      if (hdr !== header) {
        hdr = header;
        stepIdx = header.findIndex((h) => h === "global_step" || h === "step");
        if (stepIdx < 0) throw new TunebookError(`missing column "global_step"`, path, 1, "global_step");
      }
      const step = parseNumber(row[stepIdx]);
      if (step === undefined || !Number.isFinite(step)) {
        log.add(line, header[stepIdx], `expected a finite number for the step, ${whyNotNumber(row[stepIdx] ?? "")}`);
        return;
      }
      out.rows++;
      let firstLine: number | undefined;
      let differs: string | undefined;
      for (let i = 0; i < header.length; i++) {
        if (i === stepIdx) continue;
        const cell = row[i];
        if (cell === undefined || cell === "") continue;
        const metric = header[i]!;
        const v = parseNumber(cell);
        if (v === undefined) {
          log.add(line, metric, `expected a number (or NaN/Infinity), ${whyNotNumber(cell)}`, false);
          continue;
        }
        if ((v === Infinity || v === -Infinity) && overflowed(cell)) log.add(line, metric, overflowMessage(cell), false);
        const key = `${step}\u0001${metric}`;
        const at = keyLine.get(key);
        if (at === undefined) keyLine.set(key, line);
        else firstLine ??= at;
        const was = seen.get(key);
        if (was !== undefined) {
          if (at !== undefined && differs === undefined && !Object.is(was, v)) differs = metric;
          continue;
        }
        seen.set(key, v);
        b.measure(id, step, metric, v);
        if (metric === target) {
          out.targetSteps.push(step);
          out.targetValues.push(v);
        }
      }
      // The first written row of a step is kept: the benchmark's scoring reads every row in file
      // order and takes the first evaluation that meets the target, so the first row is the one
      // it sees first (scoring/performance_profile.py, get_best_trial_index: np.argmax).
      // Identical repeats are merged without a word: the runner's last row repeats the final
      // step's score and preemption count with the same values (the bundled logs all end so).
      if (firstLine !== undefined && differs !== undefined)
        log.add(
          line,
          differs,
          `step ${step} repeats line ${firstLine} with a different value (an evaluation logged twice, as after a restart from a checkpoint); the first written is kept, as the benchmark's scoring reads the first`,
          false,
        );
    }, undefined, undefined, encoding);
  } catch (err) {
    if (err instanceof TunebookError) {
      log.add(err.line, err.field, `${err.message.replace(/^.*?: (field "[^"]*": )?/, "")}; file skipped`, false);
      return false;
    }
    throw err;
  }
  if (out.rows === before && !log.issues.length) log.add(undefined, undefined, `no data rows; file ignored`, false);
  return true;
}

/**
 * Load an AlgoPerf log folder (any level) into one Study.
 *
 * @example
 * const study = await loadAlgoPerf("datasets/algoperf_v05/raw_logdir/prize_qualification_baseline");
 * study.size; // 10
 * study.curve("study_0/imagenet_resnet_jax/trial_1", "grad_norm").steps.length;
 */
export async function loadAlgoPerf(path: string, options: ReadOptions = {}): Promise<Study> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new TunebookError(`no such folder`, path);
  }
  if (!st.isDirectory()) throw new TunebookError(`expected an AlgoPerf log folder (study_<k>/<workload>/trial_<n>/), found a file`, path);
  const dirs = await findTrialDirs(path);
  if (dirs.length === 0)
    throw new TunebookError(`no AlgoPerf trial folders found: expected trial_<n>/ folders holding eval_measurements.csv, measurements.csv or hparams.json`, path);
  const places = dirs.map(placeOf);
  const submissions = new Set(places.map((p) => p.submission ?? ""));
  const prefixSubmission = submissions.size > 1;
  // Trial ids: [submission/]study_k/workload/trial_n; where two folders still share one (the
  // same submission copied twice under the root), their paths relative to the root tell them apart.
  const idPartsOf = places.map((p) => {
    const parts = [p.study, p.workload, p.trial].filter((x): x is string => !!x);
    if (prefixSubmission && p.submission) parts.unshift(p.submission);
    return parts;
  });
  const counts = new Map<string, number>();
  for (const parts of idPartsOf) counts.set(parts.join("/"), (counts.get(parts.join("/")) ?? 0) + 1);
  const rootAbs = resolve(path);
  idPartsOf.forEach((parts, i) => {
    if (counts.get(parts.join("/"))! > 1) idPartsOf[i] = relative(rootAbs, resolve(places[i]!.dir)).split(/[\\/]+/);
  });

  // Per-trial target: meta_data's target_metric_name, else the workload table, else guessed later.
  const metas = await Promise.all(places.map(async (p) => {
    const log = new IssueLog(join(p.dir, "meta_data_0.json"));
    const meta = existsSync(join(p.dir, "meta_data_0.json")) ? await readJson(join(p.dir, "meta_data_0.json"), log, "meta_data_0.json", options.encoding) : undefined;
    return { meta, log };
  }));
  const targets: Array<Objective | undefined> = places.map((p, i) => {
    const name = metas[i]!.meta?.["workload.target_metric_name"];
    if (typeof name === "string" && name) return { metric: `validation/${name}`, direction: targetDirection(name) };
    return algoperfTarget(p.workload);
  });
  // Study objective: --objective, else the target the most trials share.
  const tally = new Map<string, { obj: Objective; n: number }>();
  for (const t of targets) if (t) {
    const k = `${t.metric}|${t.direction}`;
    const e = tally.get(k);
    if (e) e.n++;
    else tally.set(k, { obj: t, n: 1 });
  }
  const ranked = [...tally.values()].sort((a, b) => b.n - a.n || naturalCompare(a.obj.metric, b.obj.metric));
  const fallback = ranked[0]?.obj ?? { metric: "validation/loss", direction: "minimize" as Direction };
  const objective = objectiveFrom(options, fallback);
  const mixed = !options.objective && (ranked.length > 1 || targets.some((t) => !t));

  const b = new StudyBuilder(options.name ?? studyNameFrom(path), objective);
  const logs: IssueLog[] = [];
  let done = 0;
  for (let i = 0; i < places.length; i++) {
    const p = places[i]!;
    const idParts = idPartsOf[i]!;
    const id = idParts.join("/");
    const group = idParts.slice(0, -1).join("/");
    const attrs = safeRecord<unknown>();
    attrs.workload = p.workload;
    if (p.study) attrs.study = p.study;
    if (p.submission) attrs.submission = p.submission;
    attrs.trial = p.trial;
    attrs.dir = p.dir;
    const trialLog = new IssueLog(p.dir);
    logs.push(trialLog, metas[i]!.log);
    const hparams = safeRecord<HpValue>();
    const hpLog = new IssueLog(join(p.dir, "hparams.json"));
    logs.push(hpLog);
    const hp = await readJson(join(p.dir, "hparams.json"), hpLog, "hparams.json", options.encoding);
    if (hp) flattenHparams(hp, hparams);
    const meta = metas[i]!.meta;
    if (meta) {
      const pick = (k: string, as: string): void => {
        if (meta[k] !== undefined) attrs[as] = meta[k];
      };
      pick("workload.target_metric_name", "targetMetricName");
      pick("workload.validation_target_value", "validationTarget");
      pick("workload.test_target_value", "testTarget");
      pick("workload.step_hint", "stepHint");
      pick("rng_seed", "rngSeed");
    }
    if (existsSync(join(p.dir, "flags_0.json"))) {
      const flags = await readJson(join(p.dir, "flags_0.json"), trialLog, "flags_0.json", options.encoding);
      if (flags) for (const k of ["framework", "max_global_steps", "tuning_ruleset", "rng_seed"]) if (flags[k] !== undefined && flags[k] !== null && attrs[k] === undefined) attrs[k] = flags[k];
    }
    const own = mixed ? targets[i] : undefined;
    b.trial({ id, hparams, group, attrs });
    const out: ReadResult = { rows: 0, targetSteps: [], targetValues: [] };
    const seen = new Map<string, number>();
    const hasEval = await readTrialCsv(join(p.dir, "eval_measurements.csv"), id, b, seen, own?.metric, out, logs, options.encoding);
    const hasMeas = await readTrialCsv(join(p.dir, "measurements.csv"), id, b, seen, own?.metric, out, logs, options.encoding);
    if (!hasEval && !hasMeas) {
      trialLog.add(undefined, "eval_measurements.csv", `no readable eval_measurements.csv or measurements.csv; trial kept as failed`, false);
      b.trial({ id, status: "failed", attrs: { reason: "no measurements" } });
    } else if (!hasEval) trialLog.add(undefined, "eval_measurements.csv", `no eval_measurements.csv; used measurements.csv only`, false);
    if (mixed) {
      // Mixed workloads: this trial's objective is its own workload's target.
      const t = own ?? (() => {
        const m = defaultObjectiveMetric(b.columns.metricsOf(id));
        return { metric: m, direction: guessDirection(m) };
      })();
      b.trial({ id, attrs: { objectiveMetric: t.metric, objectiveDirection: t.direction } });
      let steps = out.targetSteps;
      let values = out.targetValues;
      if (!own) {
        steps = [];
        values = [];
        collectCurve(b, id, t.metric, steps, values);
      }
      if (steps.length) {
        const s = summarizeCurve(steps, values, t.direction);
        b.trial({ id, final: s.final, best: s.best, bestStep: s.bestStep });
        if (s.nonFinite) b.trial({ id, status: "diverged", attrs: { divergedMetric: t.metric } });
      }
    } else {
      b.trial({ id, attrs: { objectiveMetric: objective.metric, objectiveDirection: objective.direction } });
    }
    options.onProgress?.(++done, places.length);
  }
  for (const log of logs) for (const issue of log.finish()) b.warnings.push(issue);
  if (!options.objective && mixed)
    b.warnings.push({
      severity: "warn",
      file: path,
      message: `trials mix workloads with different targets: each trial's final/best use its own workload's target (attrs.objectiveMetric); the study objective is ${objective.metric}; use splitByGroup() or --objective to compare like with like`,
    });
  b.source = { path, format: "algoperf" };
  return b.build();
}

// Only used for unknown workloads in a mixed study (rare): scan that trial's rows.
function collectCurve(b: StudyBuilder, id: string, metric: string, steps: number[], values: number[]): void {
  const r = b.columns.rowsOf(id, metric);
  steps.push(...r.steps);
  values.push(...r.values);
}

/**
 * The objective recorded on a set of trials (`attrs.objectiveMetric` / `objectiveDirection`, set by
 * the AlgoPerf and trials-table loaders); the most common one wins. Undefined when none is recorded.
 *
 * @example
 * recordedObjective(study.trialRows()); // { metric: "validation/wer", direction: "minimize" }
 */
export function recordedObjective(trials: readonly TrialRow[], fallbackMetric?: string): Objective | undefined {
  const tally = new Map<string, number>();
  for (const t of trials) {
    const d = t.attrs.objectiveDirection;
    if (d !== "minimize" && d !== "maximize") continue;
    const m = typeof t.attrs.objectiveMetric === "string" ? t.attrs.objectiveMetric : fallbackMetric;
    if (!m) continue;
    const k = `${m}\u0001${d}`;
    tally.set(k, (tally.get(k) ?? 0) + 1);
  }
  const best = [...tally.entries()].sort((a, b) => b[1] - a[1])[0];
  if (!best) return undefined;
  const [metric, direction] = best[0].split("\u0001") as [string, Direction];
  return { metric, direction };
}

/**
 * One study per group (`trial.group`, or any key), each with its own objective as recorded on its
 * trials by the loader (per-row `higher_is_better` in trials_summary.csv, the workload target in
 * AlgoPerf folders).
 *
 * @example
 * const perWorkload = splitByGroup(await loadStudy("datasets/algoperf_v05/trials_summary.csv"));
 * perWorkload.get("imagenet_resnet_jax")!.objective.direction; // "maximize"
 */
export function splitByGroup(study: Study, key: (t: TrialRow) => string | null = (t) => t.group): Map<string, Study> {
  return study.splitBy(key, (_k, rows) => recordedObjective(rows, study.objective.metric) ?? study.objective);
}

/**
 * One study per AlgoPerf workload (`attrs.workload`, else the group), each with that workload's
 * objective direction.
 *
 * @example
 * const byWorkload = splitByWorkload(await loadStudy("datasets/algoperf_v05/trials_summary.csv"));
 * byWorkload.size; // 32
 */
export function splitByWorkload(study: Study): Map<string, Study> {
  return splitByGroup(study, (t) => (typeof t.attrs.workload === "string" ? t.attrs.workload : t.group));
}

function detect(p: Probe): number {
  if (!p.isDirectory) return 0;
  // Higher than TensorBoard's folder scan: AlgoPerf trial folders also hold event files.
  return hasTrialBelow(p.path, p.entries, 5) ? 90 : 0;
}

export const algoperfFormat = defineFormat({ name: "algoperf", detect, load: loadAlgoPerf });
