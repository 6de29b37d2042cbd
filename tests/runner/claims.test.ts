/**
 * Claims across machines, simulated with claim files of another host: a live claim is left to its
 * owner, a stale one (lease expired) is taken over by --resume only, and a runner whose trial was
 * taken over discards its result.
 */
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStudyConfig } from "../../src/runner/config.js";
import { runStudy } from "../../src/runner/run.js";
import { ledgerCounts, records, tinyStudy, waitFor } from "./helpers.js";

function foreignClaim(out: string, index: number, attempt: number, leaseSeconds: number): string {
  mkdirSync(join(out, "claims"), { recursive: true });
  const p = join(out, "claims", `${String(index).padStart(6, "0")}.${attempt}.json`);
  writeFileSync(p, JSON.stringify({ owner: "node-b:4242:feed", host: "node-b.cluster", pid: 4242, attempt, claimedAt: new Date().toISOString(), leaseSeconds }));
  return p;
}

describe("claims held by a runner on another machine", () => {
  it("a live claim is left alone; once its lease expires only --resume takes it over", async () => {
    const s = tinyStudy({ trials: 3 });
    const claim = foreignClaim(s.out, 1, 1, 60);
    const cfg = loadStudyConfig(s.file);
    const first = await runStudy(cfg, { dir: s.out, workers: 1 });
    expect(first.ran).toBe(2);
    expect(first.elsewhere).toBe(1);
    expect(records(s.out).map((r) => r.index)).toEqual([0, 2]);

    // The other machine stops renewing: 120 s since its heartbeat, lease 60 s.
    const past = new Date(Date.now() - 120_000);
    utimesSync(claim, past, past);
    await expect(runStudy(cfg, { dir: s.out, workers: 1 })).rejects.toThrow(/3 trial\(s\) of this study already ran here \(2 finished, 1 cut off by a runner that is gone\) and no runner is working on it now; add --resume/);
    const resumed = await runStudy(cfg, { dir: s.out, workers: 1, resume: true });
    expect(resumed.ran).toBe(1);
    expect(records(s.out).map((r) => [r.index, r.status])).toEqual([
      [0, "complete"],
      [1, "complete"],
      [2, "complete"],
    ]);
    // The takeover was attempt 2; both attempts are gone once the trial is finished.
    expect(readdirSync(join(s.out, "claims"))).toEqual([]);
  }, 60_000);

  it("a runner whose trial is taken over stops it and discards its result", async () => {
    const s = tinyStudy({ points: [{ x: 0.4, mode: "ok" }] });
    const cfg = loadStudyConfig(s.file);
    cfg.trainer = { ...cfg.trainer, env: { TINY_LEDGER: s.ledger, TINY_DELAY_MS: "1000" } } as typeof cfg.trainer;
    const run = runStudy(cfg, { dir: s.out, workers: 1, leaseSeconds: 1 });
    await waitFor(() => ledgerCounts(s.ledger).has("trial-000000"), 30_000, "the trainer to start");
    // Another runner presumed this one dead and made attempt 2.
    foreignClaim(s.out, 0, 2, 60);
    const summary = await run;
    expect(summary.lost).toBe(1);
    expect(summary.ran).toBe(0);
    expect(summary.elsewhere).toBe(1);
    // Its result was not written over the new owner's trial; the new owner's claim is untouched.
    expect(records(s.out)[0]!.status).toBe("running");
    expect(existsSync(join(s.out, "claims/000000.2.json"))).toBe(true);
  }, 60_000);
});
