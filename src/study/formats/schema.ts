/**
 * Schema inference for record-shaped logs (JSONL and CSV): which role each key plays, which of
 * three shapes a set of keys describes, and how a one-row-per-trial header maps to trials.
 * A record is a list of keys and values (a CSV row with its header, or a JSON object):
 *
 * - **long**: one measurement per record — `trial|trial_id|run`, `step|global_step`, `metric`, `value`;
 * - **wide**: one step per record — trial and step keys, every other numeric key is a metric;
 * - **trial**: one trial per record (no step key) — hyperparameters, an objective column, status.
 *
 * Hyperparameters come from `hp.<name>` keys or a nested `hparams`/`config`/`params` object and may
 * repeat on every record. Nothing here reads a file or builds a study (./records.ts does).
 */
import { MAX_NESTING, TOO_DEEP, toHpValue } from "../builder.js";
import { type Direction, type HpValue, TunebookError } from "../types.js";
import { guessDirection, type ReadOptions } from "./format.js";

export type RecordShape = "long" | "wide" | "trial";

export type Role = "trial" | "step" | "metric" | "value" | "status" | "hp" | "hpObject" | "group" | "other";

const TRIAL_KEYS = new Set(["trial", "trial_id", "trialid", "trial_name", "run", "run_id", "runid", "run_name"]);
const STEP_KEYS = new Set(["step", "global_step", "iteration", "_step"]);
const STATUS_KEYS = new Set(["status", "state"]);
const HP_OBJECT_KEYS = new Set(["hparams", "hyperparameters", "config", "params"]);

/**
 * Role of a key (exported for tests and for loaders that pre-check headers).
 *
 * @example
 * roleOf("global_step"); // "step"
 * roleOf("hp.lr"); // "hp"
 */
export function roleOf(key: string): Role {
  const l = key.toLowerCase();
  if (TRIAL_KEYS.has(l)) return "trial";
  if (STEP_KEYS.has(l)) return "step";
  if (l === "metric" || l === "metric_name" || l === "tag") return "metric";
  if (l === "value" || l === "metric_value") return "value";
  if (STATUS_KEYS.has(l)) return "status";
  if (HP_OBJECT_KEYS.has(l)) return "hpObject";
  if (l === "group") return "group";
  if (key.startsWith("hp.") || key.startsWith("hp/") || key.startsWith("params_") || key.startsWith("config.") || key.startsWith("config/"))
    return "hp";
  return "other";
}

/** `hp.lr` → `lr`; `config/opt.lr` → `opt.lr`. */
export function hpName(key: string): string {
  if (key.startsWith("params_")) return key.slice(7);
  if (key.startsWith("config.") || key.startsWith("config/")) return key.slice(7);
  return key.slice(3);
}

/**
 * Which shape a set of keys describes.
 *
 * @example
 * shapeOf(["trial", "step", "metric", "value"]); // "long"
 * shapeOf(["trial", "hp.lr", "objective"]); // "trial"
 */
export function shapeOf(keys: readonly string[]): RecordShape {
  const roles = new Set(keys.map(roleOf));
  if (roles.has("step")) return roles.has("metric") && roles.has("value") ? "long" : "wide";
  if (roles.has("metric") && roles.has("value")) return "long"; // reported as missing step later
  return "trial";
}

/**
 * Flatten a nested hyperparameter object into `a.b` names (into a safe record). Iterative, and
 * depth-limited: a part nested deeper than {@link MAX_NESTING} levels is kept as a short text
 * (`[nested deeper than 64 levels]`) and the function returns true so the caller can warn;
 * a 10,000-deep object never blows the stack.
 *
 * @example
 * const hp = safeRecord<HpValue>();
 * flattenHparams({ opt: { lr: 0.1 } }, hp); // false; hp["opt.lr"] === 0.1
 */
export function flattenHparams(obj: unknown, into: Record<string, HpValue>, prefix = ""): boolean {
  let cut = false;
  const stack: Array<[unknown, string, number]> = [[obj, prefix, 0]];
  while (stack.length) {
    const [o, name, depth] = stack.pop()!;
    if (o === null || typeof o !== "object" || Array.isArray(o)) {
      if (name) {
        const v = toHpValue(o);
        if (v === TOO_DEEP) cut = true;
        into[name] = v;
      }
      continue;
    }
    if (depth >= MAX_NESTING) {
      into[name || "(root)"] = TOO_DEEP;
      cut = true;
      continue;
    }
    // Pushed in reverse so that keys are flattened in their written order.
    const keys = Object.keys(o);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      stack.push([(o as Record<string, unknown>)[k], name ? `${name}.${k}` : k, depth + 1]);
    }
  }
  return cut;
}

/** How a one-row-per-trial table maps to trials. */
export interface TrialPlan {
  /** Keys joined with "/" to make the trial id (empty: the record number). */
  idKeys: string[];
  metric: string;
  finalKey?: string;
  bestKey?: string;
  stepsKey?: string;
  statusKey?: string;
  groupKey?: string;
  /** `direction` (min/max words) or `higher_is_better` (booleans) per row. */
  directionKey?: string;
  /** A boolean column that marks a diverged trial (e.g. `has_nonfinite`). */
  divergedKey?: string;
  /** A column naming each row's own objective metric (trials_summary's `target_metric` → `validation/<m>`). */
  metricKey?: string;
  /** Keys that are not attrs (already used above). */
  used: Set<string>;
}

/**
 * A format's own reading of a one-row-per-trial header (undefined: not its layout), tried before
 * the generic rules of {@link planTrialColumns}. `used` may be left empty.
 */
export type TrialPlanner = (keys: readonly string[], options: ReadOptions) => TrialPlan | undefined;

const OBJECTIVE_KEYS = ["objective", "value", "final_value", "final", "score", "result", "metric_value"];

/**
 * Choose the trial-shape columns from the header: the objective (`objective`, `value`, `final_<m>`
 * / `best_<m>` pairs, the first validation-like column…), status, steps and group.
 *
 * @example
 * planTrialColumns(["trial", "hp.lr", "final_acc", "best_acc"], {}, "t.csv").metric; // "acc"
 */
export function planTrialColumns(keys: readonly string[], options: ReadOptions, file: string, planners: readonly TrialPlanner[] = []): TrialPlan {
  const has = new Set(keys);
  const lower = new Map(keys.map((k) => [k.toLowerCase(), k]));
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) {
      const k = lower.get(n);
      if (k !== undefined) return k;
    }
    return undefined;
  };
  const plan: TrialPlan = { idKeys: [], metric: "objective", used: new Set() };
  // A format with its own one-row-per-trial layout (AlgoPerf's trials_summary.csv) plans it.
  for (const planner of planners) {
    const own = planner(keys, options);
    if (own) return finishPlan(own);
  }
  {
    const id = keys.find((k) => roleOf(k) === "trial") ?? pick("id", "name", "number");
    if (id) plan.idKeys = [id];
    plan.statusKey = pick("status", "state");
    plan.groupKey = pick("group");
    plan.stepsKey = pick("steps", "final_step", "final_global_step", "num_steps", "total_steps");
    plan.directionKey = pick("direction", "higher_is_better");
    plan.divergedKey = pick("diverged", "has_nonfinite");
    const candidates = keys.filter((k) => roleOf(k) === "other" && !plan.idKeys.includes(k));
    if (options.objective) {
      const o = options.objective;
      plan.metric = o;
      plan.finalKey = has.has(o) ? o : has.has(`final_${o}`) ? `final_${o}` : undefined;
      plan.bestKey = has.has(`best_${o}`) ? `best_${o}` : undefined;
      if (!plan.finalKey && !plan.bestKey)
        throw new TunebookError(`objective column "${o}" not found (columns: ${keys.join(", ")})`, file, 1, o);
    } else {
      const exact = pick(...OBJECTIVE_KEYS);
      const finalPair = candidates.find((k) => /^final[_/.]/i.test(k));
      const bestPair = candidates.find((k) => /^best[_/.]/i.test(k));
      const valLike = candidates.find((k) => /^(validation|valid|val|eval|test)([_/.-]|$)/i.test(k));
      const lossLike = candidates.find((k) => /loss|acc|error|perplexity|wer|bleu/i.test(k));
      if (exact) {
        plan.finalKey = exact;
        plan.metric = exact === "value" || exact === "metric_value" ? "objective" : exact;
      } else if (finalPair || bestPair) {
        const metric = (finalPair ?? bestPair)!.slice(finalPair ? 6 : 5);
        plan.metric = metric;
        plan.finalKey = finalPair ?? (has.has(`final_${metric}`) ? `final_${metric}` : undefined);
        plan.bestKey = bestPair ?? (has.has(`best_${metric}`) ? `best_${metric}` : undefined);
      } else if (valLike ?? lossLike) {
        plan.finalKey = (valLike ?? lossLike)!;
        plan.metric = plan.finalKey;
      } else {
        throw new TunebookError(
          `no objective column: expected one of ${OBJECTIVE_KEYS.join(", ")}, final_<metric>/best_<metric>, a validation or loss column, or --objective (columns: ${keys.join(", ")})`,
          file,
          1,
          "objective",
        );
      }
    }
  }
  return finishPlan(plan);
}

/** Mark the planned columns as used (they are not kept as trial attributes). */
function finishPlan(plan: TrialPlan): TrialPlan {
  for (const k of [...plan.idKeys, plan.finalKey, plan.bestKey, plan.stepsKey, plan.statusKey, plan.groupKey, plan.directionKey, plan.divergedKey])
    if (k) plan.used.add(k);
  return plan;
}

export function parseBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v !== "string") return undefined;
  const l = v.trim().toLowerCase();
  if (l === "true" || l === "1" || l === "yes") return true;
  if (l === "false" || l === "0" || l === "no") return false;
  return undefined;
}

export function parseDirectionCell(v: unknown, key: string): Direction | undefined {
  if (key.toLowerCase() === "higher_is_better") {
    const b = parseBool(v);
    return b === undefined ? undefined : b ? "maximize" : "minimize";
  }
  if (typeof v !== "string") return undefined;
  const l = v.trim().toLowerCase();
  if (l.startsWith("max")) return "maximize";
  if (l.startsWith("min")) return "minimize";
  return undefined;
}

/**
 * The objective a measurement log most likely optimizes: the first validation metric that is not
 * a count or a timing (accuracy-like before loss-like), else `loss`, else the first metric.
 *
 * @example
 * defaultObjectiveMetric(["train/loss", "validation/loss", "validation/accuracy"]); // "validation/accuracy"
 */
export function defaultObjectiveMetric(metrics: readonly string[]): string {
  const val = metrics.filter((m) => /^(validation|valid|val|eval)([/_.-]|$)/i.test(m) && !/num_examples|count|time|duration|examples/i.test(m));
  const good = val.find((m) => guessDirection(m) === "maximize");
  if (good) return good;
  const loss = val.find((m) => /loss/i.test(m));
  if (loss) return loss;
  if (val[0]) return val[0];
  if (metrics.includes("loss")) return "loss";
  return metrics[0] ?? "objective";
}

/**
 * Short description of a bad value for messages.
 *
 * @example
 * describe(""); // "an empty string"
 */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return v === "" ? "an empty string" : `"${v.length > 40 ? v.slice(0, 40) + "…" : v}"`;
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return String(v);
}

