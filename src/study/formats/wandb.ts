/**
 * W&B (Weights & Biases) runs exports, one row per run, in the two shapes people have:
 *
 * 1. **UI export** (runs table → "Export as CSV"): fixed columns `Name, State, Notes, User, Tags,
 *    Created, Runtime, Sweep` (any subset; `ID` accepted too), then one column per config key and one
 *    per summary metric, unprefixed. The export does not say which is which, so tunebook uses this
 *    convention: a column prefixed `config.`/`config/`/`c.` is a hyperparameter and one prefixed
 *    `summary.`/`summary/`/`s.` is a metric; an unprefixed column is a **metric** when its name
 *    looks like one ({@link isWandbMetricColumn}: a word such as loss, acc, error, score, auc, f1,
 *    bleu, wer, perplexity, reward, mAP, or a path such as `val/x`, `train_x`, `eval.x`, unless a
 *    word such as scale/type/weight/mixed marks a setting), otherwise a **hyperparameter**.
 * 2. **API export**, the Public API docs' example (`api.runs(...)` → `pd.DataFrame({"summary":
 *    summary_list, "config": config_list, "name": name_list}).to_csv("project.csv")`): columns
 *    `summary`, `config`, `name` (plus optional `state`, `id`, `sweep`, `tags` and pandas' unnamed
 *    index), where `summary` and `config` hold a dict written by pandas as a Python literal
 *    (`{'lr': 0.01, 'opt': 'adam', 'ok': True, 'x': nan}`) or as JSON. Nested config values are
 *    flattened to `a.b`; `{"value": …}` wrappers (the raw config API form) are unwrapped; summary
 *    keys starting with `_` other than `_step`/`_runtime` are W&B internals and skipped.
 *
 * States: finished → complete, crashed/failed → failed, killed → failed (`attrs.reason =
 * "killed"`), running/pending/preempting → running. The objective is `--objective` or the first
 * validation-loss-like metric, else another validation metric, else a loss, else the first metric;
 * its summary value is the trial's `final` and `best` (a NaN/Inf objective or loss in the summary
 * makes the run diverged).
 * The other summary metrics are kept in `attrs.summary`; `Sweep` (else the W&B `Group`) is the
 * trial's group.
 */
import { whyNotNumber } from "../../core/numbers.js";
import { StudyBuilder, isLossMetric, parseNumber, toHpValue } from "../builder.js";
import type { Study } from "../study.js";
import { type HpValue, type TrialStatus, TunebookError, safeRecord } from "../types.js";
import { forEachCsvRow } from "./csvRows.js";
import { defineFormat, guessDirection, type ReadOptions, type Probe } from "./format.js";
import { describe as describeValue } from "./schema.js";
import { IssueLog, checkTextFile, studyNameFrom } from "./text.js";

/**
 * Parse a Python literal as pandas writes a dict cell (`str(dict)`), or JSON: dicts, lists,
 * tuples, single- or double-quoted strings, numbers, True/False/None, nan/inf, NaN/Infinity.
 * Throws an Error naming the character position on anything else.
 *
 * @example
 * parsePyLiteral("{'lr': 0.1, 'nested': {'a': [1, 2]}, 'ok': True, 'x': nan}");
 * // { lr: 0.1, nested: { a: [1, 2] }, ok: true, x: NaN }   (a null-prototype object)
 */
export function parsePyLiteral(text: string): unknown {
  let i = 0;
  const s = text;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i + 1}`);
  };
  const value = (): unknown => {
    ws();
    const c = s[i];
    if (c === undefined) return fail("unexpected end");
    if (c === "{") {
      i++;
      const o = safeRecord<unknown>();
      ws();
      if (s[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        const k = value();
        ws();
        if (s[i] !== ":") fail("expected ':'");
        i++;
        o[typeof k === "string" ? k : String(k)] = value();
        ws();
        if (s[i] === ",") {
          i++;
          ws();
          if (s[i] === "}") {
            i++;
            return o;
          }
          continue;
        }
        if (s[i] === "}") {
          i++;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[" || c === "(") {
      const close = c === "[" ? "]" : ")";
      i++;
      const a: unknown[] = [];
      ws();
      if (s[i] === close) {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (s[i] === ",") {
          i++;
          ws();
          if (s[i] === close) {
            i++;
            return a;
          }
          continue;
        }
        if (s[i] === close) {
          i++;
          return a;
        }
        fail(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      i++;
      let out = "";
      while (i < s.length && s[i] !== c) {
        if (s[i] === "\\") {
          const n = s[i + 1];
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0" };
          if (n === "u" || n === "x") {
            const len = n === "u" ? 4 : 2;
            out += String.fromCharCode(parseInt(s.slice(i + 2, i + 2 + len), 16));
            i += 2 + len;
            continue;
          }
          out += n !== undefined && n in map ? map[n] : n ?? "";
          i += 2;
          continue;
        }
        out += s[i];
        i++;
      }
      if (s[i] !== c) fail("unterminated string");
      i++;
      return out;
    }
    const m = /^(?:True|False|None|true|false|null|-?nan|NaN|-?inf|-?Infinity|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/.exec(s.slice(i, i + 40));
    if (!m) return fail(`unexpected '${c}'`);
    i += m[0].length;
    const t = m[0];
    if (t === "True" || t === "true") return true;
    if (t === "False" || t === "false") return false;
    if (t === "None" || t === "null") return null;
    return parseNumber(t) ?? fail(`bad number '${t}'`);
  };
  const v = value();
  ws();
  if (i < s.length) fail("unexpected text after the value");
  return v;
}

const FIXED = new Set(["name", "state", "notes", "user", "tags", "created", "runtime", "sweep", "id", "run id", "group", "job type", "hostname", "host", "agent", "github", "commit", "git commit", "updated", "end time", "start time", "command", "description", "entity", "project", "url", "heartbeat"]);
const METRIC_WORDS = new Set(["loss", "acc", "accuracy", "error", "err", "score", "auc", "f1", "bleu", "wer", "cer", "perplexity", "ppl", "reward", "return", "mse", "mae", "rmse", "iou", "map", "ssim", "psnr", "precision", "recall", "throughput", "runtime", "step"]);
// Words that turn a metric-looking name into a setting (loss_scale, loss_weight, mixed_precision…).
const CONFIG_WORDS = new Set(["scale", "type", "fn", "func", "function", "weight", "weights", "coef", "coeff", "mixed", "name", "kind", "alpha", "beta", "factor", "threshold", "every", "interval", "freq", "frequency"]);
const METRIC_PATH = /^(train|val|valid|validation|eval|test|dev)([/_.]|$)/i;

/**
 * Is an unprefixed UI-export column a summary metric (else a config value)? A name is a metric
 * when one of its words (split at `/ _ . -`, spaces and camelCase) is a metric word (loss, acc,
 * error, score, auc, f1, bleu, wer, perplexity, reward, mAP, …) or it is a path such as `val/x` /
 * `train_x`, unless a word marks a setting (scale, type, weight, coef, mixed, factor, …).
 *
 * @example
 * isWandbMetricColumn("val/loss"); // true
 * isWandbMetricColumn("loss_scale"); // false
 * isWandbMetricColumn("learning_rate"); // false
 */
export function isWandbMetricColumn(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[/_.\-\s]+/)
    .filter(Boolean);
  if (words.some((w) => CONFIG_WORDS.has(w))) return false;
  return words.some((w) => METRIC_WORDS.has(w)) || METRIC_PATH.test(name) || name.includes("/");
}

function wandbStatus(v: string): { status: TrialStatus; reason?: string } | undefined {
  switch (v.trim().toLowerCase()) {
    case "finished":
      return { status: "complete" };
    case "crashed":
      return { status: "failed", reason: "crashed" };
    case "failed":
      return { status: "failed", reason: "failed" };
    case "killed":
      return { status: "failed", reason: "killed" };
    case "running":
    case "pending":
    case "preempting":
    case "preempted":
      return { status: "running" };
    default:
      return undefined;
  }
}

/** Runtime as the UI writes it: seconds, or "1h 2m 3s" / "2m 3s". */
function parseRuntime(s: string): number | undefined {
  const n = parseNumber(s);
  if (n !== undefined) return n;
  const m = /^\s*(?:(\d+)d\s*)?(?:(\d+)h\s*)?(?:(\d+)m\s*)?(?:(\d+(?:\.\d+)?)s)?\s*$/.exec(s);
  if (!m || s.trim() === "") return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

function defaultMetric(metrics: string[]): string | undefined {
  const val = metrics.filter((t) => /(^|[/_.])(val|valid|validation|eval|dev)([/_.]|$)/i.test(t));
  return val.find((t) => /loss/i.test(t)) ?? val[0] ?? metrics.find((t) => /loss/i.test(t)) ?? metrics.find((t) => !t.startsWith("_")) ?? metrics[0];
}

/** Flatten a config dict; `{value: x}` wrappers (raw W&B config) become x. */
function flattenConfig(obj: unknown, into: Record<string, HpValue>, prefix = ""): void {
  if (obj && typeof obj === "object" && !Array.isArray(obj)) {
    const o = obj as Record<string, unknown>;
    const keys = Object.keys(o);
    if (prefix && keys.length <= 2 && "value" in o && keys.every((k) => k === "value" || k === "desc")) {
      flattenConfig(o.value, into, prefix);
      return;
    }
    for (const k of keys) {
      if (!prefix && k.startsWith("_")) continue; // W&B internals (_wandb)
      flattenConfig(o[k], into, prefix ? `${prefix}.${k}` : k);
    }
    return;
  }
  if (prefix) into[prefix] = toHpValue(obj);
}

/** Numeric summary metrics of a summary dict (nested dicts flattened; media objects skipped). */
function flattenSummary(obj: unknown, into: Record<string, number>, prefix = ""): void {
  if (obj && typeof obj === "object" && !Array.isArray(obj)) {
    const o = obj as Record<string, unknown>;
    if ("_type" in o) return; // histogram, image, table…
    for (const k of Object.keys(o)) {
      if (!prefix && k.startsWith("_") && k !== "_step" && k !== "_runtime") continue;
      flattenSummary(o[k], into, prefix ? `${prefix}.${k}` : k);
    }
    return;
  }
  const n = typeof obj === "number" ? obj : typeof obj === "string" ? parseNumber(obj) : undefined;
  if (prefix && n !== undefined) into[prefix] = n;
}

interface RunRow {
  id: string;
  status: TrialStatus;
  reason?: string;
  hp: Record<string, HpValue>;
  summary: Record<string, number>;
  attrs: Record<string, unknown>;
  group: string | null;
  line: number;
}

/**
 * Load a W&B runs CSV export (UI flat form or API `summary`/`config`/`name` form).
 *
 * @example
 * const study = await loadWandbCsv("wandb_export.csv", { objective: "val_loss" });
 * study.trialRows()[0].hparams.lr;
 */
export async function loadWandbCsv(path: string, options: ReadOptions = {}): Promise<Study> {
  await checkTextFile(path, "W&B runs CSV", options.encoding);
  const log = new IssueLog(path);
  const runs: RunRow[] = [];
  const metricOrder = new Set<string>();
  const seenIds = new Map<string, number>();
  let form: "ui" | "api" | undefined;
  const { header } = await forEachCsvRow(
    path,
    log,
    (h, row, line) => {
      const lower = h.map((c) => c.trim().toLowerCase());
      if (!form) {
        form = lower.includes("summary") || lower.includes("config") ? "api" : "ui";
        if (!lower.includes("name") && !lower.includes("id"))
          throw new TunebookError(`missing column "Name" (or "ID"): not a W&B runs export`, path, 1, "Name");
      }
      const hp = safeRecord<HpValue>();
      const summary = safeRecord<number>();
      const attrs = safeRecord<unknown>();
      let name = "";
      let id = "";
      let state: ReturnType<typeof wandbStatus> = { status: "complete" };
      let group: string | null = null;
      for (let i = 0; i < h.length; i++) {
        const col = h[i]!;
        const lc = lower[i]!;
        const cell = row[i] ?? "";
        if (lc === "" || /^unnamed: ?\d+$/.test(lc) || lc === "column_1") continue; // pandas index
        if (lc === "name") name = cell;
        else if (lc === "id" || lc === "run id") id = cell;
        else if (lc === "state") {
          if (cell.trim() === "") continue;
          const st = wandbStatus(cell);
          if (!st) log.add(line, col, `expected finished, crashed, failed, killed or running, found ${describeValue(cell)}; kept as running`, false);
          state = st ?? { status: "running" };
          attrs.state = cell.trim();
        } else if (lc === "sweep") group = cell.trim() || null;
        else if (lc === "tags") attrs.tags = cell.split(",").map((t) => t.trim()).filter(Boolean);
        else if (lc === "runtime") {
          const r = parseRuntime(cell);
          if (r !== undefined) attrs.runtimeSeconds = r;
        } else if (form === "api" && (lc === "summary" || lc === "config")) {
          if (cell.trim() === "") continue;
          let parsed: unknown;
          try {
            parsed = parsePyLiteral(cell);
          } catch (e) {
            log.add(line, col, `expected a dict (Python literal or JSON): ${(e as Error).message}; column ignored for this run`, false);
            continue;
          }
          if (lc === "config") flattenConfig(parsed, hp);
          else flattenSummary(parsed, summary);
        } else if (FIXED.has(lc)) {
          if (cell !== "") attrs[lc] = cell;
        } else {
          const m = /^(config|c|summary|s)[./](.+)$/i.exec(col);
          const isMetric = m ? /^s/i.test(m[1]!) : isWandbMetricColumn(col);
          const key = m ? m[2]! : col;
          if (isMetric) {
            if (cell.trim() === "") continue;
            const v = parseNumber(cell);
            if (v === undefined) log.add(line, col, `expected a number for summary metric "${key}", ${whyNotNumber(cell)}; ignored`, false);
            else summary[key] = v;
          } else hp[key] = toHpValue(cell);
        }
      }
      if (group === null && typeof attrs.group === "string") group = attrs.group;
      let tid = id || name;
      if (!tid) {
        log.add(line, "Name", `run without a name or id; row skipped`);
        return;
      }
      const dup = seenIds.get(tid) ?? 0;
      seenIds.set(tid, dup + 1);
      if (dup > 0) {
        log.add(line, "Name", `run name "${tid}" repeats; loaded as "${tid}#${dup + 1}"`, false);
        tid = `${tid}#${dup + 1}`;
      }
      if (name && id) attrs.name = name;
      for (const k of Object.keys(summary)) metricOrder.add(k);
      runs.push({ id: tid, status: state.status, reason: state.reason, hp, summary, attrs, group, line });
    },
    options.onProgress,
    undefined,
    options.encoding,
  );
  if (!header) throw new TunebookError(`empty file: expected a W&B runs CSV`, path);
  if (runs.length === 0) throw new TunebookError(`no runs could be read${log.first ? `: ${log.first.message}` : ""}`, path, log.first?.line);
  const metrics = [...metricOrder];
  const metric = options.objective ?? defaultMetric(metrics.filter((m) => m !== "_step" && m !== "_runtime")) ?? "loss";
  if (options.objective && !metricOrder.has(options.objective))
    log.add(undefined, options.objective, `objective "${options.objective}" is not a summary metric of any run (metrics: ${metrics.join(", ") || "none"})`, false);
  const b = new StudyBuilder(options.name ?? studyNameFrom(path), { metric, direction: options.direction ?? guessDirection(metric) });
  b.source = { path, format: "wandb-csv" };
  const groups = new Set(runs.map((r) => r.group));
  for (const r of runs) {
    const v = metric in r.summary ? r.summary[metric]! : null;
    if (r.reason && r.status !== "complete") r.attrs.reason = r.reason;
    const rest = safeRecord<number>();
    for (const [k, x] of Object.entries(r.summary)) if (k !== metric) rest[k] = x;
    if (Object.keys(rest).length) r.attrs.summary = rest;
    const step = r.summary._step;
    // A NaN/Inf loss in the summary marks a diverged run even when the objective is finite.
    const badLoss = Object.keys(rest).find((k) => isLossMetric(k) && !Number.isFinite(rest[k]!));
    let status = r.status;
    if (badLoss && (status === "complete" || status === "running")) {
      status = "diverged";
      r.attrs.divergedMetric = badLoss;
    }
    b.trial({
      id: r.id,
      status,
      hparams: r.hp,
      final: v,
      best: v,
      bestStep: null,
      steps: step !== undefined && Number.isFinite(step) ? step : null,
      group: groups.size > 1 || r.group !== null ? r.group : null,
      attrs: r.attrs,
    });
  }
  for (const is of log.finish()) b.warnings.push(is);
  return b.build();
}

export const wandbCsvFormat = defineFormat({
  name: "wandb-csv",
  detect(p: Probe): number {
    if (p.isDirectory) return 0;
    const first = (p.head.toString("utf8").replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "").toLowerCase();
    const cols = first.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
    const has = (c: string) => cols.includes(c);
    if (has("name") && has("state") && ["created", "runtime", "sweep", "user", "notes", "tags"].some(has)) return 50;
    if (has("name") && has("summary") && has("config")) return 50;
    return 0;
  },
  load: loadWandbCsv,
});
