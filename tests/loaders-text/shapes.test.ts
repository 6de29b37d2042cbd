import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../src/study/formats/index.js";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { parseJsonLine, parseStatus, quoteNonFiniteTokens } from "../../src/study/formats/text.js";
import { defaultObjectiveMetric, shapeOf } from "../../src/study/formats/records.js";

const tmp = mkdtempSync(join(tmpdir(), "tunebook-shapes-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const jsonl = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

// A synthetic study whose answers are known by construction: trial k has lr = 10^-k and its
// validation loss at step s is 1/(s+1) + k/10, so trial 1 is best (lowest) and all finish at step 4.
const K = [1, 2, 3];
const STEPS = [0, 1, 2, 3, 4];
const loss = (k: number, s: number) => 1 / (s + 1) + k / 10;

describe("JSONL shapes", () => {
  it("long: {trial, step, metric, value} with a nested hparams object repeated on every line", async () => {
    const rows = K.flatMap((k) => STEPS.flatMap((s) => [
      { trial: `t${k}`, step: s, metric: "validation/loss", value: loss(k, s), hparams: { lr: 10 ** -k, opt: { name: "adam" } } },
      { trial: `t${k}`, step: s, metric: "train/loss", value: loss(k, s) / 2, hparams: { lr: 10 ** -k, opt: { name: "adam" } } },
    ]));
    const p = file("long.jsonl", jsonl(rows));
    expect(await detectFormat(p)).toBe("jsonl");
    const s = await loadStudy(p);
    expect(s.size).toBe(3);
    expect(s.measurementCount).toBe(rows.length);
    expect(s.objective).toEqual({ metric: "validation/loss", direction: "minimize" });
    expect(s.trial("t2")!.hparams).toEqual(Object.assign(Object.create(null), { lr: 0.01, "opt.name": "adam" }));
    expect(s.bestTrial()!.id).toBe("t1");
    expect(s.trial("t3")!.best).toBeCloseTo(loss(3, 4), 12);
    expect(s.trial("t3")!.bestStep).toBe(4);
    expect(s.trial("t3")!.steps).toBe(4);
    expect(s.curve("t2", "train/loss").values).toEqual(STEPS.map((x) => loss(2, x) / 2));
  });

  it("wide: {run, global_step, 'train/loss', 'validation/accuracy'} with hp.* keys and a status", async () => {
    const rows = K.flatMap((k) => STEPS.map((s) => ({ run: `r${k}`, global_step: s * 100, "train/loss": loss(k, s), "validation/accuracy": 1 - loss(k, s), "hp.lr": 10 ** -k, status: s === 4 ? "finished" : "running" })));
    const s = await loadStudy(file("wide.jsonl", jsonl(rows)));
    expect(s.objective).toEqual({ metric: "validation/accuracy", direction: "maximize" });
    expect(s.metrics()).toEqual(["train/loss", "validation/accuracy"]);
    expect(s.statusCounts().complete).toBe(3);
    expect(s.trial("r1")!.hparams.lr).toBe(0.1);
    expect(s.trial("r1")!.best).toBeCloseTo(1 - loss(1, 4), 12);
    expect(s.trial("r1")!.steps).toBe(400);
  });

  it("one trial per line, with --objective and Python's bare NaN", async () => {
    const p = file("trials.jsonl", [
      '{"trial_id": 1, "config": {"lr": 0.1}, "final_accuracy": 0.9, "best_accuracy": 0.95, "state": "COMPLETE"}',
      '{"trial_id": 2, "config": {"lr": 1.0}, "final_accuracy": NaN, "best_accuracy": NaN, "state": "COMPLETE"}',
      '{"trial_id": 3, "config": {"lr": 0.01}, "final_accuracy": 0.7, "best_accuracy": 0.8, "state": "OutOfMemory"}',
    ].join("\n"));
    const s = await loadStudy(p);
    expect(s.objective).toEqual({ metric: "accuracy", direction: "maximize" });
    expect(s.trial("1")!.best).toBe(0.95);
    expect(s.trial("1")!.final).toBe(0.9);
    expect(s.trial("2")!.status).toBe("diverged");
    expect(s.trial("3")!.status).toBe("oom");
    expect(s.bestTrial()!.id).toBe("1");
  });

  it("reports progress while streaming", async () => {
    const rows = Array.from({ length: 30000 }, (_, i) => ({ trial: `t${i % 7}`, step: i, loss: 1 / (i + 1) }));
    const calls: Array<[number, number]> = [];
    const s = await loadStudy(file("progress.jsonl", jsonl(rows)), { onProgress: (d, t) => calls.push([d, t]) });
    expect(s.measurementCount).toBe(30000);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.at(-1)![0]).toBe(calls.at(-1)![1]);
  });
});

describe("CSV shapes", () => {
  it("long and wide measurement CSVs give the same study", async () => {
    const long = ["trial,step,metric,value", ...K.flatMap((k) => STEPS.map((s) => `t${k},${s},validation/loss,${loss(k, s)}`))].join("\n");
    const wide = ["trial_id,step,validation/loss,hp.lr", ...K.flatMap((k) => STEPS.map((s) => `t${k},${s},${loss(k, s)},${10 ** -k}`))].join("\r\n");
    const a = await loadStudy(file("long.csv", long));
    const b = await loadStudy(file("wide.csv", wide));
    expect(await detectFormat(join(tmp, "wide.csv"))).toBe("csv");
    for (const s of [a, b]) {
      expect(s.size).toBe(3);
      expect(s.objective.metric).toBe("validation/loss");
      expect(s.bestTrial()!.id).toBe("t1");
      expect(s.curve("t3").values).toEqual(STEPS.map((x) => loss(3, x)));
    }
    expect(b.trial("t2")!.hparams.lr).toBe(0.01);
  });

  it("one row per trial: hp.* columns, blanks absent, status spellings, objective column", async () => {
    const p = file("trials.csv", [
      "trial,hp.lr,hp.beta1,hp.opt,objective,status",
      "a,0.1,0.9,adam,0.30,COMPLETE",
      "b,0.01,,sgd,0.20,success",
      "c,1.0,0.95,adam,inf,finished",
      "d,0.5,0.8,adam,,FAIL",
      "e,0.05,0.9,adam,0.25,running",
      "f,2.0,0.9,adam,,crashed",
    ].join("\n"));
    const s = await loadStudy(p);
    expect(s.objective).toEqual({ metric: "objective", direction: "minimize" });
    expect(s.statusCounts()).toEqual({ complete: 2, pruned: 0, diverged: 1, failed: 2, oom: 0, running: 1 });
    expect("beta1" in s.trial("b")!.hparams).toBe(false);
    expect(s.trial("a")!.hparams).toEqual(Object.assign(Object.create(null), { lr: 0.1, beta1: 0.9, opt: "adam" }));
    expect(s.bestTrial()!.id).toBe("b");
    expect(s.hparamSummaries().find((h) => h.name === "beta1")!.missing).toBe(1);
  });

  it("streams a larger CSV with progress", async () => {
    const n = 150_000;
    let text = "trial,step,loss\n";
    for (let i = 0; i < n; i++) text += `t${i % 3},${i},${1 / (i + 1)}\n`;
    const p = file("big.csv", text);
    const calls: number[] = [];
    const s = await loadStudy(p, { onProgress: (d) => calls.push(d) });
    expect(s.measurementCount).toBe(n);
    expect(s.trial("t0")!.best).toBe(1 / (n - 2));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.at(-1)).toBe(Buffer.byteLength(text));
  });

  it("reads tab-separated files", async () => {
    const s = await loadStudy(file("t.tsv", "trial\tstep\tloss\na\t1\t0.5\na\t2\t0.25\n"));
    expect(s.curve("a", "loss").values).toEqual([0.5, 0.25]);
  });
});

describe("helpers", () => {
  it("quotes bare NaN/Infinity only outside strings", () => {
    expect(quoteNonFiniteTokens('{"a": NaN, "b": "NaN x", "c": [-Infinity, Infinity]}')).toBe('{"a": "NaN", "b": "NaN x", "c": ["-Infinity", "Infinity"]}');
    expect(parseJsonLine('{"s": "say \\"NaN\\"", "v": NaN}')).toEqual({ s: 'say "NaN"', v: "NaN" });
    expect(() => parseJsonLine('{"a": nan}')).toThrow();
  });

  it("maps status spellings", () => {
    expect(["COMPLETE", "success", "finished", "FAIL", "failed", "crashed", "diverged", "nan", "oom", "OutOfMemory", "running", "TrialState.PRUNED"].map(parseStatus))
      .toEqual(["complete", "complete", "complete", "failed", "failed", "failed", "diverged", "diverged", "oom", "oom", "running", "pruned"]);
    expect(parseStatus("zombie")).toBeUndefined();
  });

  it("tells shapes apart and picks a default objective", () => {
    expect(shapeOf(["trial", "step", "metric", "value"])).toBe("long");
    expect(shapeOf(["run", "global_step", "loss"])).toBe("wide");
    expect(shapeOf(["trial", "hp.lr", "objective"])).toBe("trial");
    expect(defaultObjectiveMetric(["train/loss", "validation/num_examples", "validation/loss", "validation/accuracy"])).toBe("validation/accuracy");
    expect(defaultObjectiveMetric(["train/loss", "val_loss"])).toBe("val_loss");
    expect(defaultObjectiveMetric(["loss", "grad_norm"])).toBe("loss");
  });
});
