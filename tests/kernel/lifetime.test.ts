/**
 * The kernel behaves like IPython's where users notice: a queued Run All stops at the first error
 * (the cells behind it are answered `aborted`), errors point at the cell's own lines without
 * generated code or node internals, is_complete / complete / inspect are answered, and a kernel
 * whose client was killed exits on its own.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installTestKernel, jupyterPython, SKIP_MESSAGE } from "./jupyter.js";
import { DATA } from "../helpers/cli.js";

const py = jupyterPython();
if (!py) console.warn(`tests/kernel/lifetime.test.ts ${SKIP_MESSAGE}`);

/** Running (a zombie waiting for a reaper counts as gone). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe.skipIf(!py)("kernel lifetime and protocol", () => {
  const work = mkdtempSync(join(tmpdir(), "tunebook-lifetime-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("aborts queued cells after an error, answers completion requests, survives interrupts, and exits when its client dies", { timeout: 180_000 }, async () => {
    const kernel = installTestKernel("tunebook-lifetime");
    const data = join(DATA, "deepcave_mnist", "run_1");
    const spec = {
      cells: [
        `%load ${JSON.stringify(data)} as mnist\nconst marker = "ran"`,
        // Line 3 of the cell fails at run time.
        "const a = 1\n\nconst o: any = a > 0 ? null : {}\nconsole.log(o.x)",
        'console.log("must not run")',
        "%axis learning_rate",
      ],
      after: "marker + ' after'",
      figure: "%isolation activation",
      is_complete: ["for (let i = 0; i < 3; i++) {", "const x = 1", "%isolaton activation"],
      complete: [
        ["%iso", 4],
        ["%isolation --resa", 17],
        ["%isolation activ", 16],
        ["%boundaries --scientific lea", 28],
        ["%config fig", 11],
        ["Math.fl", 7],
      ],
      inspect: [
        ["%isolation?", 11],
        ["%isolation activation --resamples 100", 14],
      ],
    };
    const child = spawn(py!, [join(__dirname, "drive_lifetime.py"), kernel.name, work, join(work, "kernel.log")], { env: { ...process.env, ...kernel.env }, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.end(JSON.stringify(spec));
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        stdout += d;
        const nl = stdout.indexOf("\n");
        if (nl >= 0) resolve(stdout.slice(0, nl));
      });
      child.once("exit", (code) => reject(new Error(`driver exited ${code}: ${stderr}`)));
    });
    const out = JSON.parse(line) as Record<string, any>;

    // Run All: ok, error, then aborted for every queued cell; the next request runs normally.
    expect(out.run_all.map((r: any) => r.status)).toEqual(["ok", "error", "aborted", "aborted"]);
    expect(out.after.status).toBe("ok");
    const err = out.run_all[1];
    expect(err.ename).toBe("TypeError");
    const tb = err.traceback.join("\n");
    expect(tb).toMatch(/line 4/);
    expect(tb).toContain("console.log(o.x)");
    expect(tb).not.toMatch(/tsLastExpr|exports\.|node:|evalmachine|runInThisContext/);

    expect(out.is_complete.map((r: any) => r.status)).toEqual(["incomplete", "complete", "complete"]);
    const [magicName, option, hparam, sciOpt, config, ts] = out.complete as Array<{ matches: string[]; cursor_start: number }>;
    expect(magicName!.matches).toEqual(["%isolation"]);
    expect(option!.matches).toEqual(["--resamples"]);
    expect(hparam!.matches).toEqual(["activation"]);
    expect(hparam!.cursor_start).toBe(11);
    expect(sciOpt!.matches).toEqual(["learning_rate"]);
    expect(config!.matches).toEqual(["figures=interactive", "figures=static", "figures=both"]);
    expect(ts!.matches).toContain("floor");
    for (const r of out.inspect) {
      expect(r.found).toBe(true);
      expect(r.data["text/plain"]).toMatch(/^%isolation \[scientific…\]/);
    }

    // After an interrupt (SIGINT to the process group) the kernel and its browser live on.
    expect(out.interrupted.ename).toBe("KeyboardInterrupt");
    expect(out.figure.status).toBe("ok");
    expect(out.figure_views[0]).toEqual(["application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"]);

    // Kill the client (no shutdown request): the kernel notices its parent is gone and exits.
    const pid = out.kernel_pid as number;
    expect(alive(pid)).toBe(true);
    child.kill("SIGKILL");
    const deadline = Date.now() + 20_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid), `kernel ${pid} still running 20 s after its client was killed`).toBe(false);
  });
});
