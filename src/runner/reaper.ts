/**
 * The trainer reaper: a small process each runner starts in its own process group. The runner
 * tells it the process group of every trainer it starts; when the runner dies (its IPC channel
 * closes, or its pid disappears), the reaper kills those groups and exits. This is the
 * parent-death check a SIGKILL of the runner (or of its whole process group) cannot skip.
 */
const groups = new Set<number>();
const parent = Number(process.argv[2]);

function reap(): never {
  for (const g of groups) {
    try {
      process.kill(-g, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  process.exit(0);
}

process.on("message", (m: { add?: number; remove?: number; exit?: boolean }) => {
  if (typeof m?.add === "number") groups.add(m.add);
  if (typeof m?.remove === "number") groups.delete(m.remove);
  if (m?.exit) process.exit(0);
});
process.on("disconnect", reap);
// Belt and braces: an IPC channel closed without the event (or a runner that lost it) still ends here.
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    reap();
  }
  if (!process.connected) reap();
}, 500);
// Listening now: tell the runner it may start trainers (a message sent earlier would be lost).
process.send?.({ ready: true });
// The runner's own SIGINT/SIGTERM handling stops trainers; the reaper outlives only a SIGKILL.
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
