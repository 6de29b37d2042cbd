/**
 * Checkpoints for retrospective checkpoint selection: keep the N best by the validation objective
 * plus the last, in memory (and optionally on disk), so the best step can be restored.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isBetter, TunebookError, type Direction } from "../study/types.js";
import type { CheckpointInfo } from "./types.js";

interface Held {
  step: number;
  value: number;
  weights: tf.Tensor[];
  path?: string;
}

/**
 * Keeps the `keep` best checkpoints by objective value (in `direction`) and the latest one.
 *
 * @example
 * const store = new CheckpointStore(2, "minimize");
 * store.save(100, 0.5, net.variables); store.restore(100, net.variables);
 */
export class CheckpointStore {
  private best: Held[] = [];
  private last: Held | null = null;

  constructor(readonly keep: number, readonly direction: Direction, readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** Offer the weights at `step` with objective `value`; kept if among the best or as the last. */
  save(step: number, value: number, variables: tf.Variable[]): void {
    const weights = variables.map((v) => tf.clone(v));
    const held: Held = { step, value, weights };
    if (this.dir) held.path = writeCheckpoint(path.join(this.dir, `step_${step}`), weights, step, value);
    const prevLast = this.last;
    this.last = held;
    const qualifies = this.keep > 0 && Number.isFinite(value) &&
      (this.best.length < this.keep || isBetter(value, this.best[this.best.length - 1]!.value, this.direction));
    if (qualifies) {
      this.best.push(held);
      // stable sort: among equal values the earlier step stays ahead
      this.best.sort((a, b) => (isBetter(a.value, b.value, this.direction) ? -1 : isBetter(b.value, a.value, this.direction) ? 1 : a.step - b.step));
      while (this.best.length > this.keep) this.drop(this.best.pop()!);
    }
    if (prevLast && prevLast !== held) this.drop(prevLast);
  }

  private drop(h: Held): void {
    if (h === this.last || this.best.includes(h)) return;
    h.weights.forEach((w) => w.dispose());
    if (h.path) rmSync(h.path, { recursive: true, force: true });
  }

  /** The best kept checkpoint's step (null if none). */
  bestStep(): number | null {
    return this.best[0]?.step ?? null;
  }

  /** Kept checkpoints, best first, then the last (if it is not among the best). */
  list(): CheckpointInfo[] {
    const out: CheckpointInfo[] = this.best.map((h) => ({ step: h.step, value: h.value, kind: "best" as const, ...(h.path ? { path: h.path } : {}) }));
    if (this.last && !this.best.includes(this.last)) {
      out.push({ step: this.last.step, value: this.last.value, kind: "last", ...(this.last.path ? { path: this.last.path } : {}) });
    }
    return out;
  }

  /** Copy the weights kept for `step` into `variables`. Throws TunebookError if not kept. */
  restore(step: number, variables: tf.Variable[]): void {
    const h = [...this.best, ...(this.last ? [this.last] : [])].find((c) => c.step === step);
    if (!h) throw new TunebookError(`no checkpoint kept for step ${step} (kept: ${this.list().map((c) => c.step).join(", ")})`);
    if (h.weights.length !== variables.length) throw new TunebookError(`checkpoint has ${h.weights.length} tensors, model has ${variables.length}`);
    variables.forEach((v, i) => v.assign(h.weights[i]!));
  }

  dispose(): void {
    for (const h of new Set([...this.best, ...(this.last ? [this.last] : [])])) h.weights.forEach((w) => w.dispose());
    this.best = [];
    this.last = null;
  }
}

/** Write weights as `manifest.json` (shapes, step, value) + `weights.bin` (float32). Returns the folder. */
function writeCheckpoint(folder: string, weights: tf.Tensor[], step: number, value: number): string {
  mkdirSync(folder, { recursive: true });
  const arrays = weights.map((w) => w.dataSync() as Float32Array);
  const total = arrays.reduce((a, b) => a + b.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const a of arrays) { buf.set(a, off); off += a.length; }
  writeFileSync(path.join(folder, "weights.bin"), Buffer.from(buf.buffer));
  writeFileSync(path.join(folder, "manifest.json"), JSON.stringify({ step, value, shapes: weights.map((w) => w.shape) }));
  return folder;
}

/**
 * Read a checkpoint folder written with `checkpoints.dir` back as tensors (same order as the
 * model's variables) plus its step and objective value.
 *
 * @example
 * const ck = loadCheckpoint("ckpt/step_300"); net.variables.forEach((v, i) => v.assign(ck.weights[i]));
 */
export function loadCheckpoint(folder: string): { step: number; value: number; weights: tf.Tensor[] } {
  let manifest: { step: number; value: number; shapes: number[][] };
  try {
    manifest = JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
  } catch (e) {
    throw new TunebookError(`cannot read checkpoint manifest: ${(e as Error).message}`, path.join(folder, "manifest.json"));
  }
  const bin = readFileSync(path.join(folder, "weights.bin"));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let off = 0;
  const weights = manifest.shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const t = tf.tensor(all.subarray(off, off + n), s);
    off += n;
    return t;
  });
  if (off !== all.length) throw new TunebookError(`weights.bin holds ${all.length} floats, manifest describes ${off}`, folder);
  return { step: manifest.step, value: manifest.value, weights };
}
