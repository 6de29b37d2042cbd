/**
 * The kernel over the Jupyter wire protocol (ZeroMQ, driven by jupyter_client's BlockingKernelClient):
 * message order of an execute_request, rich display_data, and interrupts (SIGINT and
 * interrupt_request) stopping a long cell and a `%run`, after which the kernel still answers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { installTestKernel, jupyterPython, SKIP_MESSAGE } from "./jupyter.js";

const py = jupyterPython();
if (!py) console.warn(`tests/kernel/protocol.test.ts ${SKIP_MESSAGE}`);

type Msg = [string, Record<string, any>, number];
interface Step {
  reply: Record<string, any>;
  iopub: Msg[];
  seconds: number;
  interrupt_reply: Record<string, any> | null;
}

describe.skipIf(!py)("tunebook kernel over ZeroMQ", () => {
  const work = mkdtempSync(join(tmpdir(), "tunebook-protocol-"));
  afterAll(() => { if (!process.env.KEEP) rmSync(work, { recursive: true, force: true }); });

  it("answers execute, display and interrupt requests", { timeout: 150_000 }, () => {
    const kernel = installTestKernel("tunebook-protocol");
    onTestFinished(() => rmSync(kernel.prefix, { recursive: true, force: true }));
    // A study whose trials sleep for a minute: only an interrupt ends it early.
    writeFileSync(
      join(work, "slow.yaml"),
      [
        "name: slow",
        "objective: { metric: loss, direction: minimize }",
        "sampler: halton",
        "seed: 0",
        "trials: 4",
        "workers: 2",
        "space:",
        "  parameters:",
        "    learning_rate: { type: float, low: 0.001, high: 0.1, scale: log }",
        "trainer:",
        "  type: command",
        `  command: [${JSON.stringify(process.execPath)}, -e, "setTimeout(() => {}, 60000)"]`,
        "  timeout: 120",
        "  unused: [learning_rate]",
      ].join("\n"),
    );
    const steps = [
      { code: "1 + 1" },
      { code: "%lsmagic" },
      { code: "for (let i = 0; i < 600; i++) await new Promise((r) => setTimeout(r, 100));", interrupt_after: 1.5, interrupt: "signal" },
      { code: "%run slow.yaml --out runs/slow", interrupt_after: 2, after_display: true, interrupt: "message", linger: 4 },
      { code: "40 + 2" },
    ];
    const r = spawnSync(py!, [join(__dirname, "drive_kernel.py"), kernel.name, work, join(work, "kernel.log")], {
      input: JSON.stringify(steps),
      encoding: "utf8",
      env: { ...process.env, ...kernel.env },
      timeout: 140_000,
    });
    expect(r.status, r.stderr).toBe(0);
    if (!r.stdout.trim().startsWith("{")) throw new Error(`driver output is not JSON: ${r.stdout.slice(0, 500)}`);
    writeFileSync(join(work, "out.json"), r.stdout);
    const out = JSON.parse(r.stdout) as { kernel_info: Record<string, any>; steps: Step[] };
    expect(out.kernel_info.implementation).toBe("tunebook");
    expect(out.kernel_info.language_info.name).toBe("typescript");
    const [add, ls, loop, run, after] = out.steps as [Step, Step, Step, Step, Step];

    // execute_request -> busy, execute_input, output, idle; execute_reply ok.
    expect(add.iopub.map((m) => (m[0] === "status" ? `status:${m[1].execution_state}` : m[0]))).toEqual(["status:busy", "execute_input", "stream", "status:idle"]);
    expect(add.iopub[2]![1]).toEqual({ name: "stdout", text: "2\n" });
    expect(add.reply.status).toBe("ok");
    expect(add.reply.execution_count).toBe(1);
    // execute_input carries the same count (front ends and nbconvert show In [1]).
    expect(add.iopub[1]![1].execution_count).toBe(1);

    const shown = ls.iopub.find((m) => m[0] === "display_data")!;
    expect(shown[1].data["text/plain"]).toMatch(/%isolation .*isolation plot/);
    expect(shown[1].data["text/html"]).toContain("<table>");

    // SIGINT (Jupyter's interrupt_mode "signal") stops a 60 s loop within seconds.
    expect(loop.reply.status).toBe("error");
    expect(loop.reply.ename).toBe("KeyboardInterrupt");
    expect(loop.seconds).toBeLessThan(15);
    expect(loop.iopub.some((m) => m[0] === "error" && m[1].ename === "KeyboardInterrupt")).toBe(true);

    // interrupt_request on the control channel aborts %run: the cell ends, the runner stops its
    // workers and the live progress display (one display_id) gets its final update.
    expect(run.interrupt_reply).toEqual({ status: "ok" });
    expect(run.reply.ename).toBe("KeyboardInterrupt");
    const first = run.iopub.find((m) => m[0] === "display_data")!;
    const id = first[1].transient.display_id;
    expect(id).toBeTruthy();
    const updates = run.iopub.filter((m) => m[0] === "update_display_data");
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((m) => m[1].transient.display_id === id)).toBe(true);
    expect(updates.at(-1)![1].data["text/plain"]).toMatch(/^interrupted: /);
    expect(run.seconds).toBeLessThan(50);
    // No trial finished: each sleeps 60 s.
    expect(existsSync(join(work, "runs", "slow"))).toBe(true);
    const files = readdirSync(join(work, "runs", "slow"), { recursive: true }).map(String);
    expect(files).toContain("study.json");

    // The kernel is alive and keeps counting.
    expect(after.reply.status).toBe("ok");
    expect(after.iopub.find((m) => m[0] === "stream")![1].text).toBe("42\n");
    expect(after.reply.execution_count).toBe(5);
  });
});
