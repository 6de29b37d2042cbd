/**
 * One training step of the MLP 784-256-256-10, batch 128, Adam (the playbook's update rule),
 * on real MNIST digits: tunebook's fused step on the wasm backend (and the pure-JS cpu backend)
 * next to PyTorch CPU with 1 thread, in the same run.
 *
 * Prints `train-step: tunebook T1 ms, pytorch T2 ms, ratio R (goal …)` with ratio = PyTorch time /
 * tunebook time (the bench convention: higher is better), so "within 3× of PyTorch" is R ≥ 0.33.
 * Both wall time and process CPU time are measured (median of 5 blocks); on a machine shared with
 * other jobs wall time mostly measures the neighbours, so the CPU-time line is the comparison.
 */
import { peer, report } from "./common.js";
import { Trainer, defaultTrainConfig, type BackendName, type TrainConfig } from "../src/train/index.js";

const steps = Number(process.env.TRAIN_STEP_STEPS ?? 50);

async function msPerStep(backend: BackendName, n: number): Promise<{ wall: number; cpu: number }> {
  const cfg: TrainConfig = { ...defaultTrainConfig(), backend, steps: 10_000, eval_every: 10_000, batch_size: 128 };
  const t = await Trainer.create(cfg, { onMeasurement: () => {} });
  const lr = cfg.optimizer.learning_rate;
  for (let i = 0; i < 10; i++) t.trainStep(lr); // warm-up: wasm tier-up, XNNPACK set-up
  const wall: number[] = [];
  const cpu: number[] = [];
  const per = Math.max(1, Math.floor(n / 5));
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < per; i++) t.trainStep(lr);
    const c = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / per);
    cpu.push((c.user + c.system) / 1000 / per);
  }
  t.dispose();
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { wall: wall[2]!, cpu: cpu[2]! };
}

const wasm = await msPerStep("wasm", steps);
const torch = peer("train_step", [String(steps)]);
const goal = "≥0.33×, i.e. within 3× of PyTorch";
report("train-step", wasm.cpu / 1000, "pytorch", torch ? torch.cpu_ms_per_step! / 1000 : undefined, goal, "ms");
report("train-step (wall time)", wasm.wall / 1000, "pytorch", torch ? torch.ms_per_step! / 1000 : undefined, goal, "ms");
if (torch) process.stdout.write(`train-step: tunebook takes ${(wasm.cpu / torch.cpu_ms_per_step!).toFixed(2)}× PyTorch's CPU time per step (goal ≤3×)\n`);
if (process.env.TRAIN_STEP_CPU !== "0") {
  const cpu = await msPerStep("cpu", Math.max(5, Math.floor(steps / 10)));
  report("train-step (pure-JS cpu backend)", cpu.cpu / 1000, "pytorch", torch ? torch.cpu_ms_per_step! / 1000 : undefined, "info only", "ms");
}
