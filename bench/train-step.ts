/**
 * One training step of the MLP 784-256-256-10, batch 128, Adam (the playbook's update rule),
 * on real MNIST digits: tunebook's fused step on the wasm backend (and the pure-JS cpu backend)
 * next to PyTorch CPU with 1 thread, in the same run.
 * Prints `train-step: tunebook T1 ms, pytorch T2 ms, ratio R (goal ≥0.33×)`; ratio = PyTorch time /
 * tunebook time, so the goal "within 3× of PyTorch" is ratio ≥ 0.33.
 */
import { peer, report } from "./common.js";
import { Trainer, defaultTrainConfig, type BackendName, type TrainConfig } from "../src/train/index.js";

const steps = Number(process.env.TRAIN_STEP_STEPS ?? 50);

async function msPerStep(backend: BackendName, n: number): Promise<number> {
  const cfg: TrainConfig = { ...defaultTrainConfig(), backend, steps: 10_000, eval_every: 10_000, batch_size: 128 };
  const t = await Trainer.create(cfg, { onMeasurement: () => {} });
  const lr = cfg.optimizer.learning_rate;
  for (let i = 0; i < 10; i++) t.trainStep(lr); // warm-up: wasm tier-up, XNNPACK set-up
  const blocks: number[] = [];
  const per = Math.max(1, Math.floor(n / 5));
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) t.trainStep(lr);
    blocks.push((performance.now() - t0) / per);
  }
  t.dispose();
  blocks.sort((a, b) => a - b);
  return blocks[2]!;
}

const wasm = await msPerStep("wasm", steps);
const torch = peer("train_step", [String(steps)]);
report("train-step", wasm / 1000, "pytorch", torch ? torch.ms_per_step! / 1000 : undefined, "≥0.33×, i.e. within 3× of PyTorch", "ms");
if (torch) process.stdout.write(`train-step: tunebook/pytorch time ratio ${(wasm / torch.ms_per_step!).toFixed(2)}× (goal ≤3×)\n`);
if (process.env.TRAIN_STEP_CPU !== "0") {
  const cpu = await msPerStep("cpu", Math.max(5, Math.floor(steps / 10)));
  report("train-step (cpu backend)", cpu / 1000, "pytorch", torch ? torch.ms_per_step! / 1000 : undefined, "info only", "ms");
}
