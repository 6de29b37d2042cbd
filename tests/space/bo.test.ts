import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { cholesky, choleskyInverse, fitGp, gpLogLikelihood, predictGp, solveLower, solveUpper } from "../../src/surrogate/gaussianProcess.js";
import { suggestBo, type BoObservation } from "../../src/space/bo.js";
import { sample } from "../../src/space/sample.js";
import type { SearchSpace } from "../../src/space/spec.js";
import { loadStudyConfig } from "../../src/runner/config.js";
import { runStudy } from "../../src/runner/run.js";
import { loadStudy } from "../../src/study/load.js";
import { mulberry32 } from "../../src/util/random.js";
import { ROOT, runCli } from "../helpers/cli.js";

const UNIT2: SearchSpace = { params: ["x", "y"].map((name) => ({ name, type: "float" as const, low: 0, high: 1, scale: "linear" as const })) };
const bowl = (t: Record<string, unknown>) => ((t.x as number) - 0.3) ** 2 + ((t.y as number) - 0.7) ** 2;
const obsOf = (space: SearchSpace, n: number, f: (t: Record<string, unknown>) => number | null, seed = 1): BoObservation[] =>
  sample(space, { sampler: "random", n, seed }).map((t) => {
    const v = f(t);
    return { hparams: t, value: v, feasible: v !== null };
  });

describe("Gaussian process linear algebra", () => {
  it("Cholesky, solves and inverse agree with ml-matrix", () => {
    const rnd = mulberry32(4);
    const n = 12;
    const B = Array.from({ length: n }, () => Array.from({ length: n }, () => rnd() - 0.5));
    const A = new Matrix(B).mmul(new Matrix(B).transpose()).add(Matrix.eye(n).mul(0.1));
    const flat = Float64Array.from(A.to1DArray());
    const L = cholesky(flat, n)!;
    const ref = new CholeskyDecomposition(A).lowerTriangularMatrix.to1DArray();
    L.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 10));
    const b = Array.from({ length: n }, () => rnd());
    const x = solveUpper(L, n, solveLower(L, n, b));
    const xr = new CholeskyDecomposition(A).solve(Matrix.columnVector(b)).to1DArray();
    x.forEach((v, i) => expect(v).toBeCloseTo(xr[i]!, 9));
    const inv = choleskyInverse(L, n);
    const invRef = new CholeskyDecomposition(A).solve(Matrix.eye(n)).to1DArray();
    inv.forEach((v, i) => expect(v).toBeCloseTo(invRef[i]!, 8));
    expect(cholesky(Float64Array.of(1, 2, 2, 1), 2)).toBeNull(); // not positive definite
  });

  it("the likelihood gradient matches finite differences", () => {
    const rnd = mulberry32(8);
    const X = Array.from({ length: 15 }, () => Float64Array.from({ length: 3 }, () => rnd()));
    const y = Float64Array.from(X.map((x) => Math.sin(4 * x[0]!) + x[1]! * x[2]!));
    const data = { X, groups: [[0, 1], [1, 3]] as Array<[number, number]>, y };
    const h = { logSignal: 0.2, logLengths: [-0.7, -0.3], logNoise: Math.log(0.05) };
    const g = gpLogLikelihood(data, h)!.grad;
    const theta = [h.logSignal, ...h.logLengths, h.logNoise];
    const at = (t: number[]) => gpLogLikelihood(data, { logSignal: t[0]!, logLengths: [t[1]!, t[2]!], logNoise: t[3]! })!.value;
    for (let k = 0; k < theta.length; k++) {
      const e = 1e-5;
      const up = [...theta];
      const dn = [...theta];
      up[k] += e;
      dn[k] -= e;
      expect(g[k]!).toBeCloseTo((at(up) - at(dn)) / (2 * e), 4);
    }
  });

  it("interpolates its data with low noise and fits a longer lengthscale to a smoother function", () => {
    const X = Array.from({ length: 20 }, (_, i) => Float64Array.of(i / 19));
    const smooth = fitGp({ X, groups: [[0, 1]], y: Float64Array.from(X.map((x) => Math.sin(2 * x[0]!))) });
    const wiggly = fitGp({ X, groups: [[0, 1]], y: Float64Array.from(X.map((x) => Math.sin(12 * x[0]!))) });
    expect(predictGp(smooth, X[7]!).mean).toBeCloseTo(Math.sin(2 * X[7]![0]!), 2);
    expect(Math.exp(smooth.hyper.logLengths[0]!)).toBeGreaterThan(Math.exp(wiggly.hyper.logLengths[0]!));
  });
});

describe("suggestBo", () => {
  it("returns the space's Halton points until there are enough observations", () => {
    const r = suggestBo(UNIT2, obsOf(UNIT2, 2, bowl), 2, { direction: "minimize", index: 5 });
    expect(r.suggestions.map((s) => s.source)).toEqual(["initial", "initial"]);
    expect(r.suggestions.map((s) => s.hparams)).toEqual(sample(UNIT2, { n: 2, start: 5 }));
  });

  it("exploits: the suggestion lands near the optimum of a bowl it has seen 30 random points of", () => {
    const obs = obsOf(UNIT2, 30, bowl);
    const best = Math.min(...obs.map((o) => o.value!));
    const r = suggestBo(UNIT2, obs, 1, { direction: "minimize", seed: 2 });
    const s = r.suggestions[0]!;
    expect(s.source).toBe("bo");
    expect(bowl(s.hparams)).toBeLessThan(best);
    // maximize the negated bowl: same place
    const m = suggestBo(UNIT2, obs.map((o) => ({ ...o, value: -o.value! })), 1, { direction: "maximize", seed: 2 });
    expect(bowl(m.suggestions[0]!.hparams)).toBeLessThan(best);
  });

  it("a batch for parallel workers spreads out (constant liar) and avoids running trials", () => {
    const obs = obsOf(UNIT2, 20, bowl);
    const r = suggestBo(UNIT2, obs, 4, { direction: "minimize", seed: 1 });
    const pts = r.suggestions.map((s) => [s.hparams.x as number, s.hparams.y as number]);
    for (let i = 0; i < pts.length; i++)
      for (let j = 0; j < i; j++) expect(Math.hypot(pts[i]![0]! - pts[j]![0]!, pts[i]![1]! - pts[j]![1]!)).toBeGreaterThan(1e-3);
    const first = suggestBo(UNIT2, obs, 1, { direction: "minimize", seed: 1 }).suggestions[0]!.hparams;
    const withPending = suggestBo(UNIT2, obs, 1, { direction: "minimize", seed: 1, pending: [first] }).suggestions[0]!.hparams;
    expect(withPending).not.toEqual(first);
  });

  it("learns an infeasible region from infeasible trials and stays out of it", () => {
    // Trials with x > 0.6 diverge; the bowl's optimum (0.3, 0.7) is feasible, its neighbours on the right are not.
    const obs = obsOf(UNIT2, 40, (t) => ((t.x as number) > 0.6 ? null : bowl(t)), 3);
    const r = suggestBo(UNIT2, obs, 3, { direction: "minimize", seed: 4, acquisition: "ei" });
    expect(r.observations.infeasible).toBe(obs.filter((o) => !o.feasible).length);
    for (const s of r.suggestions) {
      expect(s.hparams.x as number).toBeLessThan(0.6);
      expect(s.feasibility!).toBeGreaterThan(0.5);
    }
    const u = suggestBo(UNIT2, obs, 2, { direction: "minimize", seed: 4, acquisition: "ucb" });
    for (const s of u.suggestions) expect(s.hparams.x as number).toBeLessThan(0.6);
  });

  it("handles log, integer, categorical and conditional dimensions", () => {
    const space: SearchSpace = {
      params: [
        { name: "lr", type: "float", low: 1e-5, high: 1, scale: "log" },
        { name: "width", type: "int", low: 16, high: 512, scale: "log" },
        { name: "optimizer", type: "categorical", values: ["sgd", "adam"] },
        { name: "beta1", type: "float", low: 0.5, high: 0.99, scale: "linear", condition: { parent: "optimizer", in: ["adam"] } },
        { name: "bs", type: "fixed", value: 64 },
      ],
    };
    // Best region: lr ≈ 1e-3 (log), width ≈ 128, adam with beta1 ≈ 0.9.
    const f = (t: Record<string, unknown>) =>
      (Math.log10(t.lr as number) + 3) ** 2 + (Math.log2(t.width as number) - 7) ** 2 / 4 + (t.optimizer === "adam" ? ((t.beta1 as number) - 0.9) ** 2 * 10 : 1);
    const obs = obsOf(space, 40, f, 6);
    const r = suggestBo(space, obs, 3, { direction: "minimize", seed: 0 });
    for (const s of r.suggestions) {
      const h = s.hparams;
      expect(Number.isInteger(h.width)).toBe(true);
      expect(h.width as number).toBeGreaterThanOrEqual(16);
      expect(["sgd", "adam"]).toContain(h.optimizer);
      expect("beta1" in h).toBe(h.optimizer === "adam");
      expect(h.bs).toBe(64);
    }
    expect(Object.keys(r.lengthscales!)).toEqual(["lr", "width", "optimizer", "beta1"]);
    const best = Math.min(...obs.map((o) => o.value!));
    expect(Math.min(...r.suggestions.map((s) => f(s.hparams)))).toBeLessThan(best);
  });
});

describe("sampler: bo in the runner", () => {
  it("exploits after a warm start from an exploration study folder, and `space suggest` reads the result", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tunebook-bo-"));
    const toy = join(ROOT, "examples/trainers/toy-trainer.mjs");
    const base = {
      objective: { metric: "validation/loss", direction: "minimize" },
      workers: 2,
      space: { parameters: { learning_rate: { type: "float", low: 1e-4, high: 0.3, scale: "log" }, weight_decay: { type: "float", low: 1e-6, high: 1e-2, scale: "log" } } },
      trainer: { type: "command", command: [process.execPath, toy, "--lr", "{learning_rate}", "--wd", "{weight_decay}", "--steps", "10"], timeout: 20 },
    };
    writeFileSync(join(dir, "explore.yaml"), stringify({ ...base, name: "explore", sampler: "halton", seed: 0, trials: 8 }));
    writeFileSync(join(dir, "exploit.yaml"), stringify({ ...base, name: "exploit", sampler: "bo", seed: 0, trials: 4, bo: { warmStart: "runs/explore" } }));
    await runStudy(loadStudyConfig(join(dir, "explore.yaml")), { dir: join(dir, "runs/explore") });
    const s = await runStudy(loadStudyConfig(join(dir, "exploit.yaml")), { dir: join(dir, "runs/exploit") });
    expect(s.byStatus.complete).toBe(4);
    const explore = await loadStudy(join(dir, "runs/explore"));
    const exploit = await loadStudy(join(dir, "runs/exploit"));
    expect(exploit.source.sampler).toBe("bo");
    // The toy loss is a bowl with its minimum at lr = 0.01, wd = 1e-4 (see its header): the
    // exploitation trials sit closer to it, in log units, than the exploration trials on average.
    const dist = (h: Record<string, unknown>) => Math.hypot(Math.log10(h.learning_rate as number) + 2, Math.log10(h.weight_decay as number) + 4);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(exploit.trialRows().map((r) => dist(r.hparams)))).toBeLessThan(mean(explore.trialRows().map((r) => dist(r.hparams))));
    expect(Math.min(...exploit.trialRows().map((r) => r.best!))).toBeLessThan(Math.min(...explore.trialRows().map((r) => r.best!)) + 0.05);
    const cli = runCli(["space", "suggest", join(dir, "runs/exploit"), "--n", "2"]);
    expect(cli.code).toBe(0);
    const lines = cli.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].source).toBe("bo");
    expect(cli.stderr).toContain("4 feasible and 0 infeasible trials observed");
    const bad = runCli(["space", "suggest", join(dir, "runs/exploit"), "--acquisition", "pi"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--acquisition must be ei or ucb");
  }, 120_000);
});
