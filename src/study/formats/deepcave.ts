/**
 * DeepCAVE run folders (the `deepcave.Recorder` output): `history.jsonl`, `configs.json`,
 * `configspace.json`, `meta.json` (and `origins.json`, unused).
 *
 * - Each configuration is a trial (id = its config id; `<run>/<id>` when a folder of several runs
 *   is loaded, with `group` = the run folder's name).
 * - `history.jsonl` lines are `[config_id, budget, seed, costs, start, end, status, additional]`.
 *   Every budget is a step: **the step is the budget value as recorded** (DeepCAVE budgets are
 *   often fractions of the data or of the epochs; e.g. the MNIST example records 2.67, 5.33 and 8.0,
 *   which its script truncates to 2, 5 and 8 cumulative epochs). `costs` are the values of
 *   `meta.json`'s objectives, in order, and become metrics of those names (null = not measured).
 * - Status (deepcave.runs.status.Status): 1 SUCCESS → complete, 2 TIMEOUT → failed
 *   (`attrs.reason = "timeout"`), 3 MEMORYOUT → oom, 4 CRASHED / 5 ABORTED → failed, 6 NOT_EVALUATED
 *   → running. A trial's status is the one of its highest budget; crashed lower budgets are listed
 *   in `attrs.failedBudgets`.
 * - Objective: `--objective`, else the first objective of `meta.json` with its direction
 *   (`optimize: "upper"` → maximize, `"lower"` → minimize), else accuracy / maximize.
 * - `configspace.json` (ConfigSpace JSON) becomes `study.space` ({@link configSpaceToSearchSpace});
 *   hyperparameters inactive in a configuration (conditions) are null.
 */
import { whyNotNumber } from "../../core/numbers.js";
import { existsSync, readdirSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Condition, Param, SearchSpace } from "../../space/spec.js";
import { StudyBuilder, parseNumber, toHpValue } from "../builder.js";
import type { Study } from "../study.js";
import { type Direction, type HpValue, type LoadIssue, type TrialStatus, TunebookError, safeRecord } from "../types.js";
import { defineFormat, guessDirection, type ReadOptions, type Probe } from "./format.js";
import { describe as describeValue } from "./schema.js";
import { type TextEncoding, readText } from "./decode.js";
import { IssueLog, checkTextFile, forEachLine, parseJsonLine } from "./text.js";

const STATUS: Record<number, { status: TrialStatus; reason?: string }> = {
  1: { status: "complete" },
  2: { status: "failed", reason: "timeout" },
  3: { status: "oom", reason: "memoryout" },
  4: { status: "failed", reason: "crashed" },
  5: { status: "failed", reason: "aborted" },
  6: { status: "running", reason: "not evaluated" },
};

/**
 * Convert a ConfigSpace JSON document (`ConfigurationSpace` serialised by ConfigSpace's
 * `to_json`/`write`) into a tunebook search space. Supports uniform_float / uniform_int (with
 * `log` and `q`), normal_* with bounds, categorical, ordinal and constant hyperparameters, and
 * EQ / IN conditions; anything else becomes a warning in `issues`.
 *
 * @example
 * const space = configSpaceToSearchSpace(JSON.parse(readFileSync("configspace.json", "utf8")));
 * space.params.find((p) => p.name === "learning_rate"); // { type: "float", low: 1e-4, high: 0.1, scale: "log", … }
 */
export function configSpaceToSearchSpace(json: unknown, file = "configspace.json", issues: LoadIssue[] = []): SearchSpace {
  const warn = (message: string, field?: string) => issues.push({ severity: "warn", file, field, message });
  if (!json || typeof json !== "object" || !Array.isArray((json as Record<string, unknown>).hyperparameters))
    throw new TunebookError(`expected a ConfigSpace JSON object with a "hyperparameters" list`, file, undefined, "hyperparameters");
  const doc = json as { hyperparameters: unknown[]; conditions?: unknown[] };
  const params: Param[] = [];
  for (const raw of doc.hyperparameters) {
    if (!raw || typeof raw !== "object") {
      warn(`hyperparameter entry is ${describeValue(raw)}, expected an object; skipped`, "hyperparameters");
      continue;
    }
    const h = raw as Record<string, unknown>;
    const name = typeof h.name === "string" ? h.name : undefined;
    if (!name) {
      warn(`hyperparameter without a name; skipped`, "hyperparameters");
      continue;
    }
    const type = String(h.type);
    const lower = parseNumber(h.lower);
    const upper = parseNumber(h.upper);
    const log = h.log === true;
    const q = parseNumber(h.q);
    if ((type === "uniform_float" || type === "normal_float" || type === "beta_float") && lower !== undefined && upper !== undefined) {
      if (q !== undefined && q > 0 && (upper - lower) / q <= 1000) {
        const n = Math.floor((upper - lower) / q + 1e-9) + 1;
        params.push({ name, type: "discrete", values: Array.from({ length: n }, (_, i) => Number((lower + i * q).toPrecision(12))) });
      } else params.push({ name, type: "float", low: lower, high: upper, scale: log ? "log" : "linear" });
    } else if ((type === "uniform_int" || type === "normal_int" || type === "beta_int") && lower !== undefined && upper !== undefined) {
      params.push({ name, type: "int", low: lower, high: upper, scale: log ? "log" : "linear" });
    } else if (type === "categorical" && Array.isArray(h.choices)) {
      params.push({ name, type: "categorical", values: h.choices.map((c) => (typeof c === "string" || typeof c === "number" || typeof c === "boolean" ? c : String(c))) });
    } else if (type === "ordinal" && Array.isArray(h.sequence)) {
      const seq = h.sequence as unknown[];
      if (seq.every((x) => typeof x === "number")) params.push({ name, type: "discrete", values: seq as number[] });
      else params.push({ name, type: "categorical", values: seq.map((x) => (typeof x === "string" || typeof x === "boolean" ? x : String(x))) });
    } else if (type === "constant") {
      params.push({ name, type: "fixed", value: toHpValue(h.value) });
    } else {
      warn(`hyperparameter type "${type}" (or its bounds) not understood; left out of the space`, name);
    }
  }
  const byName = new Map(params.map((p) => [p.name, p]));
  for (const raw of doc.conditions ?? []) {
    const c = (raw ?? {}) as Record<string, unknown>;
    const child = typeof c.child === "string" ? byName.get(c.child) : undefined;
    const parent = typeof c.parent === "string" ? c.parent : undefined;
    let cond: Condition | undefined;
    if (c.type === "EQ" && parent) cond = { parent, in: [c.value as string | number | boolean] };
    else if (c.type === "IN" && parent && Array.isArray(c.values)) cond = { parent, in: c.values as Array<string | number | boolean> };
    if (!child || !cond) {
      warn(`condition ${JSON.stringify(raw).slice(0, 120)} not supported (only EQ and IN on known parameters); ignored`, "conditions");
      continue;
    }
    if (child.condition) {
      warn(`parameter "${child.name}" has more than one condition; kept the first`, "conditions");
      continue;
    }
    child.condition = cond;
  }
  return { params };
}

async function readJson(path: string, what: string, encoding?: TextEncoding): Promise<unknown> {
  if (!existsSync(path)) throw new TunebookError(`missing ${what} (a DeepCAVE run folder has history.jsonl, configs.json, configspace.json and meta.json)`, path);
  const text = await readText(path, encoding);
  try {
    return parseJsonLine(text);
  } catch (e) {
    throw new TunebookError(`${what} is not valid JSON (${(e as Error).message})`, path);
  }
}

interface MetaObjective {
  name: string;
  direction: Direction;
}

function objectivesOf(meta: unknown, file: string, log: IssueLog): MetaObjective[] {
  const objs = (meta as { objectives?: unknown } | null)?.objectives;
  if (!Array.isArray(objs)) {
    log.add(undefined, "objectives", `meta.json has no "objectives" list; costs named cost_0, cost_1…`, false);
    return [];
  }
  return objs.map((o, i) => {
    const r = (o ?? {}) as Record<string, unknown>;
    const name = typeof r.name === "string" && r.name ? r.name : `cost_${i}`;
    const direction: Direction = r.optimize === "upper" ? "maximize" : r.optimize === "lower" ? "minimize" : guessDirection(name);
    return { name, direction };
  });
}

function isRunDir(dir: string): boolean {
  return existsSync(join(dir, "history.jsonl")) && existsSync(join(dir, "configs.json"));
}

/** Load one run folder into `b` (trial ids prefixed by `prefix` when several runs share a study). */
async function loadRun(dir: string, b: StudyBuilder, prefix: string | null, group: string | null, options: ReadOptions): Promise<{ objectives: MetaObjective[]; space?: SearchSpace }> {
  const histPath = join(dir, "history.jsonl");
  await checkTextFile(histPath, "DeepCAVE history (JSON lines)", options.encoding);
  const configs = await readJson(join(dir, "configs.json"), "configs.json", options.encoding);
  if (!configs || typeof configs !== "object" || Array.isArray(configs))
    throw new TunebookError(`expected an object {config_id: {hyperparameter: value}}`, join(dir, "configs.json"));
  const metaPath = join(dir, "meta.json");
  const log = new IssueLog(histPath);
  const metaLog = new IssueLog(metaPath);
  const meta = existsSync(metaPath) ? await readJson(metaPath, "meta.json", options.encoding) : undefined;
  if (meta === undefined) metaLog.add(undefined, undefined, `no meta.json: objectives named cost_0, cost_1…`, false);
  const objectives = meta === undefined ? [] : objectivesOf(meta, metaPath, metaLog);
  let space: SearchSpace | undefined;
  const spaceIssues: LoadIssue[] = [];
  const csPath = join(dir, "configspace.json");
  if (existsSync(csPath)) {
    try {
      space = configSpaceToSearchSpace(await readJson(csPath, "configspace.json", options.encoding), csPath, spaceIssues);
    } catch (e) {
      if (!(e instanceof TunebookError)) throw e;
      spaceIssues.push({ severity: "warn", file: csPath, message: `${e.message}; no declared space` });
    }
  }
  const cfg = configs as Record<string, unknown>;
  const names = space?.params.map((p) => p.name) ?? [];
  const idOf = (c: string) => (prefix ? `${prefix}/${c}` : c);
  // Per config: the highest budget seen and its status; budgets that failed.
  const last = new Map<string, { budget: number; status: number }>();
  const failedBudgets = new Map<string, number[]>();
  const seeds = new Set<number>();
  const rows: Array<{ id: string; budget: number; costs: unknown[]; status: number; line: number; seed: number }> = [];
  await forEachLine(histPath, (line, n) => {
    if (line.trim() === "") return;
    let rec: unknown;
    try {
      rec = parseJsonLine(line);
    } catch (e) {
      log.add(n, undefined, `not valid JSON (${(e as Error).message}); line skipped`);
      return;
    }
    if (!Array.isArray(rec) || rec.length < 7) {
      log.add(n, undefined, `expected [config_id, budget, seed, costs, start, end, status, additional], found ${describeValue(rec)}; line skipped`);
      return;
    }
    const [cid, budgetRaw, seedRaw, costs, , , statusRaw] = rec as unknown[];
    const key = typeof cid === "number" || typeof cid === "string" ? String(cid) : undefined;
    if (key === undefined || !Object.hasOwn(cfg, key)) {
      log.add(n, "config_id", `config id ${describeValue(cid)} is not in configs.json; line skipped`);
      return;
    }
    const budget = parseNumber(budgetRaw);
    if (budget === undefined || !Number.isFinite(budget)) {
      log.add(n, "budget", `expected a finite number, ${whyNotNumber(budgetRaw)}; line skipped`);
      return;
    }
    if (!Array.isArray(costs)) {
      log.add(n, "costs", `expected a list of objective values, found ${describeValue(costs)}; line skipped`);
      return;
    }
    const status = typeof statusRaw === "number" ? statusRaw : NaN;
    if (!(status in STATUS)) log.add(n, "status", `unknown status ${describeValue(statusRaw)} (expected 1-6); treated as crashed`, false);
    const seed = typeof seedRaw === "number" ? seedRaw : -1;
    seeds.add(seed);
    rows.push({ id: key, budget, costs, status: status in STATUS ? status : 4, line: n, seed });
  }, undefined, options.encoding);
  const multiSeed = seeds.size > 1;
  for (const r of rows) {
    const tid = idOf(multiSeed ? `${r.id}:seed${r.seed}` : r.id);
    const prev = last.get(tid);
    if (!prev || r.budget >= prev.budget) last.set(tid, { budget: r.budget, status: r.status });
    if (STATUS[r.status]!.status !== "complete") failedBudgets.set(tid, [...(failedBudgets.get(tid) ?? []), r.budget]);
    if (!b.hasTrial(tid)) {
      const hp = safeRecord<HpValue>();
      for (const n of names) hp[n] = null; // inactive unless the config sets it
      const c = cfg[r.id];
      if (c && typeof c === "object") for (const [k, v] of Object.entries(c as Record<string, unknown>)) hp[k] = toHpValue(v);
      const attrs = safeRecord<unknown>();
      attrs.configId = Number.isNaN(Number(r.id)) ? r.id : Number(r.id);
      if (multiSeed) attrs.seed = r.seed;
      b.trial({ id: tid, hparams: hp, group, attrs });
    }
    r.costs.forEach((v, i) => {
      if (v === null || v === undefined) return; // not measured (crashed)
      const x = parseNumber(v);
      const metric = objectives[i]?.name ?? `cost_${i}`;
      if (x === undefined) log.add(r.line, metric, `expected a number, ${whyNotNumber(v)}; value skipped`, false);
      else b.measure(tid, r.budget, metric, x);
    });
  }
  for (const [tid, l] of last) {
    const s = STATUS[l.status]!;
    const attrs = safeRecord<unknown>();
    if (s.reason && s.status !== "complete") attrs.reason = s.reason;
    const fb = failedBudgets.get(tid);
    if (fb) attrs.failedBudgets = fb;
    b.trial({ id: tid, status: s.status, attrs });
  }
  if (rows.length === 0) log.add(undefined, undefined, `no evaluations in history.jsonl`, false);
  for (const is of [...log.finish(), ...metaLog.finish(), ...spaceIssues]) b.warnings.push(is);
  options.onProgress?.(1, 1);
  return { objectives, space };
}

/**
 * Load a DeepCAVE run folder, or a folder of run folders (trials of all runs, group = run name).
 *
 * @example
 * const study = await loadDeepCave("datasets/deepcave_mnist/run_1");
 * study.size; // 1000
 * study.space?.params.length; // 7
 */
export async function loadDeepCave(path: string, options: ReadOptions = {}): Promise<Study> {
  let root = path;
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new TunebookError("no such file or folder", path);
  if (!st.isDirectory()) root = dirname(path); // history.jsonl given: its run folder
  let runs: string[];
  if (isRunDir(root)) runs = [root];
  else {
    runs = (await readdir(root)).sort().map((e) => join(root, e)).filter((d) => statSync(d).isDirectory() && isRunDir(d));
    if (runs.length === 0)
      throw new TunebookError(`not a DeepCAVE run folder: expected history.jsonl and configs.json here or in its sub-folders`, root);
  }
  const several = runs.length > 1;
  const b = new StudyBuilder(options.name ?? basename(root.replace(/[/\\]+$/, "")), { metric: "accuracy", direction: "maximize" });
  b.source = { path, format: "deepcave" };
  let objectives: MetaObjective[] | undefined;
  let space: SearchSpace | undefined;
  for (const dir of runs) {
    const name = basename(dir);
    const r = await loadRun(dir, b, several ? name : null, several ? name : null, options);
    objectives ??= r.objectives;
    if (!space) space = r.space;
    else if (r.space && JSON.stringify(r.space) !== JSON.stringify(space))
      b.warn({ file: join(dir, "configspace.json"), message: `differs from ${join(runs[0]!, "configspace.json")}; the first run's space is used` });
  }
  const first = objectives?.[0] ?? { name: "accuracy", direction: "maximize" as Direction };
  const metric = options.objective ?? first.name;
  const known = objectives?.find((o) => o.name === metric);
  b.objective = { metric, direction: options.direction ?? known?.direction ?? guessDirection(metric) };
  b.space = space;
  return b.build();
}

export const deepcaveFormat = defineFormat({
  name: "deepcave",
  detect(p: Probe): number {
    if (!p.isDirectory) return basename(p.path) === "history.jsonl" && existsSync(join(dirname(p.path), "configs.json")) ? 50 : 0;
    if (p.entries.includes("history.jsonl") && p.entries.includes("configs.json")) return 80;
    // A folder of runs: look one level down (cheap: only the listed entries).
    for (const e of p.entries.slice(0, 200)) {
      const d = join(p.path, e);
      try {
        if (statSync(d).isDirectory() && readdirSync(d).includes("history.jsonl") && existsSync(join(d, "configs.json"))) return 60;
      } catch {
        /* unreadable entry */
      }
    }
    return 0;
  },
  load: loadDeepCave,
});
