/**
 * `--watch`, run for real: `watchStudy` and `tunebook load … --watch N` follow a study that a real
 * Optuna process is writing (SQLite always; PostgreSQL when TUNEBOOK_PG_URL is set) and a JSONL log
 * that is being appended to. Updates must arrive (new trials, RUNNING → COMPLETE / PRUNED), the
 * watch must end by itself when the study is done, stop cleanly on SIGINT, and hold back a
 * half-written last line until it stays incomplete. The kernel's `%load --watch` is in
 * tests/kernel/watch.test.ts.
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Study } from "../../src/study/study.js";
import type { StudySummary } from "../../src/study/summary.js";
import { watchStudy } from "../../src/study/watch.js";
import { ROOT } from "../helpers/cli.js";
import { dump, expectSameAsOptuna, liveWriter, noOptuna, py } from "../helpers/optuna.js";

const TMP = mkdtempSync(join(tmpdir(), "tunebook-watch-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** `tunebook load … --watch` as a child process: its JSON lines as they arrive, with arrival times. */
function watchCli(args: string[]) {
  const p = spawn(process.execPath, ["--import", "tsx", `${ROOT}src/cli/run.ts`, "load", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines: Array<{ at: number; summary: StudySummary }> = [];
  const raw: string[] = [];
  let stderr = "";
  let buf = "";
  const waiters: Array<() => void> = [];
  p.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      raw.push(line);
      lines.push({ at: Date.now(), summary: JSON.parse(line) as StudySummary }); // each line is one JSON document
      waiters.splice(0).forEach((w) => w());
    }
  });
  p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => p.on("exit", (code, signal) => resolve({ code, signal })));
  /** Resolves when `n` lines have arrived (or the process ended). */
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (lines.length >= n || p.exitCode !== null ? resolve() : waiters.push(check));
      check();
      void exited.then(() => resolve());
    });
  return { p, lines, raw, exited, until, stderr: () => stderr, rest: () => buf };
}

/** Per trial, the statuses it had in the snapshots, in order, without repeats. */
function statusHistory(snapshots: Study[]): Map<string, string[]> {
  const h = new Map<string, string[]>();
  for (const s of snapshots)
    for (const r of s.trialRows()) {
      const seq = h.get(r.id) ?? [];
      if (seq.at(-1) !== r.status) seq.push(r.status);
      h.set(r.id, seq);
    }
  return h;
}

/** Optuna writes the study; `watchStudy` and the CLI follow it. `url` is the storage, `target` what tunebook is given. */
async function followOptuna(url: string, target: string, name: string) {
  py(["live", url, name, "0"]); // the study exists before the watchers start
  const snapshots: Study[] = [];
  const api = (async () => {
    for await (const s of watchStudy(target, { study: name }, { seconds: 0.1 })) snapshots.push(s);
  })();
  const cli = watchCli([target, "--study", name, "--watch", "0.2", "--json"]);
  // 9 trials: 2, 5 and 8 pruned after four reports; each step sleeps 0.3 s, so a trial runs for
  // 0.9-1.5 s and both watchers see it running, even on a busy machine.
  await liveWriter(url, name, 9, () => undefined, ["prune", "sleep=0.3"]);
  await api; // ends by itself: no trial running and nothing changed
  const end = await cli.exited;
  const optuna = dump(url).find((s) => s.name === name)!;
  return { snapshots, cli, end, optuna };
}

function expectFollowed({ snapshots, cli, end, optuna }: Awaited<ReturnType<typeof followOptuna>>): void {
  const states = optuna.trials.map((t) => t.state);
  expect(states.filter((s) => s === "PRUNED").length).toBe(3);
  // The API: many snapshots, trials seen running then complete, and running then pruned.
  expect(snapshots.length).toBeGreaterThan(5);
  const hist = statusHistory(snapshots);
  const ran = (final: string) => [...hist.values()].filter((seq) => seq.length >= 2 && seq.at(-2) === "running" && seq.at(-1) === final).length;
  expect(ran("complete")).toBeGreaterThan(0);
  expect(ran("pruned")).toBeGreaterThan(0);
  expect(Math.max(...snapshots.map((s) => s.size))).toBe(optuna.trials.length);
  // The last snapshot is what Optuna reports once it is done, value for value.
  expectSameAsOptuna(snapshots.at(-1)!, optuna);
  // The CLI: one JSON line per change, trials only ever added, a line with a running trial, and a
  // last line that counts what Optuna reports; then it exits 0 by itself with nothing on stderr.
  expect(end).toEqual({ code: 0, signal: null });
  expect(cli.stderr()).toBe("");
  expect(cli.rest()).toBe("");
  const sums = cli.lines.map((l) => l.summary);
  expect(sums.length).toBeGreaterThan(2);
  for (let i = 1; i < sums.length; i++) expect(sums[i]!.trials).toBeGreaterThanOrEqual(sums[i - 1]!.trials);
  expect(new Set(cli.raw).size).toBe(cli.raw.length); // an unchanged summary is not printed again
  expect(sums.some((s) => s.byStatus.running > 0)).toBe(true);
  const last = sums.at(-1)!;
  expect(last.trials).toBe(states.length);
  expect(last.byStatus.running).toBe(0);
  expect(last.byStatus.pruned).toBe(states.filter((s) => s === "PRUNED").length);
  expect(last.byStatus.complete).toBe(states.filter((s) => s === "COMPLETE").length);
}

describe.skipIf(noOptuna)("--watch on an SQLite study Optuna is writing", () => {
  it("watchStudy and `tunebook load --watch --json` see trials appear, run, complete and get pruned, then end", async () => {
    const db = join(TMP, "live.db");
    expectFollowed(await followOptuna(`sqlite:///${db}`, db, "live"));
  }, 180_000);

  it("stops cleanly on SIGINT while a trial is running (exit 0, whole JSON lines, no stack trace)", async () => {
    const db = join(TMP, "sigint.db");
    const url = `sqlite:///${db}`;
    py(["live", url, "held", "0"]);
    let cli: ReturnType<typeof watchCli> | undefined;
    let end: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    // Optuna stops inside trial 3 (RUNNING) until released: only Ctrl-C can end the watch then.
    await liveWriter(url, "held", 4, () => undefined, ["pause=3"], async () => {
      cli = watchCli([db, "--study", "held", "--watch", "0.2", "--json"]);
      await cli.until(1);
      await new Promise((r) => setTimeout(r, 1000)); // a few polls of an unchanged study
      expect(cli.p.exitCode).toBeNull(); // a running trial keeps the watch going
      cli.p.kill("SIGINT");
      end = await cli.exited;
    });
    expect(end).toEqual({ code: 0, signal: null });
    expect(cli!.stderr()).toBe("");
    expect(cli!.rest()).toBe("");
    expect(cli!.lines.length).toBe(1); // nothing changed while Optuna was held
    expect(cli!.lines[0]!.summary.trials).toBe(4);
    expect(cli!.lines[0]!.summary.byStatus).toMatchObject({ complete: 3, running: 1 });
  }, 180_000);
});

const PG = process.env.TUNEBOOK_PG_URL;
const noPg = noOptuna ?? (PG ? undefined : "TUNEBOOK_PG_URL is not set (.ci/services/30-postgres.sh starts PostgreSQL and sets it)");

describe.skipIf(noPg)("--watch on a PostgreSQL study Optuna is writing", () => {
  const dbName = `tunebook_watch_${process.pid}`;
  afterAll(async () => {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it("watchStudy and `tunebook load postgresql://… --watch --json` follow it to the end", async () => {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(PG!);
    u.pathname = `/${dbName}`;
    expectFollowed(await followOptuna(u.toString(), u.toString(), "live"));
  }, 180_000);
});

describe("--watch on a JSONL log being appended to", () => {
  const line = (o: Record<string, unknown>) => JSON.stringify(o) + "\n";

  it("shows new measurements and a running trial completing; a half-written last line is reported only when it stays", async () => {
    const f = join(TMP, "growing.jsonl");
    writeFileSync(f, line({ trial: "a", step: 1, metric: "loss", value: 0.9, status: "running" }) + line({ trial: "a", step: 2, metric: "loss", value: 0.7, status: "running" }));
    const seconds = 1;
    const cli = watchCli([f, "--watch", String(seconds), "--json"]);
    await cli.until(1);
    expect(cli.lines[0]!.summary).toMatchObject({ measurements: 2, byStatus: { running: 1 }, warnings: [] });

    // A line written in two pieces, the second well within one interval: never a warning.
    const third = line({ trial: "a", step: 3, metric: "loss", value: 0.6, status: "running" });
    appendFileSync(f, third.slice(0, 25));
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(f, third.slice(25));
    await cli.until(2);
    expect(cli.lines[1]!.summary).toMatchObject({ measurements: 3, byStatus: { running: 1 }, warnings: [] });

    // A half-written line that stays: reported, but only after a second load saw it unchanged.
    const fourth = line({ trial: "a", step: 4, metric: "loss", value: 0.5, status: "complete" });
    appendFileSync(f, fourth.slice(0, 30));
    const cut = Date.now();
    await cli.until(3);
    const warned = cli.lines[2]!;
    expect(warned.summary.measurements).toBe(3);
    expect(warned.summary.warnings).toHaveLength(1);
    expect(warned.summary.warnings[0]).toMatch(/^warn: .*growing\.jsonl:4: last line is truncated or not valid JSON/);
    // It was held back for at least one interval (one load saw it first and said nothing).
    expect(warned.at - cut).toBeGreaterThanOrEqual(seconds * 1000 * 0.9);

    // Finished: the trial completes, the warning goes, and the watch ends by itself.
    appendFileSync(f, fourth.slice(30));
    const end = await cli.exited;
    expect(end).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toBe("");
    const last = cli.lines.at(-1)!.summary;
    expect(last).toMatchObject({ measurements: 4, byStatus: { running: 0, complete: 1 }, warnings: [] });
    expect(cli.lines).toHaveLength(4);
  }, 120_000);

  it("a log that is still an empty or half-written first line is retried, not an error; one that stays so is", async () => {
    const f = join(TMP, "starting.jsonl");
    const first = line({ trial: "b", step: 1, metric: "loss", value: 0.8, status: "running" });
    writeFileSync(f, first.slice(0, 20));
    const snapshots: Study[] = [];
    const stop = new AbortController();
    const watching = (async () => {
      for await (const s of watchStudy(f, {}, { seconds: 0.5, signal: stop.signal })) {
        snapshots.push(s);
        stop.abort(); // one snapshot is enough here
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(f, first.slice(20));
    await watching;
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]!.measurementCount).toBe(1);
    expect(snapshots[0]!.warnings).toEqual([]);

    // Left half-written: the second load fails the same way and the error is thrown, naming the file.
    const g = join(TMP, "stuck.jsonl");
    writeFileSync(g, first.slice(0, 20));
    const t0 = Date.now();
    const err = await (async () => {
      for await (const _ of watchStudy(g, {}, { seconds: 0.5 })) return undefined;
      return undefined;
    })().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(g);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450); // reported at the second load, not the first
  }, 60_000);
});
