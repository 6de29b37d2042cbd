/**
 * `npm run bench -- scale [--sizes 10M,100M] [--keep]`: studies at the size users outgrow pandas.
 *
 * For each size, a study is streamed to a CSV in a fresh temporary folder (1,000 trials; per step
 * `train/loss` and `grad_norm`, `validation/loss` every 100 steps; about 5% of the trials diverge
 * to NaN loss / Infinity norm and keep logging), then a child process loads it with `loadStudy`
 * and runs the full `review`, printing its load time, review time, peak RSS and the bytes the
 * study holds per measurement row. pandas `read_csv` reads the 10 M file in the same run (its time,
 * peak RSS and `memory_usage(deep=True)`). The folder is removed afterwards, also on an error or
 * Ctrl-C (`--keep` leaves it, for profiling).
 *
 * File shape: the long CSV tunebook loads (`trial,step,metric,value,hp.*`) with the
 * hyperparameters written on each trial's first row only (empty cells after), so a row is about
 * 33 bytes: 100.5 M rows are about 3.4 GB on disk. Repeating the five `hp.*` cells on every row
 * would triple that (≈ 10 GB), with nothing more for the loader to learn from it.
 *
 * Goals (issue 20): 100 M rows load and review within 2 GB RSS; 10 M rows load in under 4 s and
 * review in under 2 s.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../src/util/random.js";
import { BENCH_DIR, PYTHON } from "./common.js";

/** One benchmark study: `trials` trials of `steps` steps (rows = trials × (2·steps + steps/100)). */
export interface ScaleShape {
  label: string;
  trials: number;
  steps: number;
}

export const EVAL_EVERY = 100;

/** Measurement rows of a shape: train/loss and grad_norm every step, validation/loss every EVAL_EVERY steps. */
export function rowsOf(s: ScaleShape): number {
  return s.trials * (2 * s.steps + Math.floor(s.steps / EVAL_EVERY));
}

const SHAPES: Record<string, ScaleShape> = {
  "1M": { label: "1M", trials: 1000, steps: 500 },
  "10M": { label: "10M", trials: 1000, steps: 5000 },
  "100M": { label: "100M", trials: 1000, steps: 50000 },
};

/** Bytes a row takes in the file, about (measured on the generated files: 32–34). */
const BYTES_PER_ROW_ESTIMATE = 34;

/**
 * Stream one study as CSV to `path`. Deterministic (seed 20). Learning rates are log-uniform in
 * [1e-4, 1]; trials with lr > 0.5 diverge part-way (about 5%), their loss NaN and norm Infinity
 * from then on. Norms have occasional spikes, so clipping and the spike check have work to do.
 */
export async function writeScaleCsv(path: string, s: ScaleShape, seed = 20): Promise<{ rows: number; bytes: number }> {
  const r = mulberry32(seed);
  const out = createWriteStream(path, { highWaterMark: 1 << 22 });
  out.write("trial,step,metric,value,hp.learning_rate,hp.weight_decay,hp.dropout,hp.warmup_steps,hp.activation\n");
  let rows = 0;
  const acts = ["relu", "gelu", "tanh"];
  for (let t = 0; t < s.trials; t++) {
    const lr = 10 ** (-4 + 4 * r());
    const wd = 10 ** (-6 + 4 * r());
    const dropout = Math.round(r() * 50) / 100;
    const warmup = [0, Math.round(s.steps * 0.02), Math.round(s.steps * 0.05)][Math.floor(r() * 3)]!;
    const act = acts[Math.floor(r() * 3)]!;
    const llr = Math.log10(lr);
    const floor = 0.15 + 0.12 * (llr + 2.2) ** 2 + 0.05 * (Math.log10(wd) + 4) ** 2 + 0.2 * dropout;
    const tau = s.steps * (0.03 + 0.2 * r()) * (1 + 0.5 * -llr) * 0.3;
    const divergeAt = lr > 0.5 ? Math.floor(s.steps * (0.05 + 0.5 * r())) : Infinity;
    const id = `t${t}`;
    const hp = `,${lr.toPrecision(6)},${wd.toPrecision(6)},${dropout},${warmup},${act}\n`;
    let buf = "";
    for (let st = 1; st <= s.steps; st++) {
      const diverged = st >= divergeAt;
      const base = floor + 2.2 * Math.exp(-st / tau);
      const loss = diverged ? NaN : base + 0.03 * (r() - 0.5);
      const spike = r() < 0.002 ? 8 + 10 * r() : 1;
      const norm = diverged ? Infinity : (0.4 + 3 * Math.exp(-st / tau) + 0.3 * r()) * spike * (0.5 + lr * 4);
      buf += `${id},${st},train/loss,${diverged ? "nan" : loss.toFixed(5)}${st === 1 ? hp : ",,,,,\n"}`;
      buf += `${id},${st},grad_norm,${diverged ? "inf" : norm.toFixed(4)},,,,,\n`;
      rows += 2;
      if (st % EVAL_EVERY === 0) {
        const v = diverged ? NaN : base + 0.05 + 0.004 * (st / s.steps) * (dropout < 0.1 ? 10 : 1) + 0.01 * (r() - 0.5);
        buf += `${id},${st},validation/loss,${diverged ? "nan" : v.toFixed(5)},,,,,\n`;
        rows++;
      }
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await once(out, "drain");
        buf = "";
      }
    }
    if (!out.write(buf)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return { rows, bytes: statSync(path).size };
}

/** What the child measured (see {@link child}). */
interface ChildResult {
  rows: number;
  trials: number;
  loadSeconds: number;
  reviewSeconds: number;
  /** Peak RSS (bytes) after the load and at the end (after the review). */
  rssAfterLoad: number;
  rssPeak: number;
  /** Heap + array buffers held after the load (after a GC) minus before, per row. */
  bytesPerRow: number;
  findings: number;
  ran: string[];
  slowest: Array<[string, number]>;
}

/** Child process: load `file`, review it, print one JSON line. Run with --expose-gc. */
async function child(file: string): Promise<void> {
  const { loadStudy } = await import("../src/study/load.js");
  const { review } = await import("../src/analysis/review.js");
  const gc = (globalThis as { gc?: () => void }).gc;
  // V8 heap plus typed arrays' backing stores (`arrayBuffers`, outside `heapUsed`); those are freed
  // after the GC that finds them dead, so collect, yield, repeat.
  const held = async () => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 20));
    }
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = await held();
  let t0 = performance.now();
  const study = await loadStudy(file);
  const loadSeconds = (performance.now() - t0) / 1000;
  const rssAfterLoad = process.resourceUsage().maxRSS * 1024;
  const bytesPerRow = ((await held()) - before) / study.measurementCount;
  t0 = performance.now();
  const r = review(study);
  const reviewSeconds = (performance.now() - t0) / 1000;
  // Time of each analysis alone (the review order, each run once more): where the review's time goes.
  const { ANALYSES } = await import("../src/analysis/analyses.js");
  const { reviewAnalysisOptions } = await import("../src/analysis/review.js");
  const opts = reviewAnalysisOptions();
  const each: Array<[string, number]> = [];
  if (process.env.SCALE_EACH !== "0") {
    for (const a of ANALYSES) {
      if (!r.ran.includes(a.name)) continue;
      const s0 = performance.now();
      (a.run as (s: unknown, o: unknown) => unknown)(study, opts[a.name]);
      each.push([a.name, (performance.now() - s0) / 1000]);
    }
    each.sort((a, b) => b[1] - a[1]);
  }
  const res: ChildResult = {
    rows: study.measurementCount,
    trials: study.size,
    loadSeconds,
    reviewSeconds,
    rssAfterLoad,
    rssPeak: process.resourceUsage().maxRSS * 1024,
    bytesPerRow,
    findings: r.findings.length,
    ran: r.ran,
    slowest: each.slice(0, 5),
  };
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

function runChild(file: string, extraNodeArgs: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", ...extraNodeArgs, "--import", "tsx", fileURLToPath(import.meta.url), "--child", file], { stdio: ["ignore", "pipe", "inherit"] });
    children.add(p.pid!);
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code, signal) => {
      children.delete(p.pid!);
      const last = out.trim().split("\n").pop() ?? "";
      if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last) as ChildResult);
      else reject(new Error(`load+review child ${signal ? `killed by ${signal}` : `exited ${code}`}${signal === "SIGKILL" ? " (out of memory?)" : ""}`));
    });
  });
}

const children = new Set<number>();

interface PandasResult {
  read_csv: number;
  maxrss: number;
  bytes_per_row: number;
  rows: number;
}

function pandas(file: string): PandasResult | undefined {
  const r = spawnSync(PYTHON, [`${BENCH_DIR}peers/scale_pandas.py`, file], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
  if (r.status !== 0) {
    process.stderr.write(`peer pandas unavailable: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-1)[0]}\n`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as PandasResult;
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const fmtS = (x: number) => `${x.toFixed(2)} s`;
const fmtB = (x: number) => (x >= GB ? `${(x / GB).toFixed(2)} GiB` : `${(x / MB).toFixed(0)} MiB`);

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf("--sizes");
  const sizes = (i >= 0 ? argv[i + 1] ?? "" : "10M,100M").split(",").filter(Boolean);
  for (const s of sizes) if (!SHAPES[s]) throw new Error(`scale: unknown size ${s} (known: ${Object.keys(SHAPES).join(", ")})`);
  const keep = argv.includes("--keep");
  const dir = mkdtempSync(join(tmpdir(), "tunebook-scale-"));
  const cleanup = () => {
    for (const pid of children) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(sig, () => {
      cleanup();
      process.stderr.write(`\nscale: interrupted, removed ${dir}\n`);
      process.exit(130);
    });
  process.on("exit", cleanup);
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  let missed = 0;
  try {
    for (const size of sizes) {
      const shape = SHAPES[size]!;
      const rows = rowsOf(shape);
      const need = rows * BYTES_PER_ROW_ESTIMATE;
      const free = freeBytes(dir);
      process.stdout.write(`\n## ${size}: ${shape.trials} trials × ${shape.steps} steps = ${rows.toLocaleString("en-US")} rows (≈ ${fmtB(need)} of CSV; ${fmtB(free)} free in ${tmpdir()})\n`);
      if (free < need * 1.2 + 2 * GB) {
        say(`${size}: skipped: needs ≈ ${fmtB(need)} of disk plus 2 GiB spare, ${fmtB(free)} free`);
        missed++;
        continue;
      }
      const file = join(dir, `study-${size}.csv`);
      let t0 = performance.now();
      const w = await writeScaleCsv(file, shape);
      process.stdout.write(`wrote ${w.rows.toLocaleString("en-US")} rows, ${fmtB(w.bytes)} (${(w.bytes / w.rows).toFixed(1)} B/row) in ${fmtS((performance.now() - t0) / 1000)}\n`);
      t0 = performance.now();
      const c = await runChild(file);
      if (c.rows !== w.rows) throw new Error(`loaded ${c.rows} rows, wrote ${w.rows}`);
      say(`${size} tunebook: load ${fmtS(c.loadSeconds)}, review ${fmtS(c.reviewSeconds)} (${c.ran.length} analyses, ${c.findings} findings), peak RSS ${fmtB(c.rssPeak)} (${fmtB(c.rssAfterLoad)} after load), ${c.bytesPerRow.toFixed(1)} B/row held by the study`);
      if (c.slowest.length) say(`${size} slowest analyses (each run alone): ${c.slowest.map(([n, s]) => `${n} ${fmtS(s)}`).join(", ")}`);
      if (size === "10M") {
        const p = pandas(file);
        if (p) say(`${size} pandas read_csv: ${fmtS(p.read_csv)}, peak RSS ${fmtB(p.maxrss)}, ${p.bytes_per_row.toFixed(1)} B/row (memory_usage deep); tunebook load is ${(p.read_csv / c.loadSeconds).toFixed(2)}× pandas' speed at ${(c.rssAfterLoad / p.maxrss).toFixed(2)}× its peak RSS`);
        const loadOk = c.loadSeconds < 4;
        const reviewOk = c.reviewSeconds < 2;
        missed += Number(!loadOk) + Number(!reviewOk);
        say(`goal 10M load < 4 s: ${loadOk ? "met" : "MISSED"} (${fmtS(c.loadSeconds)}${loadOk ? "" : `; limit: ${(c.loadSeconds * 1e9 / c.rows).toFixed(0)} ns per row in the CSV reader`})`);
        say(`goal 10M review < 2 s: ${reviewOk ? "met" : "MISSED"} (${fmtS(c.reviewSeconds)}${reviewOk ? "" : `; slowest: ${c.slowest.slice(0, 3).map(([n, s]) => `${n} ${fmtS(s)}`).join(", ")}`})`);
      }
      if (size === "100M") {
        const ok = c.rssPeak <= 2 * GB;
        missed += Number(!ok);
        say(`goal 100M load + review within 2 GiB RSS: ${ok ? "met" : "MISSED"} (peak ${fmtB(c.rssPeak)}: ${c.bytesPerRow.toFixed(1)} B/row held × ${(c.rows / 1e6).toFixed(1)} M rows = ${fmtB(c.bytesPerRow * c.rows)}, the rest is the load's buffers and the review's working set)`);
      }
      if (!keep) rmSync(file, { force: true });
    }
  } catch (e) {
    say(`scale: failed: ${(e as Error).message}`);
    return 1;
  } finally {
    cleanup();
  }
  process.stdout.write(`\nscale: ${missed ? `${missed} goal(s) missed or skipped` : "every goal met"}; ${keep ? `kept ${dir}` : `removed ${dir}`}\n`);
  return 0;
}

if (process.argv[2] === "--child") await child(process.argv[3]!);
else if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
