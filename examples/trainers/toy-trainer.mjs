#!/usr/bin/env node
// A stand-in for a user's PyTorch/JAX training script: it reads hyperparameters from its
// arguments and prints one JSON line per evaluation, the protocol `tunebook run` reads.
// Behaviour (so studies have every kind of outcome):
//   --lr above 0.5          the loss blows up to NaN      -> tunebook marks the trial diverged
//   --activation fail       exits with status 3            -> failed
//   --activation hang       sleeps forever                 -> killed by the trial timeout (failed)
//   --activation oom        prints a CUDA OOM message, exit 1 -> oom
// The loss is a noisy quadratic bowl in log10(lr) and weight decay, minimum at lr=0.01, wd=1e-4.
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const lr = Number(opt("lr", "0.01"));
const wd = Number(opt("wd", "0.0001"));
const activation = opt("activation", "relu");
const steps = Number(opt("steps", "50"));
process.stderr.write(`argv: ${JSON.stringify(args)}\n`);
if (activation === "fail") {
  process.stderr.write("Traceback (most recent call last):\nValueError: unsupported activation\n");
  process.exit(3);
}
if (activation === "oom") {
  process.stderr.write("RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB\n");
  process.exit(1);
}
const delayMs = Number(process.env.TOY_DELAY_MS ?? 0); // slows the trainer down for resume/interrupt tests
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (activation === "hang") setInterval(() => {}, 1000);
else {
  // Deterministic pseudo-noise from the hyperparameters.
  let s = Math.floor((lr * 1e6 + wd * 1e9) % 2147483647) || 1;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const floor = 0.05 + 0.3 * (Math.log10(lr) + 2) ** 2 + 0.2 * (Math.log10(wd) + 4) ** 2 + (activation === "tanh" ? 0.05 : 0);
  for (let step = 0; step <= steps; step += 10) {
    let loss = floor + 2 * Math.exp(-step / 15) + 0.01 * rand();
    if (lr > 0.5 && step >= 20) loss = NaN;
    const line = { step, "train/loss": loss * 0.9, "validation/loss": loss, "validation/accuracy": Math.max(0, 1 - loss / 3) };
    // Python's json.dumps writes NaN bare: do the same to exercise that path.
    process.stdout.write(JSON.stringify(line).replace(/null/g, "NaN") + "\n");
    if (delayMs) await sleep(delayMs);
  }
}
