/**
 * The kernel core in-process (no Jupyter needed): magics, display capture, error shapes, line
 * numbers, `$`/`{}` arguments and recovery of a stuck compiler.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TunebookKernel } from "../../src/kernel/kernel.js";
import { jupyter } from "../../src/kernel/tslab.js";
import { DATA } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "tunebook-kcore-"));
let kernel: TunebookKernel;
let shown: Array<{ data: Record<string, unknown>; transient: Record<string, unknown>; update: boolean }> = [];
let printed = "";
const origWrite = process.stdout.write.bind(process.stdout);

const cwd = process.cwd();
beforeAll(async () => {
  // Like Jupyter: the kernel runs in the notebook's folder.
  process.chdir(work);
  // The library namespace cells would import; these tests only use magics, so a stand-in is enough.
  kernel = new TunebookKernel(work, {});
  jupyter.lastWriteDisplayData = (d, update) => void shown.push({ data: d.data, transient: d.transient, update });
}, 60_000);
afterAll(() => {
  kernel.close();
  process.chdir(cwd);
  rmSync(work, { recursive: true, force: true });
});

async function run(code: string) {
  shown = [];
  printed = "";
  process.stdout.write = ((s: string | Uint8Array) => {
    printed += String(s);
    return true;
  }) as typeof process.stdout.write;
  try {
    return await kernel.execute(code);
  } finally {
    process.stdout.write = origWrite;
  }
}

describe("TunebookKernel", () => {
  it("runs TypeScript and magics in one session", { timeout: 60_000 }, async () => {
    expect(await run("const k = 21\nk * 2")).toEqual({ ok: true });
    expect(printed).toBe("42\n");
    const r = await run(`const dir = ${JSON.stringify(join(DATA, "algoperf_v05"))}\n%load $dir/raw_logdir as ap`);
    expect(r.ok).toBe(true);
    expect(String(shown[0]!.data["text/plain"])).toMatch(/^loaded into ap\nstudy raw_logdir \(algoperf\)/);
    expect(await run("ap.size")).toEqual({ ok: true });
    expect(printed).toBe("10\n");
  });

  it("reports magic errors as one readable error", async () => {
    const r = await run("%isolation --resample 300");
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ ename: "UsageError" });
    expect(r.error!.evalue).toMatch(/^%isolation \(line 1\): unknown option --resample; did you mean --resamples\?/);
    const u = await run("const a = 1\n%nosuch");
    expect(u.error!.evalue).toBe("%nosuch (line 2): unknown magic %nosuch; %lsmagic lists the magics");
    const c = await run("%space");
    expect(c.error!.evalue).toBe("%space (line 1): %space is a cell magic: write %%space");
  });

  it("keeps the user's line numbers in compiler errors", async () => {
    const r = await run("%lsmagic\n\n%axis --study ap\nconst s: string = 1");
    expect(r.error).toMatchObject({ ename: "CompileError", evalue: "4:7 - Type 'number' is not assignable to type 'string'." });
    expect(shown).toHaveLength(0); // nothing ran
  });

  it("shows runtime errors of cells with their message", async () => {
    const r = await run('throw new RangeError("too far")');
    expect(r.error).toMatchObject({ ename: "RangeError", evalue: "too far" });
  });

  it("recovers when tslab's compiler gets stuck", async () => {
    const exec = kernel.executor.execute;
    let calls = 0;
    kernel.executor.execute = async (src: string) => {
      if (calls++ === 0) throw new Error("Unexpected pending rebuildTimer");
      return exec(src);
    };
    try {
      expect(await run("1 + 2")).toEqual({ ok: true });
      expect(printed).toBe("3\n");
      expect(calls).toBe(2);
    } finally {
      kernel.executor.execute = exec;
    }
    // The fresh compiler still knows earlier cells' declarations.
    expect(await run("k + ap.size")).toEqual({ ok: true });
    expect(printed).toBe("31\n");
  });

  it("keeps memory per executed cell bounded (figure cells with their PNG included)", { timeout: 240_000 }, async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const cell = (i: number) => (i % 2 ? "%axis --study ap" : `const arr${i} = Array.from({ length: 100 }, (_, j) => j * ${i})\narr${i}.length`);
    // Warm up: compiler, first figure (browser start), module caches.
    for (let i = 0; i < 4; i++) expect((await run(cell(i))).ok).toBe(true);
    gc();
    const before = process.memoryUsage().heapUsed;
    const n = 16;
    for (let i = 4; i < 4 + n; i++) expect((await run(cell(i))).ok).toBe(true);
    gc();
    const perCell = (process.memoryUsage().heapUsed - before) / n;
    console.log(`heap growth per executed cell: ${(perCell / 1e6).toFixed(3)} MB over ${n} cells`);
    expect(perCell).toBeLessThan(1e6);
    await kernel.runtime.figures.close();
  });
});
