import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { TunebookError } from "../../src/study/types.js";
import { isWandbMetricColumn, parsePyLiteral } from "../../src/study/formats/wandb.js";
import { ROOT, runCli } from "../helpers/cli.js";

/** Every temporary file of this test file lives under TMP, removed at the end. */
const TMP = mkdtempSync(join(tmpdir(), "tunebook-wandb-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

// Hand-made fixtures following the two documented export shapes (see tests/fixtures/README.md).
const UI = join(ROOT, "tests/fixtures/wandb/ui_export.csv");
const API = join(ROOT, "tests/fixtures/wandb/api_export.csv");

function tmpFile(name: string, text: string): string {
  const p = join(mkdtempSync(join(TMP, "wandb-test-")), name);
  writeFileSync(p, text);
  return p;
}

describe("Python literal cells (pandas str(dict))", () => {
  it("parses dicts, nesting, quotes, True/False/None, nan/inf", () => {
    const v = parsePyLiteral(`{'a': 1, "b": 'it\\'s', 'c': [1, (2, 3)], 'd': {'e': True, 'f': None}, 'g': nan, 'h': -inf, 'i': 1e-3,}`) as Record<string, unknown>;
    expect(v.a).toBe(1);
    expect(v.b).toBe("it's");
    expect(v.c).toEqual([1, [2, 3]]);
    expect(v.d).toEqual(Object.assign(Object.create(null), { e: true, f: null }));
    expect(v.g).toBeNaN();
    expect(v.h).toBe(-Infinity);
    expect(v.i).toBe(0.001);
    expect(() => parsePyLiteral("{'a': 1")).toThrow(/character/);
    expect(() => parsePyLiteral("{'a': object()}")).toThrow(/unexpected 'o'/);
    const p = parsePyLiteral("{'__proto__': {'polluted': 1}}") as Record<string, unknown>;
    expect(Object.keys(p)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("W&B UI runs export (flat columns)", () => {
  it("is detected; config vs summary columns by the documented convention", async () => {
    expect(await detectFormat(UI)).toBe("wandb-csv");
    expect(isWandbMetricColumn("val/loss")).toBe(true);
    expect(isWandbMetricColumn("train_loss")).toBe(true);
    expect(isWandbMetricColumn("warmup_steps")).toBe(false);
    expect(isWandbMetricColumn("lr")).toBe(false);
    expect(isWandbMetricColumn("valLoss")).toBe(true);
    expect(isWandbMetricColumn("loss_scale")).toBe(false);
    expect(isWandbMetricColumn("mixed_precision")).toBe(false);
    expect(isWandbMetricColumn("grad_accumulation")).toBe(false);
    expect(isWandbMetricColumn("eval_every")).toBe(false);
    expect(isWandbMetricColumn("_runtime")).toBe(true);
    const s = await loadStudy(UI);
    expect(s.size).toBe(6);
    expect(s.objective).toEqual({ metric: "val/loss", direction: "minimize" });
    expect(s.hyperparameters().sort()).toEqual(["batch_size", "lr", "optimizer", "warmup_steps"]);
    const t1 = s.trial("lunar-sweep-1")!;
    expect(t1).toMatchObject({ status: "complete", final: 0.812, best: 0.812, group: "k3x9ab" });
    expect(t1.hparams).toMatchObject({ lr: 0.001, batch_size: 128, optimizer: "adam", warmup_steps: 500 });
    expect(t1.attrs.tags).toEqual(["baseline", "lr-sweep"]);
    expect(t1.attrs.runtimeSeconds).toBe(3605);
    expect((t1.attrs.summary as Record<string, number>)["val/accuracy"]).toBe(0.743);
    expect(s.trial("solar-sweep-3")).toMatchObject({ status: "failed", final: null });
    expect(s.trial("vivid-sweep-4")!.status).toBe("diverged"); // NaN val/loss
    expect(s.trial("quiet-sweep-5")!.status).toBe("failed");
    expect(s.trial("quiet-sweep-5")!.attrs.reason).toBe("killed");
    expect(s.trial("eager-run-6")).toMatchObject({ status: "running", group: null });
    expect(s.bestTrial()!.id).toBe("misty-sweep-2");
  });

  it("--objective picks another summary metric with its direction", async () => {
    const s = await loadStudy(UI, { objective: "val/accuracy" });
    expect(s.objective.direction).toBe("maximize");
    expect(s.bestTrial()!.id).toBe("misty-sweep-2");
    expect(s.trial("vivid-sweep-4")!.final).toBe(0.1);
  });

  it("a NaN training loss makes the run diverged even with a finite objective", async () => {
    const p = tmpFile("nanloss.csv", "Name,State,Created,lr,val_acc,train_loss\nr1,finished,x,0.1,0.8,0.3\nr2,finished,x,0.5,0.2,nan\n");
    const s = await loadStudy(p);
    expect(s.objective.metric).toBe("val_acc");
    expect(s.trial("r1")!.status).toBe("complete");
    expect(s.trial("r2")).toMatchObject({ status: "diverged", final: 0.2 });
    expect(s.trial("r2")!.attrs.divergedMetric).toBe("train_loss");
  });

  it("prefixed config./summary. columns override the name heuristic", async () => {
    const p = tmpFile("pref.csv", "Name,State,Created,config.loss_scale,summary.quality\nr1,finished,x,2,0.5\nr2,finished,x,4,0.7\n");
    const s = await loadStudy(p);
    expect(s.hyperparameters()).toEqual(["loss_scale"]);
    expect(s.objective.metric).toBe("quality");
    expect(s.trial("r2")!.final).toBe(0.7);
  });
});

describe("W&B API export (summary/config/name dict columns)", () => {
  it("is detected; dicts flattened, internals and media skipped, NaN summary = diverged", async () => {
    expect(await detectFormat(API)).toBe("wandb-csv");
    const s = await loadStudy(API);
    expect(s.size).toBe(4);
    expect(s.objective).toEqual({ metric: "val_loss", direction: "minimize" });
    const t = s.trial("lunar-sweep-1")!;
    expect(t.hparams).toMatchObject({ lr: 0.001, batch_size: 128, optimizer: "adam", "model.depth": 4, "model.act": "relu", use_bn: true, note: "it's fine" });
    expect(t.final).toBe(0.812);
    expect(t.steps).toBe(9999);
    const summary = t.attrs.summary as Record<string, number>;
    expect(Object.keys(summary).sort()).toEqual(["_runtime", "_step", "train_loss", "val_acc"]);
    expect(s.trial("misty-sweep-2")!.hparams.note).toBeNull();
    expect(s.trial("vivid-sweep-4")!.status).toBe("diverged");
    expect(s.trial("solar-sweep-3")!.final).toBeNull();
  });
});

describe("malformed W&B exports", () => {
  it("a broken dict cell is a warning naming line and column; the run is kept", async () => {
    const p = tmpFile("bad.csv", `,summary,config,name\n0,"{'val_loss': 0.5}","{'lr': 0.1",r1\n1,"{'val_loss': 0.4}","{'lr': 0.2}",r2\n`);
    const s = await loadStudy(p);
    expect(s.size).toBe(2);
    const w = s.warnings.find((x) => x.line === 2)!;
    expect(w.field).toBe("config");
    expect(w.message).toMatch(/expected a dict.*expected ',' or '}' at character 11/);
    expect(s.trial("r2")!.hparams.lr).toBe(0.2);
  });

  it("unknown state, non-numeric metric, duplicate names: warnings, rows kept", async () => {
    const p = tmpFile("w.csv", "Name,State,Created,lr,val_loss\nr1,finished,x,0.1,0.5\nr1,exploded,x,0.2,abc\n");
    const s = await loadStudy(p);
    expect(s.trialIds()).toEqual(["r1", "r1#2"]);
    expect(s.trial("r1#2")!.status).toBe("running");
    const msgs = s.warnings.filter((x) => x.line === 3).map((x) => `${x.field}: ${x.message}`).join("\n");
    expect(msgs).toMatch(/State: expected finished/);
    expect(msgs).toMatch(/val_loss: expected a number.*"abc"/);
    expect(msgs).toMatch(/repeats/);
  });

  it("a CSV without Name/ID, an empty file and binary data: TunebookError naming the file", async () => {
    const noName = tmpFile("n.csv", "State,lr\nfinished,0.1\n");
    await expect(loadStudy(noName, { format: "wandb-csv" })).rejects.toThrow(/n\.csv:1: field "Name": missing column "Name"/);
    const empty = tmpFile("e.csv", "");
    await expect(loadStudy(empty, { format: "wandb-csv" })).rejects.toThrow(TunebookError);
    const bin = tmpFile("b.csv", "\u0000\u0001\u0002garbage\u0000");
    await expect(loadStudy(bin, { format: "wandb-csv" })).rejects.toThrow(/b\.csv:1: binary data/);
    const r = runCli(["load", noName, "--format", "wandb-csv"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/missing column "Name"/);
  }, 30000);
});
