/**
 * Throughput scan for the playbook's batch-size choice: examples per second at each batch size,
 * "until it stops growing or runs out of memory".
 */
import { Trainer, isOutOfMemory } from "./train.js";
import type { ThroughputPoint, TrainConfig } from "./types.js";

/**
 * Time `steps` training steps (after `warmup` untimed ones) of `config` at each batch size and
 * report examples/s and ms/step; a batch size that runs out of memory is marked `oom` and the scan
 * goes on (smaller batch sizes are not affected by a larger one failing).
 *
 * @example
 * const points = await throughputScan({ ...defaultTrainConfig(), backend: "wasm" }, [32, 64, 128, 256]);
 * // [{ batch_size: 32, examples_per_sec: 2400, ms_per_step: 13.3, status: "ok" }, …]
 */
export async function throughputScan(
  config: TrainConfig,
  batchSizes: number[],
  opts: { steps?: number; warmup?: number } = {},
): Promise<ThroughputPoint[]> {
  const steps = opts.steps ?? 10;
  const warmup = opts.warmup ?? 2;
  const out: ThroughputPoint[] = [];
  for (const b of batchSizes) {
    let trainer: Trainer | null = null;
    try {
      trainer = await Trainer.create({ ...config, batch_size: b, steps: steps + warmup, eval_every: steps + warmup }, { onMeasurement: () => {} });
      const lr = config.optimizer.learning_rate;
      for (let i = 0; i < warmup; i++) trainer.trainStep(lr);
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) trainer.trainStep(lr);
      const ms = (performance.now() - t0) / steps;
      out.push({ batch_size: b, examples_per_sec: (b * 1000) / ms, ms_per_step: ms, status: "ok" });
    } catch (e) {
      out.push({ batch_size: b, examples_per_sec: null, ms_per_step: null, status: isOutOfMemory(e) ? "oom" : "failed", error: e instanceof Error ? e.message : String(e) });
    } finally {
      trainer?.dispose();
    }
  }
  return out;
}
