/**
 * `%load … --watch N` in the kernel, over the Jupyter protocol (tests/kernel/drive_kernel.py),
 * following an SQLite study that a real Optuna process is writing (started from a cell, in its own
 * process group so the kernel's SIGINT does not reach it). The summary display is updated in
 * place as trials arrive, run and get pruned; an interrupt (SIGINT, and interrupt_request) ends
 * the polling and the cell finishes normally, its variable holding the last snapshot.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { noOptuna, PY, py, SCRIPT } from "../helpers/optuna.js";
import { installTestKernel, jupyterPython, SKIP_MESSAGE } from "./jupyter.js";

const jpy = jupyterPython();
if (!jpy) console.warn(`tests/kernel/watch.test.ts ${SKIP_MESSAGE}`);

type Msg = [string, Record<string, any>, number];
interface Step {
  reply: Record<string, any>;
  iopub: Msg[];
  seconds: number;
  interrupt_reply: Record<string, any> | null;
}

/** Trials and status counts of a summary's text (`trials: 7 — 5 complete, 1 pruned, 1 running`). */
function counts(text: string): { trials: number; running: number; pruned: number; complete: number } {
  const line = /^trials: (\d+)(?: — (.*))?$/m.exec(text);
  if (!line) throw new Error(`no trials line in ${text}`);
  const n = (w: string) => Number(new RegExp(`(\\d+) ${w}`).exec(line[2] ?? "")?.[1] ?? 0);
  return { trials: Number(line[1]), running: n("running"), pruned: n("pruned"), complete: n("complete") };
}

describe.skipIf(!jpy || noOptuna)("%load --watch in the kernel", () => {
  const work = mkdtempSync(join(tmpdir(), "tunebook-kernel-watch-"));
  let writerPid = 0;
  afterAll(() => {
    if (writerPid) spawnSync("kill", [String(writerPid)]); // the writer the first cell started, if still running
    if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
  });

  it("updates the summary in place while Optuna writes, and stops on interrupt", { timeout: 240_000 }, () => {
    const kernel = installTestKernel("tunebook-watch");
    onTestFinished(() => rmSync(kernel.prefix, { recursive: true, force: true }));
    const db = join(work, "live.db");
    py(["live", `sqlite:///${db}`, "live", "0"]); // the study exists; Optuna starts from the first cell
    writeFileSync(join(work, "writer.json"), JSON.stringify({ py: PY, args: [SCRIPT, "live", `sqlite:///${db}`, "live", "60", "prune", "sleep=0.1"] }));
    const steps = [
      {
        code: [
          'import { spawn } from "node:child_process";',
          'import { readFileSync } from "node:fs";',
          'const w = JSON.parse(readFileSync("writer.json", "utf8"));',
          'const writer = spawn(w.py, w.args, { stdio: "ignore", detached: true });',
          "writer.pid",
        ].join("\n"),
      },
      { code: "%load live.db as live --study live --watch 0.3", interrupt_after: 12, after_display: true, interrupt: "signal", linger: 2, timeout: 120 },
      { code: "%load live.db as again --study live --watch 0.3", interrupt_after: 2, after_display: true, interrupt: "message", linger: 2, timeout: 120 },
      { code: "console.log(JSON.stringify({ live: live.size, again: again.size }))" },
      { code: "writer.kill(); 1" },
    ];
    const r = spawnSync(jpy!, [join(__dirname, "drive_kernel.py"), kernel.name, work, join(work, "kernel.log")], {
      input: JSON.stringify(steps),
      encoding: "utf8",
      env: { ...process.env, ...kernel.env },
      timeout: 230_000,
    });
    expect(r.status, r.stderr).toBe(0);
    if (!r.stdout.trim().startsWith("{")) throw new Error(`driver output is not JSON: ${r.stdout.slice(0, 500)}`);
    writeFileSync(join(work, "out.json"), r.stdout);
    const out = JSON.parse(r.stdout) as { steps: Step[] };
    const [start, watched, again, after] = out.steps as [Step, Step, Step, Step];
    const pid = Number(start.iopub.find((m) => m[0] === "stream")?.[1].text);
    expect(pid).toBeGreaterThan(0);
    writerPid = pid;

    // One display, then updates of that display (same display_id) as the study changed.
    const first = watched.iopub.find((m) => m[0] === "display_data")!;
    const id = first[1].transient.display_id;
    expect(id).toBeTruthy();
    const updates = watched.iopub.filter((m) => m[0] === "update_display_data");
    expect(updates.length).toBeGreaterThan(2);
    expect(updates.every((m) => m[1].transient.display_id === id)).toBe(true);
    const shown = [first, ...updates].map((m) => counts(String(m[1].data["text/plain"])));
    for (let i = 1; i < shown.length; i++) expect(shown[i]!.trials).toBeGreaterThanOrEqual(shown[i - 1]!.trials);
    expect(shown.at(-1)!.trials).toBeGreaterThan(shown[0]!.trials); // new trials arrived
    expect(shown.some((c) => c.running > 0)).toBe(true);
    expect(shown.at(-1)!.pruned).toBeGreaterThan(0); // trials 2, 5, 8… are pruned by the writer
    expect(String(first[1].data["text/plain"])).toMatch(/^loaded into live\n/);

    // SIGINT ends the watch, not the cell: it finishes normally, says so, and nothing is displayed
    // after that (the polling stopped).
    expect(watched.reply.status, JSON.stringify(watched.reply)).toBe("ok");
    const stopped = watched.iopub.find((m) => m[0] === "stream")!;
    expect(stopped[1].text).toBe("stopped watching (interrupted); live holds the last snapshot shown above\n");
    expect(watched.iopub.filter((m) => m[0].endsWith("display_data") && m[2] > stopped[2])).toEqual([]);
    expect(watched.seconds).toBeLessThan(60);

    // interrupt_request on the control channel does the same.
    expect(again.interrupt_reply).toEqual({ status: "ok" });
    expect(again.reply.status, JSON.stringify(again.reply)).toBe("ok");
    const againStopped = again.iopub.find((m) => m[0] === "stream")!;
    expect(againStopped[1].text).toMatch(/^stopped watching \(interrupted\); again holds/);
    expect(again.iopub.filter((m) => m[0].endsWith("display_data") && m[2] > againStopped[2])).toEqual([]);
    const againShown = again.iopub.filter((m) => m[0].endsWith("display_data")).map((m) => counts(String(m[1].data["text/plain"])));
    expect(againShown[0]!.trials).toBeGreaterThanOrEqual(shown.at(-1)!.trials);

    // The variables keep the last snapshot each cell showed.
    expect(after.reply.status, JSON.stringify(after.reply)).toBe("ok");
    const sizes = JSON.parse(after.iopub.find((m) => m[0] === "stream")![1].text) as { live: number; again: number };
    expect(sizes.live).toBe(shown.at(-1)!.trials);
    expect(sizes.again).toBe(againShown.at(-1)!.trials);
  });
});
