/**
 * A study on the local Slurm (.ci/services/20-slurm.sh starts it): submit as a job array, watch
 * with `tunebook status --json`, cancel one task, resubmit with --resume; every trial runs to the
 * end exactly once and the study equals an unsharded run. Skips, saying why, where no Slurm
 * node is up.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStudy } from "../../src/study/load.js";
import { arraySpec, } from "../../src/runner/slurm.js";
import { parse as parseYaml } from "yaml";
import { runCli } from "../helpers/cli.js";
import { ledgerCounts, records, sleep, tinyStudy } from "./helpers.js";

function slurmUnavailable(): string | undefined {
  if (process.env.TUNEBOOK_SLURM_SKIP) return process.env.TUNEBOOK_SLURM_SKIP;
  try {
    const state = execFileSync("sinfo", ["-h", "-o", "%t"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 }).trim();
    if (!/^(idle|mix|alloc|comp)/m.test(state)) return `no Slurm node is up (sinfo: "${state || "no nodes"}"); start one with .ci/services/20-slurm.sh`;
    return undefined;
  } catch (e) {
    return `Slurm is not running here (${(e as Error).message.split("\n")[0]}); start it with .ci/services/20-slurm.sh`;
  }
}

interface StatusJson {
  trials: number;
  byStatus: Record<string, number>;
  pending: number[];
  running: number[];
  jobs: Array<{ id: string; array: string; pending: number; running: number }>;
}

const status = (out: string): StatusJson => {
  const r = runCli(["status", out, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
};

async function until(out: string, cond: (s: StatusJson) => boolean, ms: number, what: string): Promise<StatusJson> {
  const t0 = Date.now();
  for (;;) {
    const s = status(out);
    if (cond(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(s)}`);
    await sleep(500);
  }
}

describe("job arrays", () => {
  it("array specs compress trial indices and carry the throttle", () => {
    expect(arraySpec([0, 1, 2, 3, 7, 9, 10], 2)).toBe("0-3,7,9-10%2");
    expect(arraySpec([5])).toBe("5");
  });

  it("--k8s prints an Indexed Job with one completion index per trial", () => {
    const s = tinyStudy({ trials: 5 });
    const r = runCli(["run", s.file, "--out", "/studies/tiny", "--k8s", "--max-parallel", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const job = parseYaml(r.stdout) as { kind: string; spec: { completions: number; parallelism: number; completionMode: string; template: { spec: { containers: Array<{ args: string[] }> } } } };
    expect(job.kind).toBe("Job");
    expect(job.spec).toMatchObject({ completions: 5, parallelism: 2, completionMode: "Indexed" });
    expect(job.spec.template.spec.containers[0]!.args).toEqual(["run", s.file, "--out", "/studies/tiny", "--shard", "$(JOB_COMPLETION_INDEX)/5", "--resume", "--wait", "--workers", "1"]);
  }, 30_000);
});

const reason = slurmUnavailable();

describe.skipIf(reason !== undefined)(`on the local Slurm${reason ? ` (skipped: ${reason})` : ""}`, () => {
  it("submit, watch, scancel one task, resubmit with --resume: each trial exactly once, identical to an unsharded run", async () => {
    // Trial 2 holds after its last step until its task is cancelled (TINY_HOLD); the resubmission
    // and the local run do not hold, so their results must be identical.
    const points = [0.1, 0.3, 0.5, 0.7, 0.9].map((x, i) => ({ x, mode: i === 2 ? "hold" : "ok" }));
    const s = tinyStudy({ points });
    const victim = 2;
    const env = { TINY_LEDGER: s.ledger, TINY_DELAY_MS: "200", TINY_HOLD: "600000" };
    const sub = runCli(["run", s.file, "--out", s.out, "--slurm", "--max-parallel", "2"], { env });
    expect(sub.code, sub.stderr).toBe(0);
    const job = /submitted job (\d+): 5 trial\(s\) as array 0-4%2/.exec(sub.stdout)?.[1];
    expect(job, sub.stdout).toBeDefined();
    const script = readFileSync(join(s.out, "slurm/submit-1.sbatch"), "utf8");
    expect(script).toMatch(/#SBATCH --array=0-4%2/);
    expect(script).toMatch(/#SBATCH --requeue/);

    // Watch until the held trial is running in its task (its trainer has started), then cancel that task.
    const seen = await until(s.out, (st) => st.running.includes(victim) && ledgerCounts(s.ledger).has("trial-000002"), 180_000, "trial 2 running");
    expect(seen.jobs.map((j) => j.id)).toEqual([job]);
    expect(seen.running.length).toBeLessThanOrEqual(2); // the %2 throttle
    expect(records(s.out).find((r) => r.index === victim)?.status).toBe("running");
    execFileSync("scancel", [`${job}_${victim}`]);
    const drained = await until(s.out, (st) => st.pending.length === 0 && st.running.length === 0, 240_000, "the job array to end");
    expect(drained.byStatus).toMatchObject({ complete: 4, interrupted: 1, failed: 0 });
    expect(records(s.out).find((r) => r.index === victim)!.status).toBe("running");

    // Resubmit: only the cancelled trial goes back to Slurm.
    const again = runCli(["run", s.file, "--out", s.out, "--slurm", "--resume"], { env: { ...env, TINY_HOLD: "0" } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`1 trial\\(s\\) as array ${victim}\\n`));
    expect(existsSync(join(s.out, "slurm/submit-2.sbatch"))).toBe(true);
    const done = await until(s.out, (st) => st.byStatus.complete === 5 && st.pending.length === 0 && st.running.length === 0, 180_000, "the resubmitted trial");
    expect(done.jobs).toHaveLength(2);
    expect(done.byStatus).toMatchObject({ complete: 5, interrupted: 0, running: 0, notStarted: 0 });

    // Each trial ran to the end once: the cancelled one started twice, the others once.
    const counts = ledgerCounts(s.ledger);
    for (let i = 0; i < 5; i++) expect([i, counts.get(`trial-${String(i).padStart(6, "0")}`)]).toEqual([i, i === victim ? 2 : 1]);

    // Identical to one unsharded local run of the same config.
    const local = runCli(["run", s.file, "--out", join(s.dir, "local")], { env: { TINY_HOLD: "0" } });
    expect(local.code, local.stderr).toBe(0);
    const a = await loadStudy(s.out);
    const b = await loadStudy(join(s.dir, "local"));
    const strip = (st: typeof a) => st.trialRows().map((t) => ({ id: t.id, status: t.status, hparams: { ...t.hparams }, best: t.best, final: t.final, steps: t.steps }));
    expect(strip(a)).toEqual(strip(b));
    expect(a.measurementCount).toBe(b.measurementCount);
    for (const id of a.trialIds()) expect(a.curve(id, "objective").values).toEqual(b.curve(id, "objective").values);
  }, 600_000);
});
