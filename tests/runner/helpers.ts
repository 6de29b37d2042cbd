import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ROOT } from "../helpers/cli.js";

export const TINY = join(ROOT, "tests/runner/trainers/tiny.mjs");

/**
 * A study of `tiny.mjs` command trials: one hyperparameter x (and `mode`, categorical, when
 * modes are given), written as YAML into a fresh folder.
 */
export function tinyStudy(opts: { trials?: number; modes?: string[]; points?: Array<{ x: number; mode: string }>; env?: Record<string, string>; over?: Record<string, unknown>; trainer?: Record<string, unknown> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tunebook-runner-"));
  const parameters: Record<string, unknown> = { x: { type: "float", low: 0, high: 1, role: "nuisance" } };
  const command = [process.execPath, TINY, "--x", "{x}"];
  if (opts.modes || opts.points) {
    parameters.mode = { type: "categorical", values: opts.modes ?? ["ok"], role: "scientific" };
    command.push("--mode", "{mode}");
  }
  const cfg = {
    name: "tiny",
    objective: { metric: "objective", direction: "minimize" },
    seed: 1,
    trials: opts.trials ?? opts.points?.length ?? 6,
    workers: 1,
    ...(opts.points ? { points: opts.points } : { space: { parameters } }),
    trainer: { type: "command", command, timeout: 30, env: opts.env ?? {}, ...opts.trainer },
    ...opts.over,
  };
  const file = join(dir, "study.yaml");
  writeFileSync(file, stringify(cfg));
  return { dir, file, out: join(dir, "out"), ledger: join(dir, "ledger.txt") };
}

/** How many times each trial's trainer started, from the ledger the trainer appends to. */
export function ledgerCounts(ledger: string): Map<string, number> {
  const m = new Map<string, number>();
  if (!existsSync(ledger)) return m;
  for (const line of readFileSync(ledger, "utf8").split("\n")) {
    const id = line.split(" ")[0];
    if (id) m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

/** Trial records on disk, by file name. */
export function records(out: string): Array<{ index: number; id: string; status: string; error?: string; hparams: Record<string, unknown>; startedAt?: string }> {
  const dir = join(out, "trials");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d+\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));
}

/** Start `tunebook run …` from the sources as a child in its own process group. */
export function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/run.ts"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b) => (stdout += b));
  child.stderr.on("data", (b) => (stderr += b));
  const done = new Promise<number>((r) => child.on("exit", (code, sig) => r(code ?? (sig ? 128 : -1))));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond()` holds (polling), or fail after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Pids of live processes whose environment has `NAME=value` (read from /proc). */
export function processesWithEnv(name: string, value: string): number[] {
  const want = `${name}=${value}`;
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const env = readFileSync(`/proc/${p}/environ`, "utf8").split("\0");
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      if (/\) Z /.test(stat)) continue; // a zombie has exited: only its entry is left
      if (env.includes(want)) out.push(Number(p));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}
