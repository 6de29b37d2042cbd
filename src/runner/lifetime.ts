/**
 * Trainer lifetime: every trainer runs in its own process group (so a timeout kills the trainer
 * and everything it started), and dies with its runner:
 * - the runner exiting in any way it can see (normal end, exception, SIGINT/SIGTERM) kills every
 *   trainer group still registered;
 * - a SIGKILL of the runner (or of its process group) is caught by the reaper process (see
 *   reaper.ts), which notices the runner is gone and kills the groups itself.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const live = new Set<number>();
let reaper: ChildProcess | undefined;
let ready: Promise<void> | undefined;
let hooked = false;

function reaperEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) return { file: here.replace(/lifetime\.ts$/, "reaper.ts"), execArgv: ["--import", import.meta.resolve("tsx")] };
  return { file: here.replace(/lifetime\.js$/, "reaper.js"), execArgv: [] };
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Start the reaper (once per process) and wait until it listens, so that no trainer is started
 * before the reaper can know about it.
 * @example await startReaper(); const child = spawn(cmd, args, { detached: true }); guardTrainer(child.pid!);
 */
export function startReaper(): Promise<void> {
  ensureReaper();
  return ready ?? Promise.resolve();
}

function ensureReaper(): void {
  if (!hooked) {
    hooked = true;
    // Synchronous: the last thing a runner does on any exit Node runs handlers for.
    process.on("exit", () => {
      for (const g of live) killGroup(g, "SIGKILL");
      live.clear();
      try {
        reaper?.send({ exit: true });
      } catch {
        /* gone */
      }
    });
  }
  if (reaper && reaper.connected) return;
  ready = undefined;
  const entry = reaperEntry();
  const r = fork(entry.file, [String(process.pid)], {
    execArgv: entry.execArgv,
    detached: true, // its own group: a kill of the runner's group does not take the reaper with it
    stdio: ["ignore", "ignore", "ignore", "ipc"],
  });
  r.on("error", () => {});
  r.on("exit", () => {
    if (reaper === r) reaper = undefined;
  });
  // Neither the process nor its channel keeps the runner alive.
  r.unref();
  (r as unknown as { channel?: { unref(): void } }).channel?.unref();
  reaper = r;
  ready = new Promise<void>((resolveReady) => {
    const done = () => {
      clearTimeout(timer);
      resolveReady();
    };
    // A reaper that cannot start must not stop the study: the exit hook still kills trainers.
    const timer = setTimeout(done, 15_000); // (kept referenced: the runner waits for it)
    r.on("message", (m: { ready?: boolean }) => {
      if (!m?.ready) return;
      for (const g of live) r.send({ add: g });
      done();
    });
    r.on("exit", done);
  });
}

/**
 * Register a trainer's process group (its pid, spawned with `detached: true`).
 * @example const child = spawn(cmd, args, { detached: true }); guardTrainer(child.pid!);
 */
export function guardTrainer(pgid: number): void {
  live.add(pgid);
  ensureReaper();
  try {
    reaper?.send({ add: pgid });
  } catch {
    /* a reaper that died is restarted on the next trainer */
  }
}

/** The trainer's group ended (or was killed): forget it. */
export function releaseTrainer(pgid: number): void {
  live.delete(pgid);
  try {
    if (reaper?.connected) reaper.send({ remove: pgid });
  } catch {
    /* gone */
  }
}

/** Kill a trainer's whole process group. @example killTrainer(child.pid!, "SIGTERM") */
export function killTrainer(pgid: number, signal: NodeJS.Signals): void {
  killGroup(pgid, signal);
}

/** Stop the reaper (the runner is done and has no trainers left). */
export function stopReaper(): void {
  if (live.size > 0) return;
  try {
    reaper?.send({ exit: true });
  } catch {
    /* gone */
  }
  reaper = undefined;
}
