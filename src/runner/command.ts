/**
 * External command trials: how users tune PyTorch or JAX code with tunebook.
 * The command prints JSON lines (`{"step": 100, "train/loss": 0.3, "validation/accuracy": 0.9}`)
 * on stdout; each becomes measurements. Hyperparameters reach it as arguments (never through a
 * shell) and as the environment variable TUNEBOOK_HPARAMS (JSON).
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { HpValue, TrialStatus } from "../study/types.js";
import { TunebookError } from "../study/types.js";
import { parseNumber } from "../study/builder.js";

export interface CommandTrialOptions {
  argv: string[];
  hparams: Record<string, HpValue>;
  cwd: string;
  env?: Record<string, string>;
  /** Seconds; 0 = no timeout. */
  timeout: number;
  signal?: AbortSignal;
  trialId: string;
  onMeasurements(rows: Array<{ step: number; metric: string; value: number }>): void;
  onLog(text: string): void;
}

export interface CommandTrialResult {
  status: TrialStatus;
  exitCode: number | null;
  error?: string;
  interrupted?: boolean;
}

/** Signs of running out of memory in a command's output (PyTorch, JAX/XLA, TensorFlow, the kernel's OOM killer). */
const OOM_PATTERN = /CUDA out of memory|OutOfMemoryError|RESOURCE_EXHAUSTED|ResourceExhausted|out of memory|Cannot allocate memory|std::bad_alloc|MemoryError/i;

/** Split a command string into words; quotes group words. No shell features (no $, ;, |, globbing). */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3]!));
  return out;
}

/**
 * Fill `{name}` placeholders in each argument from the trial's hyperparameters.
 * An argument whose placeholder names an inactive (absent) hyperparameter is dropped, and so is
 * the `--flag` right before it, so conditional hyperparameters simply disappear from the command.
 *
 * @example
 * fillArgs(["train.py", "--lr", "{learning_rate}"], { learning_rate: 0.01 }); // ["train.py", "--lr", "0.01"]
 */
export function fillArgs(template: string[], hparams: Record<string, HpValue>): string[] {
  const out: string[] = [];
  for (const arg of template) {
    let missing = false;
    const filled = arg.replace(/\{([A-Za-z_][\w.-]*)\}/g, (_m, name: string) => {
      const v = Object.prototype.hasOwnProperty.call(hparams, name) ? hparams[name] : undefined;
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

/** Turn one stdout JSON line into measurements. Returns undefined when the line is not a measurement. */
export function parseMeasurementLine(line: string): Array<{ step: number; metric: string; value: number }> | undefined {
  const t = line.trim();
  if (!t.startsWith("{")) return undefined;
  let obj: Record<string, unknown>;
  try {
    // Python's json.dumps writes bare NaN / Infinity: make them strings first.
    obj = JSON.parse(t.replace(/(?<=[:\[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '"$1"'));
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== "object") return undefined;
  const step = parseNumber(obj.step ?? obj.global_step ?? obj.epoch);
  if (step === undefined || !Number.isFinite(step)) return undefined;
  const rows: Array<{ step: number; metric: string; value: number }> = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === "step" || k === "global_step" || k === "epoch") continue;
    const n = parseNumber(v);
    if (n !== undefined && typeof v !== "boolean") rows.push({ step, metric: k, value: n });
  }
  return rows;
}

/**
 * Run one command trial to completion.
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
    let oomSeen = false;
    let timedOut = false;
    let interrupted = false;
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
      detached: process.platform !== "win32",
    });
    const killTree = (sig: NodeJS.Signals) => {
      try {
        if (child.pid && process.platform !== "win32") process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        /* already gone */
      }
    };
    const timer = o.timeout > 0 ? setTimeout(() => ((timedOut = true), killTree("SIGKILL")), o.timeout * 1000) : undefined;
    const onAbort = () => ((interrupted = true), killTree("SIGTERM"));
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const out = createInterface({ input: child.stdout! as unknown as NodeJS.ReadableStream });
    out.on("line", (line) => {
      const rows = parseMeasurementLine(line);
      if (rows) o.onMeasurements(rows);
      else o.onLog(`[stdout] ${line}\n`);
    });
    child.stderr!.on("data", (b: Buffer) => {
      const s = b.toString("utf8");
      if (OOM_PATTERN.test(s)) oomSeen = true;
      o.onLog(s);
    });
    let spawnError: Error | undefined;
    child.on("error", (e) => (spawnError = e));
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      if (spawnError) return resolvePromise({ status: "failed", exitCode: null, error: `could not start "${cmd}": ${spawnError.message}` });
      if (interrupted) return resolvePromise({ status: "running", exitCode: code, interrupted: true, error: "interrupted" });
      if (timedOut) return resolvePromise({ status: "failed", exitCode: code, error: `timed out after ${o.timeout} s` });
      if (code === 0) return resolvePromise({ status: "complete", exitCode: 0 });
      if (oomSeen || code === 137 || signal === "SIGKILL")
        return resolvePromise({ status: "oom", exitCode: code, error: oomSeen ? "out of memory (reported by the command)" : `killed (exit ${code ?? signal}): likely out of memory` });
      resolvePromise({ status: "failed", exitCode: code, error: `exited with ${code ?? signal}` });
    });
  });
}
