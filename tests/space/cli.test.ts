import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpace, sample } from "../../src/space/index.js";
import { Command } from "commander";
import { register } from "../../src/cli/commands/space.js";
import { reportError } from "../../src/cli/main.js";
import { ROOT, runCli } from "../helpers/cli.js";

/**
 * Run `tunebook space …` in this process (fast: many calls), capturing stdout/stderr. Only this
 * subcommand is registered, as main() does, so other commands' modules are not loaded.
 */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => ((stdout += c), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => ((stderr += c), true)) as typeof process.stderr.write;
  try {
    const program = new Command("tunebook").exitOverride();
    register(program);
    let code = 0;
    try {
      await program.parseAsync(["node", "tunebook", ...args]);
    } catch (err) {
      code = reportError(err);
    }
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

const EX = join(ROOT, "examples/spaces/mnist-adam.yaml");

describe("tunebook space", () => {
  it("runs as a real process: sample prints JSON lines, check fails with a clear message", () => {
    const r = runCli(["space", "sample", EX, "--n", "3", "--seed", "9"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n").map((l) => JSON.parse(l).trial)).toEqual([0, 1, 2]);
    const dir = mkdtempSync(join(tmpdir(), "tb-space-cli-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "parameters:\n  lr: {type: float, low: 0, high: 1, scale: log}\n");
    const e = runCli(["space", "check", bad]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/bad\.yaml:2: field "parameters\.lr\.low": log scale needs low > 0/);
    expect(e.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("sample: --start shards concatenate to the full sequence (JSONL and CSV)", async () => {
    const full = await cli(["space", "sample", EX, "--n", "30", "--seed", "9"]);
    expect(full.code).toBe(0);
    const a = await cli(["space", "sample", EX, "--n", "12", "--seed", "9"]);
    const b = await cli(["space", "sample", EX, "--n", "18", "--seed", "9", "--start", "12"]);
    expect(a.stdout + b.stdout).toBe(full.stdout);
    const lines = full.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(30);
    expect(lines.map((l) => l.trial)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // The CLI prints exactly what the API generates.
    const api = sample(await loadSpace(EX), { n: 30, seed: 9 });
    expect(lines.map((l) => l.hparams)).toEqual(api.map((t) => ({ ...t })));

    const csvFull = await cli(["space", "sample", EX, "--n", "10", "--format", "csv", "--sampler", "random"]);
    const csvA = await cli(["space", "sample", EX, "--n", "4", "--format", "csv", "--sampler", "random"]);
    const csvB = await cli(["space", "sample", EX, "--n", "6", "--start", "4", "--format", "csv", "--sampler", "random"]);
    expect(csvA.stdout + csvB.stdout).toBe(csvFull.stdout);
    const rows = csvFull.stdout.trim().split("\n");
    expect(rows[0]).toBe("trial,learning_rate,optimizer,beta1,epsilon,momentum,batch_size,hidden_units,weight_decay");
    expect(rows).toHaveLength(11);
  });

  it("sample: unscrambled and grid", async () => {
    const r = await cli(["space", "sample", EX, "--n", "2", "--no-scramble", "--skip", "0"]);
    const first = JSON.parse(r.stdout.split("\n")[0]!);
    expect(first.hparams.learning_rate).toBe(1e-4);
    expect(first.hparams.optimizer).toBe("adam");
    const g = await cli(["space", "sample", join(ROOT, "examples/spaces/warmup.json"), "--sampler", "grid"]);
    expect(g.code).toBe(0);
    // 4 warmup values × 7 learning rates (its own grid) × 5 label smoothings (default grid).
    expect(g.stdout.trim().split("\n")).toHaveLength(140);
  });

  it("check: describes a valid space; explains an invalid one", async () => {
    const ok = await cli(["space", "check", EX]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/mnist-adam: 8 parameters, 7 quasi-random dimensions/);
    expect(ok.stdout).toMatch(/beta1\s+float linear \[0\.8, 0\.99\]\s+nuisance\s+when optimizer ∈ \{adam\}/);
    const dir = mkdtempSync(join(tmpdir(), "tb-space-cli-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "parameters:\n  lr: {type: float, low: 0, high: 1, scale: log}\n  b1: {type: float, low: 0.8, high: 0.99, when: {optimizer: adam}}\n");
    const r = await cli(["space", "check", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:2: field "parameters\.lr\.low": log scale needs low > 0/);
    expect(r.stderr).toMatch(/bad\.yaml:3: field "parameters\.b1\.when\.optimizer": unknown condition parent "optimizer"/);
    const missingN = await cli(["space", "sample", EX]);
    expect(missingN.code).toBe(1);
    expect(missingN.stderr).toMatch(/--n is required/);
  });

  it("design: shared nuisance points per scientific value, with the Adam advice on stderr", async () => {
    const r = await cli(["space", "design", EX, "--budget", "20", "--seed", "2"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/With 10 trials, tune learning_rate, beta1/);
    const trials = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(trials).toHaveLength(20);
    for (let j = 0; j < 10; j++) expect(trials[2 * j].hparams.learning_rate).toBe(trials[2 * j + 1].hparams.learning_rate);
  });
});
