/**
 * The notebook as users meet it: Debian's classic Jupyter Notebook server on 127.0.0.1 and headless
 * Chromium (playwright-core, Debian's binary). Runs a notebook of figure magics, re-runs the figure
 * cell whose output carries plotly.js, saves, reopens the saved notebook untrusted, exports it to
 * HTML, and checks in screenshots (pixel content, not the JSON) that every figure is visible and
 * fits the output area, interactive where scripts may run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installTestKernel, jupyterPython } from "./jupyter.js";
import { ROOT } from "../helpers/cli.js";

const NOTEBOOK_SERVER = "/usr/bin/jupyter-notebook";
const CHROMIUM = process.env.TUNEBOOK_CHROMIUM ?? "/usr/bin/chromium";
const missing = [
  !jupyterPython() && "Jupyter (python3-nbclient, python3-jupyter-client)",
  !existsSync(NOTEBOOK_SERVER) && "the classic Notebook server (apt-get install jupyter-notebook)",
  !existsSync(CHROMIUM) && "Chromium (apt-get install chromium)",
].filter(Boolean);
if (missing.length) console.warn(`tests/kernel/browser.test.ts skipped: needs ${missing.join(", ")}`);

const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TOKEN = "tunebook-browser-test";
const FIGURE_CELLS = 4;

type Page = import("playwright-core").Page;
type Browser = import("playwright-core").Browser;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function notebook(kernelName: string): object {
  const code = (src: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: src });
  const data = join(ROOT, "datasets", "deepcave_mnist", "run_1");
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernelName, display_name: "tunebook (test)", language: "typescript" }, language_info: { name: "typescript" } },
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# figures that travel" },
      code(`%load ${JSON.stringify(data)} as mnist`),
      code("%axis learning_rate"),
      code("%isolation activation"),
      code("%boundaries"),
      code('import { axisFigure, axisPlotData } from "tunebook"\naxisFigure(axisPlotData(mnist, { hparams: ["batch_size"] }))'),
    ],
  };
}

/** Non-white share and number of distinct (quantized) colours of a PNG, measured in the browser. */
async function pixelStats(page: Page, png: Buffer): Promise<{ width: number; height: number; inked: number; colors: number }> {
  return page.evaluate(async (b64: string) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext("2d")!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    const colors = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      const r = d[i]!, gr = d[i + 1]!, b = d[i + 2]!;
      if (r < 235 || gr < 235 || b < 235) inked++;
      colors.add(((r >> 4) << 8) | ((gr >> 4) << 4) | (b >> 4));
    }
    return { width: c.width, height: c.height, inked: inked / (d.length / 4), colors: colors.size };
  }, png.toString("base64"));
}

interface FigureView {
  width: number;
  height: number;
  areaWidth: number;
  interactive: boolean;
  inked: number;
  colors: number;
}

/** Every tunebook figure on the page: its size, the output area's width, whether plotly drew it, and its pixels. */
async function figures(page: Page, analysis: Page, shots: string, label: string): Promise<FigureView[]> {
  const els = await page.$$(".tunebook-figure");
  const out: FigureView[] = [];
  for (const [i, el] of els.entries()) {
    await el.scrollIntoViewIfNeeded();
    const info = await el.evaluate((e) => {
      const area = (e.closest(".output_subarea") ?? e.closest(".jp-OutputArea-output") ?? e.parentElement) as HTMLElement;
      const r = e.getBoundingClientRect();
      return { width: r.width, height: r.height, areaWidth: area.clientWidth, interactive: !!e.querySelector(".main-svg") };
    });
    const png = await el.screenshot();
    writeFileSync(join(shots, `${label}-${i + 1}.png`), png);
    out.push({ ...info, ...(await pixelStats(analysis, png)) });
  }
  await page.screenshot({ path: join(shots, `${label}-page.png`), fullPage: true });
  return out;
}

function expectVisible(views: FigureView[], what: string, interactive: boolean): void {
  expect(views.length, `${what}: figures`).toBe(FIGURE_CELLS);
  for (const [i, v] of views.entries()) {
    const where = `${what}, figure ${i + 1}`;
    // A drawn plot: hundreds of pixels tall, a real share of ink, axes + text + marks in several colours.
    expect(v.height, where).toBeGreaterThan(250);
    expect(v.inked, where).toBeGreaterThan(0.03);
    expect(v.colors, where).toBeGreaterThan(8);
    expect(v.width, `${where} is wider than the output area`).toBeLessThanOrEqual(v.areaWidth + 1);
    expect(v.interactive, `${where} interactive`).toBe(interactive);
  }
}

/** Wait until every code cell of the open notebook has run (a number in its prompt) and the kernel is idle. */
async function waitForRun(page: Page, timeout = 240_000): Promise<void> {
  const state = () =>
    page.evaluate(() => {
      const J = (window as any).Jupyter;
      const cells = J.notebook.get_cells().filter((c: any) => c.cell_type === "code");
      return { prompts: cells.map((c: any) => c.input_prompt_number ?? null), kernel: document.querySelector("#kernel_indicator_icon")?.className ?? "" };
    });
  const deadline = Date.now() + timeout;
  let s = await state();
  while (!(s.prompts.every((p: unknown) => typeof p === "number") && /kernel_idle_icon/.test(s.kernel))) {
    if (Date.now() > deadline) throw new Error(`cells did not finish: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 300));
    s = await state();
  }
}

async function openNotebook(page: Page, base: string, name: string): Promise<void> {
  await page.goto(`${base}/notebooks/${name}?token=${TOKEN}`);
  await page.waitForFunction(() => (window as any).Jupyter?.notebook?._fully_loaded === true, null, { timeout: 60_000 });
}

describe.skipIf(missing.length > 0)("a notebook in Jupyter Notebook and Chromium", () => {
  const work = mkdtempSync(join(tmpdir(), "tunebook-browser-"));
  const shots = process.env.TUNEBOOK_SCREENSHOTS ?? join(work, "screenshots");
  mkdirSync(shots, { recursive: true });
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let base = "";
  let serverLog = "";
  let kernel: ReturnType<typeof installTestKernel>;

  beforeAll(async () => {
    kernel = installTestKernel("tunebook-browser");
    writeFileSync(join(work, "figures.ipynb"), JSON.stringify(notebook(kernel.name), null, 1));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { ...process.env, ...kernel.env, JUPYTER_CONFIG_DIR: join(work, "config") };
    server = spawn(NOTEBOOK_SERVER, ["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${TOKEN}`, `--notebook-dir=${work}`, ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], { env, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`${base}/api/status?token=${TOKEN}`);
        if (r.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the notebook server did not start:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
    if (server && server.exitCode === null) await new Promise((r) => server!.once("exit", r));
    if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("runs, re-runs a figure cell, saves, reopens untrusted and exports HTML with every figure visible", { timeout: 420_000 }, async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 2000 } });
    // Offline: only the local notebook server answers; plotly.js must come from the notebook itself.
    await context.route("**/*", (route) => (route.request().url().startsWith(base) || route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    const page = await context.newPage();
    const analysis = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    // 1. Run All in a live notebook.
    await openNotebook(page, base, "figures.ipynb");
    await page.waitForFunction(() => (window as any).Jupyter.notebook.kernel?.is_connected(), null, { timeout: 120_000 });
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    await waitForRun(page);
    const errorsShown = await page.$$eval(".output_error", (e) => e.map((x) => x.textContent));
    expect(errorsShown, "cells failed").toEqual([]);
    expectVisible(await figures(page, analysis, shots, "1-live"), "live notebook", true);

    // 2. Re-run the first figure cell: its output carried plotly.js and is replaced.
    await page.evaluate(() => (window as any).Jupyter.notebook.get_cell(2).execute());
    await waitForRun(page);
    expectVisible(await figures(page, analysis, shots, "2-rerun"), "after re-running the first figure cell", true);

    // 3. Save.
    await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
    await page.waitForFunction(() => (window as any).Jupyter.notebook.dirty === false, null, { timeout: 30_000 });
    const saved = JSON.parse(readFileSync(join(work, "figures.ipynb"), "utf8")) as { cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> };
    const bundles = saved.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
    expect(bundles).toHaveLength(FIGURE_CELLS);
    for (const b of bundles) expect(Object.keys(b.data!)).toContain("image/png");
    // plotly.js travels exactly once in the saved notebook.
    const carriers = bundles.filter((b) => String(([] as string[]).concat(b.data!["text/html"] as string).join("")).includes(`<script type="text/x-tunebook-plotly">`));
    expect(carriers).toHaveLength(1);

    // 4. Reopen untrusted: the notebook as someone else receives it (changed outside Jupyter, so its signature no longer matches).
    const received = { ...saved, metadata: { ...(saved as { metadata?: object }).metadata, received: true } };
    writeFileSync(join(work, "received.ipynb"), JSON.stringify(received, null, 1));
    await page.evaluate(() => (window as any).Jupyter.notebook.session.delete());
    await openNotebook(page, base, "received.ipynb");
    expect(await page.evaluate(() => (window as any).Jupyter.notebook.trusted)).toBe(false);
    expectVisible(await figures(page, analysis, shots, "3-untrusted"), "reopened untrusted", false);

    // 5. Export to HTML (File > Download as > HTML) and open it offline.
    const r = await fetch(`${base}/nbconvert/html/figures.ipynb?download=true&token=${TOKEN}`);
    expect(r.status).toBe(200);
    const exported = join(work, "figures.html");
    writeFileSync(exported, Buffer.from(await r.arrayBuffer()));
    const htmlPage = await context.newPage();
    await htmlPage.route("**/*", (route) => (route.request().url().startsWith("file:") || route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    await htmlPage.goto(`file://${exported}`);
    await htmlPage.waitForFunction((n) => document.querySelectorAll(".tunebook-figure .main-svg").length >= n, FIGURE_CELLS, { timeout: 60_000 });
    expectVisible(await figures(htmlPage, analysis, shots, "4-export"), "exported HTML", true);

    expect(errors, "page errors").toEqual([]);
    await context.close();
  });
});
