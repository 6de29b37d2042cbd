/** Small studies written the way `tunebook run` writes them, for tests that need a case the bundled data lacks. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StudyStore, trialId } from "../../src/study/store.js";

/** A batch-size study in the format `tunebook run` writes: throughput per batch size, one OOM. */
export function batchSizeStudyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tunebook-bs-"));
  const store = new StudyStore(dir);
  store.writeManifest({ format: "tunebook-study", version: 1, name: "batch-size", objective: { metric: "validation/loss", direction: "minimize" }, sampler: "grid", seed: 0, trials: 5, config: {}, tunebook: "test" });
  // Throughput grows then saturates, as on a real accelerator; the largest batch runs out of memory.
  const eps: Record<number, number> = { 32: 1000, 64: 1900, 128: 3000, 256: 3100 };
  [32, 64, 128, 256, 512].forEach((bs, index) => {
    const id = trialId(index);
    store.begin({ index, id, status: "running", hparams: { batch_size: bs, learning_rate: 0.1 } });
    if (bs === 512) {
      store.writeRecord({ index, id, status: "oom", hparams: { batch_size: bs, learning_rate: 0.1 }, error: "out of memory" });
      return;
    }
    const rows = [];
    for (let step = 0; step <= 1000; step += 10) {
      rows.push({ step, metric: "validation/loss", value: 2.2 - step / (4000 / (bs / 32)) });
      rows.push({ step, metric: "examples_per_sec", value: eps[bs]! + (step % 20 === 0 ? 5 : -5) });
    }
    store.appendMeasurements(index, rows);
    store.writeRecord({ index, id, status: "complete", hparams: { batch_size: bs, learning_rate: 0.1 } });
  });
  return dir;
}

