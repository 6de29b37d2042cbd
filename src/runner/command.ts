/**
 * External command trials: how users tune PyTorch or JAX code with tunebook.
 * The command prints JSON lines (`{"step": 100, "train/loss": 0.3, "validation/accuracy": 0.9}`)
 * on stdout; each becomes measurements. Hyperparameters reach it as arguments (never through a
 * shell) and as the environment variable TUNEBOOK_HPARAMS (JSON).
 */
import { spawn } from "node:child_process";
import type { HpValue, TrialStatus } from "../study/types.js";
import { TunebookError } from "../study/types.js";
import { processStatus } from "../study/status.js";
import { isStep, numberFrom, overflowMessage, overflowed, whyNotNumber, whyNotStep } from "../core/numbers.js";
import { guardTrainer, killTrainer, releaseTrainer } from "./lifetime.js";

export interface CommandTrialOptions {
  argv: string[];
  hparams: Record<string, HpValue>;
  cwd: string;
  env?: Record<string, string>;
  /** Seconds; 0 = no timeout. */
  timeout: number;
  signal?: AbortSignal;
  trialId: string;
  /** May throw (a full disk): the trial then ends `failed` with the reason. */
  onMeasurements(rows: Array<{ step: number; metric: string; value: number }>): void;
  /** May throw, like onMeasurements. */
  onLog(text: string): void;
}

export interface CommandTrialResult {
  status: TrialStatus;
  exitCode: number | null;
  error?: string;
  interrupted?: boolean;
  /** The trial ended because its files could not be written. */
  storage?: boolean;
}

/** A stdout line longer than this is not a measurement: it is truncated into the log, not buffered. */
export const MAX_LINE_BYTES = 1 << 20;
/** How much of an over-long line the log keeps. */
const LOGGED_PREFIX_BYTES = 4096;
/** A trial's log stops growing here (a trainer printing without end cannot fill the disk). */
export const MAX_LOG_BYTES = 64 << 20;
/** How much of stderr's end is kept to look for an out-of-memory message when the trainer fails. */
const STDERR_TAIL_BYTES = 64 << 10;
/** Seconds between SIGTERM and SIGKILL when a trial is interrupted. */
const KILL_GRACE_SECONDS = 5;

/** Split a command string into words; quotes group words. No shell features (no $, ;, |, globbing). */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3]!));
  return out;
}

/**
 * Fill `{name}` placeholders in each argument from the trial's hyperparameters (the config check
 * has made sure each names one). An argument whose placeholder names an inactive (absent,
 * conditional) hyperparameter is dropped, and so is the `--flag` right before it.
 *
 * @example
 * fillArgs(["train.py", "--lr", "{learning_rate}"], { learning_rate: 0.01 }); // ["train.py", "--lr", "0.01"]
 */
export function fillArgs(template: string[], hparams: Record<string, HpValue>): string[] {
  const out: string[] = [];
  for (const arg of template) {
    let missing = false;
    const filled = arg.replace(/\{([A-Za-z_][\w.-]*)\}/g, (_m, name: string) => {
      const v = Object.hasOwn(hparams, name) ? hparams[name] : undefined;
      if (v === undefined || v === null) {
        missing = true;
        return "";
      }
      return String(v);
    });
    if (missing) {
      if (out.length && /^--?[A-Za-z]/.test(out[out.length - 1]!) && /^\{[^}]+\}$/.test(arg)) out.pop();
      continue;
    }
    out.push(filled);
  }
  return out;
}

export type MeasurementRow = { step: number; metric: string; value: number };

/** What one stdout line says: measurements, and what was wrong with parts of it. */
export interface MeasurementLine {
  rows: MeasurementRow[];
  /** Problems, each with a key so a trainer repeating one is warned once. */
  problems: Array<{ key: string; message: string }>;
}

const STEP_KEYS = ["step", "global_step", "epoch"] as const;
/** Marks Python's bare NaN / Infinity tokens while the line is parsed as JSON. */
const BARE = "\u0000tunebook:";

/** A JSON value read as a number by the project's one rule (core/numbers), bare NaN/Infinity included. */
const numberOf = (v: unknown): number | undefined => numberFrom(typeof v === "string" && v.startsWith(BARE) ? v.slice(BARE.length) : v);
const shownValue = (v: unknown): string => (typeof v === "string" && v.startsWith(BARE) ? v.slice(BARE.length) : (JSON.stringify(v) ?? String(v)));

/**
 * Read one stdout line of a command trainer. Returns undefined when the line is not a JSON
 * object (it goes to the log). Numbers are read as written, by the rule every loader uses
 * (src/core/numbers.ts): a JSON number, bare NaN / Infinity as Python writes them, or a string
 * that spells a number ("1e-3", "nan", "-inf"); "0x10", "1,5", booleans and null are not numbers.
 * The step must be a non-negative integer.
 *
 * @example
 * readMeasurementLine('{"step": 3, "train/loss": NaN, "acc": 0.5}')!.rows.length // 2
 * readMeasurementLine('{"step": -7, "loss": 1}')!.problems[0].message // "step must be a non-negative integer, not -7: line skipped"
 */
export function readMeasurementLine(line: string): MeasurementLine | undefined {
  const t = line.trim();
  if (!t.startsWith("{")) return undefined;
  let obj: Record<string, unknown>;
  try {
    // Bare NaN / Infinity become marked strings, so a quoted "0x10" is still told apart.
    obj = JSON.parse(t.replace(/(?<=[:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '"\\u0000tunebook:$1"'));
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const stepKey = STEP_KEYS.find((k) => k in obj);
  if (stepKey === undefined) return { rows: [], problems: [{ key: "step:missing", message: `a JSON line without "step": line skipped` }] };
  const raw = obj[stepKey];
  const step = numberOf(raw);
  if (!isStep(step)) {
    const written = typeof raw === "string" && raw.startsWith(BARE) ? raw.slice(BARE.length) : raw;
    return { rows: [], problems: [{ key: `step:${typeof raw}`, message: `${stepKey} ${whyNotStep(written, shownValue(raw))}: line skipped` }] };
  }
  const rows: MeasurementRow[] = [];
  const problems: MeasurementLine["problems"] = [];
  for (const [k, v] of Object.entries(obj)) {
    if ((STEP_KEYS as readonly string[]).includes(k)) continue;
    const value = numberOf(v);
    if (value !== undefined) {
      rows.push({ step, metric: k, value });
      // A JSON number beyond a double (1e400) parses as ±Infinity: recorded, but not silently.
      if ((value === Infinity || value === -Infinity) && overflowed(v)) problems.push({ key: `overflow:${k}`, message: `"${k}": ${overflowMessage(v)}` });
    }
    else problems.push({ key: `value:${k}`, message: `"${k}": ${whyNotNumber(v)}: not recorded (write numbers, or NaN/Infinity)` });
  }
  return { rows, problems };
}

/**
 * Run one command trial to completion. The trainer runs in its own process group, registered
 * with the reaper so it dies with the runner.
 *
 * @example
 * const r = await runCommandTrial({ argv: ["python3", "train.py", "--lr", "0.1"], hparams: { lr: 0.1 }, cwd: ".",
 *   timeout: 60, trialId: "trial-000000", onMeasurements: console.log, onLog: () => {} });
 * r.status; // "complete"
 */
export function runCommandTrial(o: CommandTrialOptions): Promise<CommandTrialResult> {
  return new Promise((resolvePromise) => {
    if (o.argv.length === 0) throw new TunebookError("the trainer command is empty");
    const [cmd, ...args] = o.argv;
    let timedOut = false;
    let interrupted = false;
    let storageError: string | undefined;
    let logBytes = 0;
    let stderrTail = "";
    const warned = new Set<string>();
    const child = spawn(cmd!, args, {
      cwd: o.cwd,
      env: {
        ...process.env,
        ...o.env,
        TUNEBOOK_TRIAL: o.trialId,
        TUNEBOOK_HPARAMS: JSON.stringify(o.hparams),
        PYTHONUNBUFFERED: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
      shell: false,
      detached: process.platform !== "win32", // its own process group: a timeout kills all it started
    });
    const pgid = child.pid;
    if (pgid && process.platform !== "win32") guardTrainer(pgid);
    const killTree = (sig: NodeJS.Signals) => {
      if (pgid && process.platform !== "win32") killTrainer(pgid, sig);
      else child.kill(sig);
    };
    // A failed write (ENOSPC, EIO) ends the trial: its records stay as they were, it is `failed`.
    const guarded = (what: () => void) => {
      if (storageError) return;
      try {
        what();
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        storageError = `could not write the trial's files: ${err.code ? `${err.code} (${err.message})` : err.message}`;
        killTree("SIGKILL");
      }
    };
    const log = (text: string) => {
      if (logBytes >= MAX_LOG_BYTES) return;
      logBytes += Buffer.byteLength(text);
      guarded(() => o.onLog(logBytes >= MAX_LOG_BYTES ? `${text}\n[tunebook] the log reached ${MAX_LOG_BYTES >> 20} MiB: the rest of this trial's output is not kept\n` : text));
    };
    const timer = o.timeout > 0 ? setTimeout(() => ((timedOut = true), killTree("SIGKILL")), o.timeout * 1000) : undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      interrupted = true;
      killTree("SIGTERM");
      graceTimer = setTimeout(() => killTree("SIGKILL"), KILL_GRACE_SECONDS * 1000);
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener("abort", onAbort, { once: true });
    const onLine = (line: string) => {
      const parsed = readMeasurementLine(line);
      if (!parsed) return log(`[stdout] ${line}\n`);
      if (parsed.rows.length) guarded(() => o.onMeasurements(parsed.rows));
      for (const p of parsed.problems) {
        if (warned.has(p.key)) continue;
        warned.add(p.key);
        log(`[tunebook] warning: stdout: ${p.message} (warned once)\n`);
      }
    };
    // Lines are split by hand so that one without an end is never held whole in memory.
    let parts: Buffer[] = [];
    let partLen = 0;
    let overLong = 0; // bytes of the current line beyond the limit (0: not over)
    child.stdout!.on("data", (chunk: Buffer) => {
      let from = 0;
      for (let nl = chunk.indexOf(10, from); from < chunk.length; nl = chunk.indexOf(10, from)) {
        const end = nl < 0 ? chunk.length : nl;
        const piece = chunk.subarray(from, end);
        if (overLong > 0) overLong += piece.length;
        else if (partLen + piece.length > MAX_LINE_BYTES) {
          const head = Buffer.concat([...parts, piece]).subarray(0, LOGGED_PREFIX_BYTES).toString("utf8");
          overLong = partLen + piece.length;
          parts = [];
          partLen = 0;
          log(`[stdout] ${head}…\n`);
        } else {
          parts.push(piece);
          partLen += piece.length;
        }
        if (nl < 0) break;
        if (overLong > 0) log(`[tunebook] warning: a stdout line of ${overLong} bytes exceeded the ${MAX_LINE_BYTES >> 20} MiB limit: truncated above, not read as measurements\n`);
        else onLine(Buffer.concat(parts).toString("utf8"));
        parts = [];
        partLen = 0;
        overLong = 0;
        from = nl + 1;
      }
    });
    child.stdout!.on("end", () => {
      if (overLong > 0) log(`[tunebook] warning: a stdout line of ${overLong} bytes exceeded the ${MAX_LINE_BYTES >> 20} MiB limit: truncated above, not read as measurements\n`);
      else if (partLen > 0) onLine(Buffer.concat(parts).toString("utf8"));
      parts = [];
    });
    child.stderr!.on("data", (b: Buffer) => {
      const s = b.toString("utf8");
      stderrTail = (stderrTail + s).slice(-STDERR_TAIL_BYTES);
      log(s);
    });
    let spawnError: Error | undefined;
    child.on("error", (e) => (spawnError = e));
    child.on("close", (code, signal) => {
      // A scheduler (Slurm's scancel, a pod's termination) signals every process of the job at
      // once: the trainer may end before the runner has handled its own SIGTERM. Give that a
      // moment, so the trial is recorded as interrupted (rerun by --resume), not failed.
      if (signal && ["SIGTERM", "SIGINT", "SIGHUP"].includes(signal) && !interrupted && !timedOut) {
        setTimeout(() => ended(code, signal), 750);
        return;
      }
      ended(code, signal);
    });
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      if (o.signal?.aborted) interrupted = true;
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      if (pgid) {
        killTree("SIGKILL"); // whatever the trainer left behind in its group
        releaseTrainer(pgid);
      }
      o.signal?.removeEventListener("abort", onAbort);
      if (spawnError) return resolvePromise({ status: "failed", exitCode: null, error: `could not start "${cmd}": ${spawnError.message}` });
      if (storageError) return resolvePromise({ status: "failed", exitCode: code, error: storageError, storage: true });
      if (interrupted) return resolvePromise({ status: "running", exitCode: code, interrupted: true, error: "interrupted" });
      if (timedOut) return resolvePromise({ status: "failed", exitCode: code, error: `timed out after ${o.timeout} s` });
      const r = processStatus({ code, signal, stderrTail });
      resolvePromise({ status: r.status, exitCode: code, ...(r.reason ? { error: r.reason } : {}) });
    };
  });
}
