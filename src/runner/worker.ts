/**
 * A worker process of the study runner: runs tfjs trials one at a time, sent by the parent over
 * IPC, and streams measurements back in batches. One process per worker keeps a crashing trial
 * (or a wasm abort) from taking the others down.
 */
import type { HpValue, Objective } from "../study/types.js";

interface RunMessage {
  type: "run";
  index: number;
  id: string;
  hparams: Record<string, HpValue>;
  base: Record<string, unknown>;
  objective: Objective;
}

type Row = { step: number; metric: string; value: number };

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && prev && typeof prev === "object" && !Array.isArray(prev) ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

async function runTrial(m: RunMessage): Promise<void> {
  const train = await import("../train/index.js");
  let batch: Row[] = [];
  const flush = () => {
    if (batch.length) process.send!({ type: "measurements", rows: batch });
    batch = [];
  };
  const timer = setInterval(flush, 250);
  try {
    const base = train.validateTrainConfig(deepMerge(train.defaultTrainConfig() as unknown as Record<string, unknown>, m.base), "trainer.config");
    const cfg = train.hparamsToTrainConfig({ ...base, objective: base.objective ?? m.objective }, m.hparams);
    const result = await train.trainTrial(cfg, {
      onMeasurement(step: number, metric: string, value: number) {
        batch.push({ step, metric, value });
        if (batch.length >= 512) flush();
      },
    });
    flush();
    process.send!({
      type: "done",
      result: {
        status: result.status,
        error: result.error,
        divergedStep: result.divergedStep,
        backend: result.backend,
        attrs: { bestStep: result.bestStep, steps: result.steps, trainWallSeconds: result.wallSeconds },
      },
    });
  } catch (e) {
    flush();
    process.send!({ type: "done", result: { status: "failed", error: (e as Error).message } });
  } finally {
    clearInterval(timer);
  }
}

process.on("message", (m: RunMessage) => {
  if (m?.type === "run") void runTrial(m);
});
process.on("disconnect", () => process.exit(0));
