/** Shared helpers for benchmarks: timing, the peer's Python, and the result line format. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
export const DATA_DIR = fileURLToPath(new URL("./.data/", import.meta.url));
/** Debian's Python, where the peers (pandas, scipy, optuna, torch) are installed by bench/peers.sh. */
export const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/** Median wall time in seconds of `runs` calls of `fn` (after one warm-up when `warmup`). */
export async function time(fn: () => unknown | Promise<unknown>, runs = 3, warmup = true): Promise<number> {
  if (warmup) await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)]!;
}

/** Run a peer script (bench/peers/NAME.py) that prints one JSON object; undefined when the peer is missing. */
export function peer(name: string, args: string[] = []): Record<string, number> | undefined {
  const r = spawnSync(PYTHON, [`${BENCH_DIR}peers/${name}.py`, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? "1" } });
  if (r.status !== 0) {
    process.stderr.write(`peer ${name} unavailable: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-1)[0]}\n`);
    return undefined;
  }
  const last = r.stdout.trim().split("\n").pop()!;
  return JSON.parse(last) as Record<string, number>;
}

/**
 * The one line every benchmark prints:
 * `name: tunebook T1 s, peer T2 s, ratio R (goal G)` — ratio = peer time / tunebook time, so
 * higher is better for tunebook; a goal "5×" means tunebook should be 5 times faster.
 */
export function report(name: string, ours: number, peerName: string, theirs: number | undefined, goal: string, unit = "s"): void {
  const f = (x: number) => (unit === "ms" ? (x * 1000).toFixed(2) : x < 0.1 ? x.toFixed(4) : x.toFixed(3));
  const ratio = theirs === undefined ? "n/a (peer missing)" : `${(theirs / ours).toFixed(2)}×`;
  process.stdout.write(`${name}: tunebook ${f(ours)} ${unit}, ${peerName} ${theirs === undefined ? "n/a" : `${f(theirs)} ${unit}`}, ratio ${ratio} (goal ${goal})\n`);
}

/** For work no peer does: `name: tunebook T s, no peer, goal < G s: met|missed`. */
export function reportAbsolute(name: string, ours: number, goalSeconds: number): void {
  process.stdout.write(`${name}: tunebook ${ours.toFixed(3)} s, no peer does this, ratio — (goal < ${goalSeconds} s: ${ours < goalSeconds ? "met" : "missed"})\n`);
}

/**
 * For timings whose spread matters (a shared machine): `name: min A s, median B s, p90 C s over N
 * runs (goal: median < G s: met|missed)`, and with `part`, the median of that part (the PNG).
 */
export function reportSpread(name: string, seconds: number[], goalSeconds: number, part?: number[]): void {
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const f = (x: number) => x.toFixed(3);
  const median = q(seconds, 0.5);
  const png = part ? `, of it PNG median ${f(q(part, 0.5))} s` : "";
  process.stdout.write(`${name}: min ${f(q(seconds, 0))} s, median ${f(median)} s, p90 ${f(q(seconds, 0.9))} s over ${seconds.length} runs${png} (goal: median < ${goalSeconds} s: ${median < goalSeconds ? "met" : "missed"})\n`);
}
