/**
 * Optuna RDB storages written by real Optuna (Debian's python3-optuna via /usr/bin/python3, script
 * tests/fixtures/optuna/rdb.py), compared value for value with what Optuna itself reports for the
 * same study (`rdb.py dump`). SQLite always; PostgreSQL when TUNEBOOK_PG_URL is set
 * (.ci/services/30-postgres.sh starts Debian's server on 127.0.0.1 and sets it).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { listOptunaStudies, loadOptunaRdb } from "../../src/study/formats/optunaRdb.js";
import { TunebookError } from "../../src/study/types.js";
import { runCli } from "../helpers/cli.js";
import { PY, dump, expectConsistent, expectSameAsOptuna, liveWriter, noOptuna, num, py, type OptunaStudy } from "../helpers/optuna.js";

const TMP = mkdtempSync(join(tmpdir(), "tunebook-optuna-rdb-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

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

describe.skipIf(noOptuna)("`tunebook load study.db --study NAME --json` while Optuna is in the middle of a trial", () => {
  it("reports what Optuna reports at that moment: pruned trials pruned, the running trial running", async () => {
    const db = join(TMP, "paused.db");
    const url = `sqlite:///${db}`;
    let seen: { byStatus: Record<string, number>; trials: number } | undefined;
    let optunaThen: OptunaStudy | undefined;
    // Trials 2 and 5 are pruned; Optuna stops inside trial 7 (RUNNING, one report) until released.
    await liveWriter(url, "paused", 9, () => undefined, ["prune", "pause=7"], () => {
      const r = runCli(["load", db, "--study", "paused", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      seen = JSON.parse(r.stdout) as typeof seen;
      optunaThen = dump(url).find((s) => s.name === "paused");
    });
    const states = optunaThen!.trials.map((t) => t.state);
    // The rule the writer follows (rdb.py live): trials 0..6 finished, 2 and 5 pruned, 7 running.
    expect(states).toEqual(["COMPLETE", "COMPLETE", "PRUNED", "COMPLETE", "COMPLETE", "PRUNED", "COMPLETE", "RUNNING"]);
    const count = (s: string) => states.filter((x) => x === s).length;
    expect(seen!.trials).toBe(states.length);
    expect(seen!.byStatus.pruned).toBe(count("PRUNED"));
    expect(seen!.byStatus.running).toBe(count("RUNNING"));
    expect(seen!.byStatus.complete).toBe(count("COMPLETE"));
    // And after the run, every value as Optuna reports it.
    expectSameAsOptuna(await loadStudy(db, { study: "paused" }), dump(url).find((s) => s.name === "paused")!);
  }, 120_000);
});

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
