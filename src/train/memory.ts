/**
 * Memory estimate of one training step, checked before training: on the wasm backend an
 * allocation that fails inside a kernel traps and leaves the wasm instance unusable, so a batch
 * size that cannot fit must be reported as `oom` before it runs, not after.
 */
import os from "node:os";
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "./data.js";
import type { BackendName, ModelConfig } from "./types.js";

/** Largest wasm heap (4 GiB − 64 KiB). */
export const WASM_HEAP_BYTES = 4294901760;

/**
 * Rough peak bytes of one training step of a built-in model (float32): parameters with gradients
 * and optimizer slots, the batch's activations kept for the backward pass plus their gradients
 * and temporaries, and the data set itself. Errs on the high side.
 *
 * @example
 * estimateStepBytes({ name: "mlp", hidden: [256, 256] }, [784], 10, 128, 8000) // ≈ 40 MB
 */
export function estimateStepBytes(model: ModelConfig, inputShape: number[], outputs: number, batch: number, nExamples: number): number {
  const inSize = inputShape.reduce((a, b) => a * b, 1);
  let params = 0;
  let actPerExample = inSize;
  let largestPerExample = inSize;
  if (model.name === "mlp") {
    const sizes = [inSize, ...model.hidden, outputs];
    for (let i = 0; i + 1 < sizes.length; i++) {
      params += sizes[i]! * sizes[i + 1]! + sizes[i + 1]!;
      actPerExample += sizes[i + 1]!;
      largestPerExample = Math.max(largestPerExample, sizes[i + 1]!);
    }
  } else {
    const k = model.kernel_size ?? 3;
    let [h, w, c] = inputShape.length === 3 ? inputShape : [28, 28, 1];
    for (const f of model.filters) {
      params += k * k * c! * f + f;
      actPerExample += h! * w! * f * 2;
      largestPerExample = Math.max(largestPerExample, h! * w! * f);
      h = Math.ceil(h! / 2); w = Math.ceil(w! / 2); c = f;
    }
    const flat = h! * w! * c!;
    const dense = model.dense ?? 64;
    params += dense > 0 ? flat * dense + dense + dense * outputs + outputs : flat * outputs + outputs;
    actPerExample += dense + outputs;
  }
  // weights, gradient, clipped gradient, two optimizer slots, update temporaries
  const paramBytes = params * 4 * 7;
  // activations saved for backward + their gradients + elementwise temporaries
  const actBytes = batch * actPerExample * 4 * 4;
  const largest = batch * largestPerExample * 4;
  const dataBytes = nExamples * inSize * 4 * 1.25;
  return Math.max(paramBytes + actBytes + dataBytes, largest);
}

/**
 * Bytes a step may use on `backend`: the wasm heap limit minus what is allocated already, else
 * the machine's free memory.
 *
 * @example
 * memoryBudget("wasm") // ≤ 4 GiB
 */
export function memoryBudget(backend: BackendName): number {
  if (backend === "wasm") return WASM_HEAP_BYTES - tf.memory().numBytes;
  return os.freemem();
}

/**
 * Null if the step should fit, else a message saying it will not.
 *
 * @example
 * checkFits({ name: "mlp", hidden: [8192] }, ds, 1 << 17, "wasm") // "out of memory: …"
 */
export function checkFits(model: ModelConfig, ds: Dataset, batch: number, backend: BackendName): string | null {
  const need = estimateStepBytes(model, ds.inputShape, ds.outputs, batch, ds.nTrain + ds.nValidation);
  const have = memoryBudget(backend);
  if (need <= have) return null;
  return `out of memory: a training step at batch size ${batch} needs about ${(need / 2 ** 30).toFixed(2)} GiB, the ${backend} backend has ${(have / 2 ** 30).toFixed(2)} GiB`;
}
