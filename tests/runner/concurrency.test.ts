/**
 * Several runners on one study folder: every trial runs exactly once (counted by the trainer
 * itself, in a ledger it appends to when it starts), and a SIGKILL of a runner's process group
 * leaves no trainer behind.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStudy } from "../../src/study/load.js";
import { ledgerCounts, processesWithEnv, records, startCli, tinyStudy, waitFor } from "./helpers.js";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `trial-${String(i).padStart(6, "0")}`);

/** Every trial of an n-trial study started exactly once and ended complete, with one clean curve. */
async function expectExactlyOnce(s: ReturnType<typeof tinyStudy>, n: number) {
  const counts = ledgerCounts(s.ledger);
  expect([...counts.keys()].sort()).toEqual(ids(n));
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
  const recs = records(s.out);
  expect(recs.map((r) => r.status)).toEqual(Array(n).fill("complete"));
  const study = await loadStudy(s.out);
  for (const id of ids(n)) expect(study.curve(id, "objective").steps).toEqual([0, 1, 2, 3, 4]);
}

/** "k trial(s) run" from a runner's summary line. */
const ranBy = (stdout: string) => Number(/(\d+) trial\(s\) run/.exec(stdout)?.[1] ?? NaN);

describe("runners sharing one --out", () => {
  it("two runners started at once (no --resume, no shards) split the study", async () => {
    const s = tinyStudy({ trials: 8 });
    const env = { TINY_LEDGER: s.ledger, TINY_DELAY_MS: "120" };
    const a = startCli(["run", s.file, "--out", s.out], env);
    const b = startCli(["run", s.file, "--out", s.out], env);
    expect([await a.done, await b.done]).toEqual([0, 0]);
    await expectExactlyOnce(s, 8);
    expect(ranBy(a.stdout()) + ranBy(b.stdout())).toBe(8);
  }, 90_000);

  it("three runners: one, then --resume and --resume --shard 1/2 while it is alive", async () => {
    const s = tinyStudy({ trials: 10 });
    const env = { TINY_LEDGER: s.ledger, TINY_DELAY_MS: "120" };
    const a = startCli(["run", s.file, "--out", s.out], env);
    await waitFor(() => records(s.out).some((r) => r.status !== "running"), 60_000, "a first finished trial");
    const b = startCli(["run", s.file, "--out", s.out, "--resume"], env);
    const c = startCli(["run", s.file, "--out", s.out, "--resume", "--shard", "1/2"], env);
    expect([await a.done, await b.done, await c.done]).toEqual([0, 0, 0]);
    await expectExactlyOnce(s, 10);
    expect(ranBy(a.stdout()) + ranBy(b.stdout()) + ranBy(c.stdout())).toBe(10);
  }, 120_000);

  it("three at once: --shard 0/2, --shard 1/2 and an unsharded runner without --resume", async () => {
    const s = tinyStudy({ trials: 9 });
    const env = { TINY_LEDGER: s.ledger, TINY_DELAY_MS: "100" };
    const runs = [["--shard", "0/2"], ["--shard", "1/2"], []].map((extra) => startCli(["run", s.file, "--out", s.out, ...extra], env));
    expect(await Promise.all(runs.map((r) => r.done))).toEqual([0, 0, 0]);
    await expectExactlyOnce(s, 9);
  }, 120_000);
});

describe("trainers die with their runner", () => {
  it("SIGKILL of the runner's process group leaves no trainer (nor its child) alive; --resume finishes each trial once", async () => {
    const tag = randomBytes(6).toString("hex");
    // Trial 0 starts a grandchild and then holds; the others are quick.
    const points = [{ x: 0.1, mode: "spawn-child" }, ...[0.2, 0.3, 0.4, 0.5, 0.6].map((x) => ({ x, mode: "ok" }))];
    const s = tinyStudy({ points, over: { workers: 2 } });
    const run = startCli(["run", s.file, "--out", s.out], { TINY_LEDGER: s.ledger, TINY_TAG: tag, TINY_DELAY_MS: "150" });
    await waitFor(() => records(s.out).filter((r) => r.status === "complete").length >= 1 && processesWithEnv("TINY_TAG", tag).length >= 2, 60_000, "a finished trial and a running trainer with its child");
    process.kill(-run.child.pid!, "SIGKILL");
    await run.done;
    await waitFor(() => processesWithEnv("TINY_TAG", tag).length === 0, 10_000, "every trainer process of the killed runner to be gone");

    // The truth about what is left: a plain run is refused, and says why.
    const plain = startCli(["run", s.file, "--out", s.out]);
    expect(await plain.done).toBe(1);
    expect(plain.stderr()).toMatch(/trial\(s\) of this study already ran here \(\d+ finished, \d+ cut off by a runner that is gone\) and no runner is working on it now; add --resume/);

    const before = new Map(records(s.out).filter((r) => r.status === "complete").map((r) => [r.id, r.startedAt]));
    const cut = new Set(records(s.out).filter((r) => r.status === "running").map((r) => r.id));
    expect(cut.has("trial-000000")).toBe(true);
    const atKill = ledgerCounts(s.ledger);
    const resume = startCli(["run", s.file, "--out", s.out, "--resume"], { TINY_LEDGER: s.ledger, TINY_HOLD: "0" });
    expect(await resume.done).toBe(0);
    const recs = records(s.out);
    expect(recs.map((r) => r.status)).toEqual(Array(6).fill("complete"));
    // Finished trials were kept as they were; each cut-off trial was run again, once.
    for (const [id, startedAt] of before) expect(recs.find((r) => r.id === id)!.startedAt).toBe(startedAt);
    const counts = ledgerCounts(s.ledger);
    // Each trial not finished at the kill started exactly once more; finished ones never again.
    for (const id of ids(6)) expect([id, counts.get(id)]).toEqual([id, (atKill.get(id) ?? 0) + (before.has(id) ? 0 : 1)]);
    const study = await loadStudy(s.out);
    for (const id of ids(6)) expect(study.curve(id, "objective").steps).toEqual([0, 1, 2, 3, 4]);
    expect(readFileSync(join(s.out, "logs/000000.log"), "utf8")).not.toMatch(/warning/);
  }, 120_000);
});
