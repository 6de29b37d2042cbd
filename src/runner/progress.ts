/** Terminal display of a running study: one redrawn bar on a TTY, a line per finished trial otherwise. */
import type { RunProgress } from "./run.js";
import { escapeTerminal } from "../core/terminal.js";

const fmtTime = (s: number | null): string => {
  if (s === null || !Number.isFinite(s)) return "--:--";
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const ss = String(Math.floor(s % 60)).padStart(2, "0");
  return h > 0 ? `${h}:${String(m % 60).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
};

const fmtValue = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4));

/**
 * One line describing progress, e.g.
 * `[#######.............] 7/20 done · 2 running · 1 failed · best 0.9812 (trial-000004) · ETA 1:05`
 *
 * @example
 * formatProgress({ total: 4, done: 2, running: 1, byStatus: { complete: 2, pruned: 0, diverged: 0, failed: 0, oom: 0, running: 0 },
 *   best: null, elapsedSeconds: 10, etaSeconds: 10 }); // "[##########..........] 2/4 done · 1 running · ETA 0:10"
 */
export function formatProgress(p: RunProgress, width = 20): string {
  const frac = p.total ? p.done / p.total : 1;
  const filled = Math.round(frac * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const bad = p.byStatus.diverged + p.byStatus.failed + p.byStatus.oom;
  const parts = [`${bar} ${p.done}/${p.total} done`];
  if (p.running) parts.push(`${p.running} running`);
  if (bad) parts.push(`${bad} infeasible (${p.byStatus.diverged} diverged, ${p.byStatus.failed} failed, ${p.byStatus.oom} oom)`);
  if (p.best) parts.push(`best ${fmtValue(p.best.value)} (${escapeTerminal(p.best.trial)})`);
  parts.push(p.done === p.total ? `took ${fmtTime(p.elapsedSeconds)}` : `ETA ${fmtTime(p.etaSeconds)}`);
  return parts.join(" · ");
}

/** A progress printer for a terminal stream (stderr by default). */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): (p: RunProgress) => void {
  const tty = Boolean(stream.isTTY);
  return (p) => {
    if (tty) {
      stream.write(`\r\x1b[K${formatProgress(p, 24)}`);
      if (p.done === p.total && !p.running) stream.write("\n");
    } else if (p.event && p.event.status !== "started") {
      stream.write(`${escapeTerminal(p.event.trial)}: ${p.event.status}${p.event.message ? ` (${escapeTerminal(p.event.message)})` : ""} — ${formatProgress(p)}\n`);
    }
  };
}
