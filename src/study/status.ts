/**
 * The one status rule: how a trial's outcome becomes `complete`, `diverged`, `failed` or `oom`.
 * The runner (src/runner) applies it to the trials it runs and the study builder (every loader)
 * applies it to the trials it reads, so a study directory, the run summary and `tunebook load`
 * always agree.
 *
 * - **diverged**: a trial that finished (or is still running) with a NaN or ±Infinity value of
 *   its objective or of any loss metric (a metric named `loss`, `train/loss`, `loss_val`…).
 * - **oom**: only when the trainer process failed AND either it was killed by SIGKILL (what the
 *   kernel's OOM killer sends; exit status 137 when a shell wrapper reports it), or its stderr
 *   has one of the explicit messages in {@link OOM_MESSAGES}. A log line that merely mentions
 *   "out of memory" (e.g. "out of memory errors: none") is not one.
 * - **failed**: any other non-zero exit, a timeout, a trainer that could not start, or a record
 *   that could not be written.
 * - **complete**: exit 0 and no divergence.
 * - **pruned**: stopped early on purpose by the tuner (Optuna's PRUNED); feasible, and diverged
 *   like a complete trial when its values went NaN/Inf.
 */
import type { TrialStatus } from "./types.js";

/** Metrics whose NaN/Inf marks a trial as diverged (besides the objective). */
export function isLossMetric(metric: string): boolean {
  return /(^|[/_.])loss($|[/_.])|^loss|loss$/i.test(metric);
}

/**
 * Does a non-finite value of `metric` make the trial diverged?
 * @example divergenceMetric("train/loss", "validation/accuracy") // true
 */
export function divergenceMetric(metric: string, objectiveMetric: string): boolean {
  return metric === objectiveMetric || isLossMetric(metric);
}

/**
 * The out-of-memory messages trainers print, one per framework. Each is specific enough that a
 * line matching it is an allocation failure, not a log line about memory.
 */
export const OOM_MESSAGES: ReadonlyArray<{ source: string; pattern: RegExp }> = [
  { source: "PyTorch (CUDA)", pattern: /\bCUDA out of memory\b/ },
  { source: "PyTorch", pattern: /\b(?:torch\.(?:cuda\.)?)?OutOfMemoryError\b/ },
  { source: "PyTorch (CPU allocator)", pattern: /DefaultCPUAllocator: (?:can't|not enough memory)/ },
  { source: "TensorFlow / JAX (XLA)", pattern: /\bRESOURCE_EXHAUSTED\b|\bResourceExhaustedError\b|\bOOM when allocating tensor\b/ },
  { source: "Python", pattern: /^(?:\w+\.)*MemoryError\b/m },
  { source: "C++", pattern: /\bstd::bad_alloc\b/ },
  { source: "Node.js", pattern: /JavaScript heap out of memory/ },
];

/**
 * Which framework's OOM message `text` contains, or undefined.
 * @example oomMessage("RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB") // "PyTorch (CUDA)"
 * @example oomMessage("epoch 3: out of memory errors: none") // undefined
 */
export function oomMessage(text: string): string | undefined {
  for (const m of OOM_MESSAGES) if (m.pattern.test(text)) return m.source;
  return undefined;
}

/** How a trainer process ended. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of its stderr (where an OOM message is). */
  stderrTail?: string;
}

/**
 * Status and reason of a trainer process that ended on its own (not timed out or interrupted).
 *
 * @example
 * processStatus({ code: 1, signal: null, stderrTail: "RuntimeError: CUDA out of memory." })
 * // { status: "oom", reason: "out of memory (PyTorch (CUDA) message on stderr), exit 1" }
 * processStatus({ code: 1, signal: null, stderrTail: "out of memory errors: none" })
 * // { status: "failed", reason: "exited with 1" }
 */
export function processStatus(end: ProcessEnd): { status: Exclude<TrialStatus, "running" | "diverged">; reason?: string } {
  if (end.code === 0 && end.signal === null) return { status: "complete" };
  const how = end.signal ? `killed by ${end.signal}` : `exit ${end.code}`;
  const msg = end.stderrTail ? oomMessage(end.stderrTail) : undefined;
  if (msg) return { status: "oom", reason: `out of memory (${msg} message on stderr), ${how}` };
  if (end.signal === "SIGKILL" || end.code === 137) return { status: "oom", reason: `${how}: the kernel's OOM killer sends SIGKILL` };
  return { status: "failed", reason: end.signal ? how : `exited with ${end.code}` };
}

/**
 * Apply divergence: a trial that would be `complete` (or is `pruned` or `running`) becomes `diverged` when
 * its objective or a loss went NaN/Inf. Infeasible outcomes (failed, oom) keep their status.
 *
 * @example withDivergence("complete", true) // "diverged"
 * @example withDivergence("failed", true) // "failed"
 */
export function withDivergence(status: TrialStatus, nonFinite: boolean): TrialStatus {
  return nonFinite && (status === "complete" || status === "pruned" || status === "running") ? "diverged" : status;
}
