#!/usr/bin/env node
// A tiny command trainer for runner tests. Usage: tiny.mjs --x <value> [--mode <mode>]
// Appends "<trial id> <pid>" to $TINY_LEDGER when it starts (so tests count how often each trial
// ran), then prints steps 0..4 of a loss that depends on x, sleeping $TINY_DELAY_MS between them.
// Modes: ok | hold (then sleeps $TINY_HOLD ms before exiting) | nan-objective | nan-loss | oom-message | oom-mention | sigkill | bad-step | bad-value
//        | long-line (one $TINY_LONG_MB MB line without a newline, then normal steps) | spawn-child
import { appendFileSync } from "node:fs";
import { spawn } from "node:child_process";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const x = Number(opt("x", "0.5"));
const mode = opt("mode", "ok");
const delay = Number(process.env.TINY_DELAY_MS ?? 0);
if (process.env.TINY_LEDGER) appendFileSync(process.env.TINY_LEDGER, `${process.env.TUNEBOOK_TRIAL} ${process.pid}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = (s) => new Promise((r) => (process.stdout.write(s) ? r() : process.stdout.once("drain", r)));

if (mode === "spawn-child") {
  // A grandchild that would outlive a careless runner.
  spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }).unref();
}
if (mode === "long-line") {
  const mb = Number(process.env.TINY_LONG_MB ?? 64);
  const chunk = "x".repeat(1 << 20);
  for (let i = 0; i < mb; i++) await out(chunk);
  await out("\n");
}
for (let step = 0; step <= 4; step++) {
  const loss = (x - 0.3) ** 2 + 1 / (step + 1);
  const line = { step, "train/loss": loss, objective: loss };
  if (mode === "nan-objective" && step === 4) line.objective = "NaN";
  if (mode === "nan-loss" && step >= 3) line["train/loss"] = "Infinity";
  if (mode === "bad-step" && step === 2) line.step = -7;
  if (mode === "bad-step" && step === 3) line.step = "0x10";
  if (mode === "bad-value" && step === 2) line.objective = "0x10";
  // Bare NaN / Infinity, as Python's json.dumps writes them.
  await out(JSON.stringify(line).replace(/"(NaN|Infinity)"/g, "$1") + "\n");
  if (delay) await sleep(delay);
}
if (mode === "oom-message") {
  process.stderr.write("Traceback (most recent call last):\ntorch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n");
  process.exit(1);
}
if (mode === "oom-mention") {
  process.stderr.write("checking for out of memory errors: none\nValueError: bad batch\n");
  process.exit(1);
}
if (mode === "sigkill") process.kill(process.pid, "SIGKILL");
if (mode === "spawn-child" || mode === "hold") await sleep(Number(process.env.TINY_HOLD ?? 60_000));
