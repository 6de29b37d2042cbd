/**
 * Optuna RDB storages written by real Optuna (Debian's python3-optuna via /usr/bin/python3, script
 * tests/fixtures/optuna/rdb.py), compared value for value with what Optuna itself reports for the
 * same study (`rdb.py dump`). SQLite always; PostgreSQL when TUNEBOOK_PG_URL is set
 * (.ci/services/30-postgres.sh starts Debian's server on 127.0.0.1 and sets it).
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { listOptunaStudies, loadOptunaRdb } from "../../src/study/formats/optunaRdb.js";
import type { Study } from "../../src/study/study.js";
import { TunebookError, type HpValue } from "../../src/study/types.js";
import { ROOT, runCli } from "../helpers/cli.js";

const PY = "/usr/bin/python3";
const SCRIPT = join(ROOT, "tests/fixtures/optuna/rdb.py");
const TMP = mkdtempSync(join(tmpdir(), "tunebook-optuna-rdb-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** Why Optuna cannot run here (undefined when it can). */
const noOptuna = (() => {
  const r = spawnSync(PY, ["-c", "import optuna, sqlalchemy; print(optuna.__version__)"], { encoding: "utf8" });
  return r.status === 0 ? undefined : `Optuna is not importable by ${PY} (apt-get install python3-optuna): ${r.stderr.trim().split("\n").pop()}`;
})();

function py(args: string[]): string {
  const r = spawnSync(PY, [SCRIPT, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`rdb.py ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

type Num = number | "NaN" | "Infinity" | "-Infinity";
interface OptunaTrial {
  number: number;
  state: string;
  values: Num[] | null;
  params: Record<string, HpValue>;
  distributions: Record<string, { name: string; attributes: Record<string, unknown> }>;
  intermediate_values: Array<[number, Num]>;
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
  datetime_start: string | null;
  datetime_complete: string | null;
}
interface OptunaStudy {
  name: string;
  directions: string[];
  system_attrs: Record<string, unknown>;
  trials: OptunaTrial[];
}

const num = (v: Num): number => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v);

function dump(url: string): OptunaStudy[] {
  return JSON.parse(py(["dump", url])) as OptunaStudy[];
}

/**
 * The search-space entry an Optuna distribution stands for, written here from Optuna's
 * distribution semantics (not from the loader): log → log scale, a step → the grid low, low+step…
 * ≤ high, categorical → its choices (Python's None shown as "None").
 */
function expectedParam(name: string, d: { name: string; attributes: Record<string, unknown> }): Record<string, unknown> {
  const a = d.attributes;
  if (d.name === "CategoricalDistribution") return { name, type: "categorical", values: (a.choices as unknown[]).map((c) => (c === null ? "None" : c)) };
  const low = a.low as number;
  const high = a.high as number;
  const step = a.step as number | null;
  if (d.name === "FloatDistribution" && step !== null) {
    const values: number[] = [];
    for (let i = 0; low + i * step <= high + 1e-9; i++) values.push(low + i * step);
    return { name, type: "discrete", values };
  }
  if (d.name === "IntDistribution" && step !== 1 && !a.log) {
    const values: number[] = [];
    for (let v = low; v <= high; v += step!) values.push(v);
    return { name, type: "discrete", values };
  }
  return { name, type: d.name === "IntDistribution" ? "int" : "float", low, high, scale: a.log ? "log" : "linear" };
}

/**
 * The status tunebook gives a trial, from Optuna's state: PRUNED stays pruned, FAIL is failed,
 * RUNNING and WAITING are running; a COMPLETE trial whose objective or a reported value is NaN or
 * ±Infinity is diverged (tunebook's rule for non-finite results).
 */
function expectedStatus(t: OptunaTrial, obj: number): string {
  const values = [...(t.values ? [t.values[obj]!] : []), ...t.intermediate_values.map((x) => x[1])].map(num);
  const nonFinite = values.some((v) => !Number.isFinite(v));
  if (t.state === "FAIL") return "failed";
  if (t.state === "RUNNING" || t.state === "WAITING") return nonFinite ? "diverged" : "running";
  if (nonFinite) return "diverged";
  return t.state === "PRUNED" ? "pruned" : "complete";
}

/** Every trial, state, parameter, value, intermediate value, attribute and distribution of `o` in `study`. */
function expectSameAsOptuna(study: Study, o: OptunaStudy, objective = 0, metricNames?: string[]): void {
  const names = metricNames ?? (o.directions.length === 1 ? ["value"] : o.directions.map((_, i) => `values_${i}`));
  expect(study.name).toBe(o.name);
  expect(study.objective).toEqual({ metric: names[objective], direction: o.directions[objective]!.toLowerCase() });
  expect(study.size).toBe(o.trials.length);
  const allParams = new Set(o.trials.flatMap((t) => Object.keys(t.params)));
  for (const t of o.trials) {
    const row = study.trial(String(t.number))!;
    expect(row, `trial ${t.number}`).toBeDefined();
    expect(row.attrs.state, `trial ${t.number} state`).toBe(t.state);
    expect(row.status, `trial ${t.number} status`).toBe(expectedStatus(t, objective));
    for (const p of allParams) {
      const want = p in t.params ? (t.params[p] === null ? "None" : t.params[p]) : null;
      expect(row.hparams[p], `trial ${t.number} ${p}`).toBe(want);
    }
    // The objective Optuna reports; a trial without one (running, failed) gets its last reported value.
    const v = t.values ? num(t.values[objective]!) : t.intermediate_values.length ? num(t.intermediate_values.at(-1)![1]) : null;
    expect(row.final, `trial ${t.number} value`).toBe(v);
    const curve = study.curve(String(t.number), names[objective]!);
    expect(curve.steps, `trial ${t.number} steps`).toEqual(t.intermediate_values.map((x) => x[0]));
    expect(curve.values, `trial ${t.number} intermediate values`).toEqual(t.intermediate_values.map((x) => num(x[1])));
    t.values?.forEach((x, j) => {
      if (j === objective) return;
      expect(row.attrs[names[j]!], `trial ${t.number} ${names[j]}`).toBe(num(x));
      expect(study.curve(String(t.number), names[j]!).values).toEqual([num(x)]);
    });
    expect(row.attrs.userAttrs ?? {}, `trial ${t.number} user attrs`).toEqual(t.user_attrs);
    expect(row.attrs.systemAttrs ?? {}, `trial ${t.number} system attrs`).toEqual(t.system_attrs);
    expect(row.attrs.datetimeStart ?? null).toBe(t.datetime_start);
    expect(row.attrs.datetimeComplete ?? null).toBe(t.datetime_complete);
  }
  // The space: one parameter per distribution Optuna recorded, with its scale or values.
  const dists = new Map<string, OptunaTrial["distributions"][string]>();
  for (const t of o.trials) for (const [k, d] of Object.entries(t.distributions)) if (!dists.has(k)) dists.set(k, d);
  expect(study.space!.params.map((p) => p.name).sort()).toEqual([...dists.keys()].sort());
  for (const p of study.space!.params) {
    const want = expectedParam(p.name, dists.get(p.name)!);
    const { condition: _c, ...got } = p;
    if (want.type === "discrete") {
      expect(got.type).toBe("discrete");
      const values = (got as { values: number[] }).values;
      expect(values.length).toBe((want.values as number[]).length);
      values.forEach((x, i) => expect(x).toBeCloseTo((want.values as number[])[i]!, 12));
    } else expect(got).toEqual(want);
  }
}

describe.skipIf(noOptuna)("Optuna RDB storage in SQLite, written by Optuna 3.1", () => {
  const db = join(TMP, "study.db");
  let optuna: OptunaStudy[];
  beforeAll(() => {
    py(["build", `sqlite:///${db}`]);
    optuna = dump(`sqlite:///${db}`);
  }, 120_000);

  it("is detected by the file's magic bytes, and a sqlite:/// URL works too", async () => {
    expect(await detectFormat(db)).toBe("optuna-rdb");
    expect(await detectFormat(`sqlite:///${db}`)).toBe("optuna-rdb");
    const copy = join(TMP, "no-extension");
    copyFileSync(db, copy);
    expect(await detectFormat(copy)).toBe("optuna-rdb");
  });

  it("lists both studies, and asks for --study naming them when it is missing", async () => {
    const list = await listOptunaStudies(db);
    expect(list.map((s) => s.name)).toEqual(optuna.map((s) => s.name));
    for (const s of list) {
      const o = optuna.find((x) => x.name === s.name)!;
      expect(s.trials).toBe(o.trials.length);
      expect(s.directions).toEqual(o.directions.map((d) => d.toLowerCase()));
      for (const t of o.trials) expect(s.states[t.state]).toBe(o.trials.filter((x) => x.state === t.state).length);
    }
    const err = await loadStudy(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TunebookError);
    expect((err as Error).message).toContain(db);
    for (const s of optuna) expect((err as Error).message).toContain(`${s.name} (${s.trials.length} trials)`);
    await expect(loadStudy(db, { study: "nope" })).rejects.toThrow(/no study named "nope".*mlp-lr/);
  });

  it("matches Optuna's view of every trial, state, parameter, intermediate value and distribution", async () => {
    const o = optuna.find((s) => s.name === "mlp-lr")!;
    // The fixture must exercise what it claims to.
    const states = new Set(o.trials.map((t) => t.state));
    for (const s of ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"]) expect(states, s).toContain(s);
    expect(o.trials.some((t) => !("beta1" in t.params) && "lr" in t.params && t.state === "COMPLETE")).toBe(true);
    const study = await loadStudy(db, { study: "mlp-lr" });
    expect(study.source.format).toBe("optuna-rdb");
    expectSameAsOptuna(study, o);
    expect(study.statusCounts().pruned).toBe(o.trials.filter((t) => t.state === "PRUNED").length);
  });

  it("infers the conditional parameters from which trials sampled them", async () => {
    const study = await loadStudy(db, { study: "mlp-lr" });
    const o = optuna.find((s) => s.name === "mlp-lr")!;
    const done = o.trials.filter((t) => t.state === "COMPLETE" || t.state === "PRUNED");
    for (const name of ["beta1", "momentum"]) {
      const p = study.space!.params.find((x) => x.name === name)!;
      // Rule: the optimizer values of the finished trials that sampled the parameter.
      const want = [...new Set(done.filter((t) => name in t.params).map((t) => t.params.optimizer))];
      expect(p.condition).toEqual({ parent: "optimizer", in: want });
    }
    expect(study.space!.params.find((x) => x.name === "lr")!.condition).toBeUndefined();
  });

  it("multi-objective: --objective picks one by name or index; the others become metrics", async () => {
    const o = optuna.find((s) => s.name === "two-objectives")!;
    const names = o.system_attrs["study:metric_names"] as string[];
    expect(names).toEqual(["loss", "accuracy"]);
    expectSameAsOptuna(await loadStudy(db, { study: "two-objectives" }), o, 0, names);
    const byName = await loadStudy(db, { study: "two-objectives", objective: "accuracy" });
    expectSameAsOptuna(byName, o, 1, names);
    const best = o.trials.reduce((a, b) => (num(b.values![1]!) > num(a.values![1]!) ? b : a));
    expect(byName.bestTrial()!.id).toBe(String(best.number));
    expectSameAsOptuna(await loadStudy(db, { study: "two-objectives", objective: "1" }), o, 1, names);
    await expect(loadStudy(db, { study: "two-objectives", objective: "f1" })).rejects.toThrow(/objective "f1" is not one of the study's objectives \(loss, accuracy/);
  });

  it("`tunebook load study.db --study NAME --json` reports pruned trials as pruned", () => {
    const r = runCli(["load", db, "--study", "mlp-lr", "--json"]);
    expect(r.stderr).toBe("");
    const s = JSON.parse(r.stdout) as { byStatus: Record<string, number>; trials: number };
    const o = optuna.find((x) => x.name === "mlp-lr")!;
    expect(s.trials).toBe(o.trials.length);
    expect(s.byStatus.pruned).toBe(o.trials.filter((t) => t.state === "PRUNED").length);
    expect(s.byStatus.failed).toBe(o.trials.filter((t) => t.state === "FAIL").length);
    const missing = runCli(["load", db]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/holds 2 studies; pick one with --study NAME: mlp-lr \(18 trials\), two-objectives \(9 trials\)/);
    expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 240_000);

  it("never writes to the storage", async () => {
    const before = spawnSync("sha256sum", [db], { encoding: "utf8" }).stdout;
    await loadStudy(db, { study: "mlp-lr" });
    await listOptunaStudies(db);
    expect(spawnSync("sha256sum", [db], { encoding: "utf8" }).stdout).toBe(before);
  });

  it("errors name the file: not an Optuna storage, not SQLite, an old schema", async () => {
    const other = join(TMP, "other.db");
    spawnSync(PY, ["-c", `import sqlite3; c = sqlite3.connect(${JSON.stringify(other)}); c.execute("create table t (x)"); c.commit()`]);
    await expect(loadStudy(other)).rejects.toThrow(new RegExp(`${other}: not an Optuna storage`));
    const fake = join(TMP, "fake.db");
    writeFileSync(fake, Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(100, 7)]));
    await expect(loadStudy(fake)).rejects.toThrow(new RegExp(`${fake}: `));
    const old = join(TMP, "old.db");
    copyFileSync(db, old);
    spawnSync(PY, ["-c", `import sqlite3; c = sqlite3.connect(${JSON.stringify(old)}); c.execute("update alembic_version set version_num = 'v2.6.0.a'"); c.commit()`]);
    await expect(loadStudy(old, { study: "mlp-lr" })).rejects.toThrow(/before 3\.0; upgrade it once with `optuna storage upgrade/);
  });
});

/** Run `rdb.py live` and resolve when it exits; `onTrial` is called after each finished trial. */
function liveWriter(url: string, name: string, n: number, onTrial: () => void | Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(PY, [SCRIPT, "live", url, name, String(n)], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    let buf = "";
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      while (buf.includes("\n")) {
        buf = buf.slice(buf.indexOf("\n") + 1);
        void onTrial();
      }
    });
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`live writer exited ${code}: ${err}`))));
  });
}

/** What one consistent snapshot of the live study must satisfy, whatever moment it was taken at. */
function expectConsistent(study: Study): void {
  const ids = study.trialIds().map(Number);
  expect(ids).toEqual(ids.map((_, i) => i)); // numbers 0..n-1, none missing
  for (const r of study.trialRows()) {
    // Optuna writes a trial's state and value in one transaction: a finished trial has its value.
    if (r.attrs.state === "COMPLETE") expect(r.final, `trial ${r.id}`).not.toBeNull();
    if (r.attrs.state === "COMPLETE") expect(study.curve(r.id, "value").steps).toEqual([0, 1, 2, 3, 4]);
    if (r.status !== "running") expect(r.hparams.x).not.toBeNull();
  }
}

for (const mode of ["delete", "wal"] as const) {
  describe.skipIf(noOptuna)(`an SQLite study Optuna is still writing (journal mode ${mode})`, () => {
    it("loads a consistent snapshot at any moment, then exactly what Optuna reports", async () => {
      const db = join(TMP, `live-${mode}.db`);
      const url = `sqlite:///${db}`;
      // Create the storage (Optuna's schema) and set its journal mode before the writer starts.
      py(["live", url, "live", "0"]);
      spawnSync(PY, ["-c", `import sqlite3; c = sqlite3.connect(${JSON.stringify(db)}); print(c.execute("pragma journal_mode=${mode}").fetchone())`]);
      let loads = 0;
      let sawRunning = false;
      let cliChecked = false;
      let stop = false;
      const reader = (async () => {
        while (!stop) {
          const s = await loadOptunaRdb(db, { study: "live" });
          expectConsistent(s);
          if (s.statusCounts().running > 0) sawRunning = true;
          loads++;
          // better-sqlite3 is synchronous: let the writer's events through between loads.
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await liveWriter(url, "live", 12, async () => {
        if (cliChecked) return;
        cliChecked = true;
        // The CLI on the same study mid-run.
        const r = runCli(["load", db, "--study", "live", "--json"]); // the CLI reads while Optuna writes
        expect(r.code, r.stderr).toBe(0);
        expect((JSON.parse(r.stdout) as { trials: number }).trials).toBeGreaterThan(0);
      });
      stop = true;
      await reader;
      expect(loads).toBeGreaterThan(5);
      expect(sawRunning).toBe(true);
      expect(cliChecked).toBe(true);
      expectSameAsOptuna(await loadStudy(db, { study: "live" }), dump(url)[0]!);
    }, 120_000);
  });
}

const PG = process.env.TUNEBOOK_PG_URL;
const noPg = noOptuna ?? (PG ? undefined : "TUNEBOOK_PG_URL is not set (.ci/services/30-postgres.sh starts PostgreSQL and sets it)");
if (noPg) console.warn(`skipping the PostgreSQL storage tests: ${noPg}`);

describe.skipIf(noPg)("Optuna RDB storage in PostgreSQL, written by Optuna 3.1", () => {
  const dbName = `tunebook_optuna_${process.pid}`;
  let url = "";
  let optuna: OptunaStudy[];
  beforeAll(async () => {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(PG!);
    u.pathname = `/${dbName}`;
    url = u.toString();
    py(["build", url]);
    optuna = dump(url);
  }, 120_000);
  afterAll(async () => {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it("a postgresql:// URL is detected, and the studies listed", async () => {
    expect(await detectFormat(url)).toBe("optuna-rdb");
    expect((await listOptunaStudies(url)).map((s) => s.name)).toEqual(["mlp-lr", "two-objectives"]);
    await expect(loadStudy(url)).rejects.toThrow(/holds 2 studies; pick one with --study NAME: mlp-lr \(18 trials\), two-objectives \(9 trials\)/);
  });

  it("matches Optuna's view of every trial, state, parameter, intermediate value and distribution", async () => {
    expectSameAsOptuna(await loadStudy(url, { study: "mlp-lr" }), optuna.find((s) => s.name === "mlp-lr")!);
    const two = optuna.find((s) => s.name === "two-objectives")!;
    expectSameAsOptuna(await loadStudy(url, { study: "two-objectives", objective: "accuracy" }), two, 1, ["loss", "accuracy"]);
  });

  it("messages name the server without the password", async () => {
    const bad = new URL(PG!);
    bad.port = "1";
    const err = (await loadStudy(bad.toString()).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TunebookError);
    expect(err.message).toMatch(/cannot connect to PostgreSQL: connection refused/);
    if (bad.password) expect(err.message).not.toContain(`:${bad.password}@`);
  });

  it("reads one snapshot while Optuna writes to the same database", async () => {
    py(["live", url, "live", "0"]); // the study exists before the first read
    let loads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        expectConsistent(await loadOptunaRdb(url, { study: "live" }));
        loads++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await liveWriter(url, "live", 8, () => undefined);
    stop = true;
    await reader;
    expect(loads).toBeGreaterThan(3);
    expectSameAsOptuna(await loadStudy(url, { study: "live" }), dump(url).find((s) => s.name === "live")!);
  }, 120_000);
});
