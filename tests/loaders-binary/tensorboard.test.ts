import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { loadStudy } from "../../src/study/load.js";
import { TunebookError } from "../../src/study/types.js";
import { frameRecord, maskedCrc32c, readEventFile, tensorboardProto } from "../../src/study/formats/tensorboard.js";
import { DATA, runCli } from "../helpers/cli.js";

/** Every temporary file of this test file lives under TMP, removed at the end. */
const TMP = mkdtempSync(join(tmpdir(), "tunebook-tb-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const RAW = join(DATA, "algoperf_v05/raw_logdir/prize_qualification_baseline");
const trialDirs = ["study_0", "study_1"].flatMap((s) =>
  readdirSync(join(RAW, s, "imagenet_resnet_jax"))
    .filter((t) => t.startsWith("trial_"))
    .map((t) => join(RAW, s, "imagenet_resnet_jax", t)),
);

/** Rows of a CSV as records of strings (parsed here, independently of the loaders). */
function csvRows(path: string): Array<Record<string, string>> {
  return parse(readFileSync(path, "utf8"), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

const Event = tensorboardProto.lookupType("tensorboard.Event");

/** An event file made of the given Event objects (encoded with protobufjs, framed as TFRecords). */
function eventFile(events: Array<Record<string, unknown>>): Buffer {
  return Buffer.concat(events.map((e) => frameRecord(Event.encode(Event.fromObject(e)).finish())));
}

function tmp(): string {
  return mkdtempSync(join(TMP, "tb-test-"));
}

describe("TFRecord framing", () => {
  it("masked CRC32C matches the known CRC32C check value", () => {
    // CRC32C("123456789") = 0xE3069283 (RFC 3720); mask = rotr15 + 0xa282ead8.
    const crc = 0xe3069283;
    const masked = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
    expect(maskedCrc32c(Buffer.from("123456789"))).toBe(masked);
  });
});

describe("TensorBoard event files from AlgoPerf (Flax writer, tensor summaries)", () => {
  it("finds the 10 trial folders", () => expect(trialDirs).toHaveLength(10));

  it("every value equals the same step's value in measurements.csv / eval_measurements.csv (float32)", async () => {
    let compared = 0;
    let exact = 0;
    for (const dir of trialDirs) {
      const file = readdirSync(dir).find((f) => f.startsWith("events.out.tfevents."))!;
      const { scalars, issues } = await readEventFile(join(dir, file));
      expect(issues).toEqual([]);
      const byKey = new Map<string, number[]>();
      for (const s of scalars) {
        const k = `${s.tag}@${s.step}`;
        byKey.set(k, [...(byKey.get(k) ?? []), s.value]);
      }
      let lossCells = 0;
      for (const csv of ["measurements.csv", "eval_measurements.csv"]) {
        for (const row of csvRows(join(dir, csv))) {
          const step = Number(row.global_step);
          for (const [col, cell] of Object.entries(row)) {
            if (col === "global_step" || cell === "") continue;
            if (csv === "measurements.csv" && col === "loss") lossCells++;
            const got = byKey.get(`${col}@${step}`);
            expect(got, `${dir} ${csv} ${col} step ${step}`).toBeDefined();
            // float32 precision: within one float32 ulp (the writer may round a float64 either way).
            const want = Number(cell);
            const close = got!.some((g) => g === want || Math.abs(g - want) <= Math.abs(want) * 2 ** -23);
            expect(close, `${dir} ${csv} ${col} step ${step}: ${got} vs ${cell}`).toBe(true);
            if (got!.includes(Math.fround(want))) exact++;
            compared++;
          }
        }
      }
      // The per-step training loss: as many events as filled CSV cells.
      expect(scalars.filter((s) => s.tag === "loss").length).toBe(lossCells);
      // Step 0 is stored as an absent field and must read back as 0.
      expect(scalars.some((s) => s.tag === "loss" && s.step === 0)).toBe(true);
    }
    expect(compared).toBeGreaterThan(40000);
    // Almost all are exactly the float32 rounding of the CSV's float64.
    expect(exact / compared).toBeGreaterThan(0.99);
  }, 60000);

  it("loads a workload folder: one trial per run folder with its hparams.json", async () => {
    const dir = join(RAW, "study_1/imagenet_resnet_jax");
    const study = await loadStudy(dir, { format: "tensorboard", objective: "validation/accuracy" });
    expect(study.size).toBe(5);
    expect(study.objective).toEqual({ metric: "validation/accuracy", direction: "maximize" });
    for (const t of study.trialRows()) {
      const hp = JSON.parse(readFileSync(join(dir, t.id, "hparams.json"), "utf8")) as Record<string, number>;
      expect(t.hparams.learning_rate).toBe(hp.learning_rate);
      const evals = csvRows(join(dir, t.id, "eval_measurements.csv"));
      const acc = evals.map((r) => Math.fround(Number(r["validation/accuracy"])));
      expect(t.best).toBe(Math.max(...acc));
      expect(study.curve(t.id, "validation/accuracy").steps).toHaveLength(evals.length);
    }
  }, 30000);
});

describe("synthetic event files (PyTorch-style simple_value, tensor variants)", () => {
  // No PyTorch writer is installable here (Debian lacks the `tensorboard` package torch needs), so these
  // files are encoded with the same protobuf schema: simple_value is what SummaryWriter.add_scalar writes.
  it("reads simple_value, float/double/int64/half tensors and tensor_content; absent step = 0", async () => {
    const d = tmp();
    const half = Buffer.alloc(2);
    half.writeUInt16LE(0x3c00 | 0x200); // 1.5 in binary16
    const dbl = Buffer.alloc(8);
    dbl.writeDoubleLE(0.123456789012345);
    const f = join(d, "events.out.tfevents.1700000000.host.1.0");
    writeFileSync(
      f,
      eventFile([
        { wall_time: 1700000000, file_version: "brain.Event:2" },
        { wall_time: 1700000001, summary: { value: [{ tag: "loss", simple_value: 2.5 }] } },
        { wall_time: 1700000002, step: 10, summary: { value: [{ tag: "loss", simple_value: 1.25 }, { tag: "acc", tensor: { dtype: 1, float_val: [0.75] } }] } },
        { step: 20, summary: { value: [{ tag: "acc", tensor: { dtype: 2, double_val: [0.875] } }] } },
        { step: 20, summary: { value: [{ tag: "count", tensor: { dtype: 9, int64_val: [123456789] } }] } },
        { step: 20, summary: { value: [{ tag: "h", tensor: { dtype: 19, tensor_content: half } }] } },
        { step: 30, summary: { value: [{ tag: "d", tensor: { dtype: 2, tensor_content: dbl } }] } },
        { step: 30, summary: { value: [{ tag: "hist", tensor: { dtype: 1, tensor_shape: { dim: [{ size: 3 }] }, float_val: [1, 2, 3] } }] } },
      ]),
    );
    const { scalars, issues } = await readEventFile(f);
    expect(scalars.map((s) => [s.tag, s.step, s.value])).toEqual([
      ["loss", 0, 2.5],
      ["loss", 10, 1.25],
      ["acc", 10, 0.75],
      ["acc", 20, 0.875],
      ["count", 20, 123456789],
      ["h", 20, 1.5],
      ["d", 30, 0.123456789012345],
    ]);
    expect(issues.map((i) => i.message).join()).toMatch(/1 non-scalar/);
  });

  it("hparams plugin (as PyTorch's add_hparams writes it): hyperparameters and session status", async () => {
    const HP = tensorboardProto.lookupType("tensorboard.HParamsPluginData");
    const meta = (o: Record<string, unknown>) => ({ plugin_data: { plugin_name: "hparams", content: HP.encode(HP.fromObject(o)).finish() } });
    const d = tmp();
    for (const [run, status, acc] of [["1700000000.1", 1, 0.9], ["1700000000.2", 2, 0.1]] as const) {
      mkdirSync(join(d, "exp", run), { recursive: true });
      writeFileSync(
        join(d, "exp", run, "events.out.tfevents.1700000000.host"),
        eventFile([
          { wall_time: 1, file_version: "brain.Event:2" },
          { summary: { value: [{ tag: "_hparams_/experiment", metadata: meta({ version: 0, experiment: Buffer.from([]) }) }] } },
          {
            summary: {
              value: [
                {
                  tag: "_hparams_/session_start_info",
                  metadata: meta({ version: 0, session_start_info: { hparams: { lr: { number_value: 0.01 }, opt: { string_value: "adam" }, bn: { bool_value: true } } } }),
                },
              ],
            },
          },
          { summary: { value: [{ tag: "_hparams_/session_end_info", metadata: meta({ version: 0, session_end_info: { status } }) }] } },
          { summary: { value: [{ tag: "hparam/accuracy", simple_value: acc }] } },
        ]),
      );
    }
    const study = await loadStudy(d, { objective: "hparam/accuracy" });
    expect(study.trialIds()).toEqual(["exp/1700000000.1", "exp/1700000000.2"]);
    const t = study.trial("exp/1700000000.1")!;
    expect(t.hparams).toMatchObject({ lr: 0.01, opt: "adam", bn: true });
    expect(t.group).toBe("exp");
    expect(t.status).toBe("complete");
    expect(t.final).toBeCloseTo(0.9, 6);
    expect(study.trial("exp/1700000000.2")!.status).toBe("failed");
    expect(study.warnings.filter((w) => /non-scalar/.test(w.message))).toEqual([]);

    // SummaryWriter("runs/a") logging a curve, then add_hparams(...) into runs/a/<time.time()>:
    // one trial with the curve, the hyperparameters and the final metric.
    const r = tmp();
    mkdirSync(join(r, "a", "1700000123.456"), { recursive: true });
    writeFileSync(join(r, "a", "events.out.tfevents.1.h"), eventFile([1, 2, 3].map((st) => ({ step: st, summary: { value: [{ tag: "Loss/train", simple_value: 1 / st }] } }))));
    writeFileSync(
      join(r, "a", "1700000123.456", "events.out.tfevents.2.h"),
      eventFile([
        { summary: { value: [{ tag: "_hparams_/session_start_info", metadata: meta({ session_start_info: { hparams: { lr: { number_value: 0.1 } } } }) }] } },
        { summary: { value: [{ tag: "hparam/accuracy", simple_value: 0.5 }] } },
      ]),
    );
    const merged = await loadStudy(r);
    expect(merged.trialIds()).toEqual(["a"]);
    expect(merged.trial("a")!.hparams.lr).toBe(0.1);
    expect(merged.metrics().sort()).toEqual(["Loss/train", "hparam/accuracy"]);
  });

  it("Keras train/ and validation/ sub-folders are one trial with prefixed metrics", async () => {
    const d = tmp();
    for (const run of ["20240101-120000", "20240101-130000"])
      for (const split of ["train", "validation"]) {
        mkdirSync(join(d, "fit", run, split), { recursive: true });
        const base = split === "train" ? 1 : 1.5;
        writeFileSync(
          join(d, "fit", run, split, "events.out.tfevents.1.h.v2"),
          eventFile([0, 1, 2].map((e) => ({ step: e, summary: { value: [{ tag: "epoch_loss", tensor: { dtype: 1, float_val: [base / (e + 1)] } }] } }))),
        );
      }
    const study = await loadStudy(d);
    expect(study.trialIds()).toEqual(["fit/20240101-120000", "fit/20240101-130000"]);
    expect(study.metrics().sort()).toEqual(["train/epoch_loss", "validation/epoch_loss"]);
    expect(study.objective).toEqual({ metric: "validation/epoch_loss", direction: "minimize" });
    expect(study.curve("fit/20240101-120000", "validation/epoch_loss").values).toEqual([1.5, 0.75, 0.5]);
    // Loading one split folder directly keeps it as the run.
    const one = await loadStudy(join(d, "fit", "20240101-120000", "train"));
    expect(one.metrics()).toEqual(["epoch_loss"]);
  });

  it("a NaN loss makes the trial diverged", async () => {
    const d = tmp();
    for (const [run, last] of [["good", 0.5], ["bad", NaN]] as const) {
      mkdirSync(join(d, run));
      writeFileSync(
        join(d, run, "events.out.tfevents.1.h"),
        eventFile([1, 2, 3].map((s) => ({ step: s, summary: { value: [{ tag: "val/loss", simple_value: s === 3 ? last : 1 / s }] } }))),
      );
    }
    const study = await loadStudy(d);
    expect(study.source.format).toBe("tensorboard");
    expect(study.objective.metric).toBe("val/loss");
    expect(study.trial("good")!.status).toBe("complete");
    expect(study.trial("good")!.best).toBe(0.5);
    expect(study.trial("bad")!.status).toBe("diverged");
  });
});

describe("malformed event files", () => {
  const frames = [0, 1, 2, 3, 4].map((s) =>
    frameRecord(Event.encode(Event.fromObject({ step: s, summary: { value: [{ tag: "loss", simple_value: 10 - s }] } })).finish()),
  );
  const good = () => Buffer.concat(frames);
  /** Byte offset where record k starts (records differ in length: step 0 is not stored). */
  const at = (k: number) => frames.slice(0, k).reduce((n, f) => n + f.length, 0);

  it("flipped byte in a record's data: that record is skipped with a warning, the rest kept", async () => {
    const d = tmp();
    const b = good();
    b[at(2) + 14]! ^= 0xff;
    const f = join(d, "events.out.tfevents.flip");
    writeFileSync(f, b);
    const { scalars, issues } = await readEventFile(f);
    expect(scalars.map((s) => s.step)).toEqual([0, 1, 3, 4]);
    expect(issues[0]!.file).toBe(f);
    expect(issues[0]!.line).toBe(2);
    expect(issues[0]!.message).toMatch(/record 2: data checksum mismatch/);
  });

  it("flipped byte in a length field: resynchronises on the next valid record", async () => {
    const d = tmp();
    const b = good();
    b[at(1) + 3]! ^= 0x10;
    const f = join(d, "events.out.tfevents.hdr");
    writeFileSync(f, b);
    const { scalars, issues } = await readEventFile(f);
    expect(scalars.map((s) => s.step)).toEqual([0, 2, 3, 4]);
    expect(issues.map((i) => i.message).join("\n")).toMatch(/record 1: length checksum mismatch/);
  });

  it("truncated file: keeps the valid prefix and warns", async () => {
    const d = tmp();
    const b = good();
    const f = join(d, "events.out.tfevents.trunc");
    writeFileSync(f, b.subarray(0, at(3) + 7));
    const study = await loadStudy(f);
    expect(study.curve(study.trialIds()[0]!, "loss").values).toEqual([10, 9, 8]);
    expect(study.warnings.some((w) => w.file === f && w.line === 3 && /truncated/.test(w.message))).toBe(true);
  });

  it("a huge length field: warning, prefix kept, no giant allocation", async () => {
    const d = tmp();
    const huge = Buffer.alloc(12);
    huge.writeBigUInt64LE(2n ** 62n, 0);
    huge.writeUInt32LE(maskedCrc32c(huge.subarray(0, 8)), 8);
    const f = join(d, "events.out.tfevents.huge");
    writeFileSync(f, Buffer.concat([good().subarray(0, at(2)), huge, Buffer.alloc(40)]));
    const { scalars, issues } = await readEventFile(f);
    expect(scalars.map((s) => s.step)).toEqual([0, 1]);
    expect(issues[0]!.message).toMatch(/record 2: length \d+ .*runs past the end/);
  });

  it("empty file and random garbage: a TunebookError naming the file", async () => {
    const d = tmp();
    const empty = join(d, "events.out.tfevents.empty");
    writeFileSync(empty, Buffer.alloc(0));
    await expect(loadStudy(empty)).rejects.toThrow(TunebookError);
    await expect(loadStudy(empty)).rejects.toThrow(/events\.out\.tfevents\.empty.*empty/);
    const garbage = join(d, "events.out.tfevents.garbage");
    let x = 12345;
    writeFileSync(garbage, Buffer.from(Array.from({ length: 5000 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff)));
    await expect(loadStudy(garbage)).rejects.toThrow(/events\.out\.tfevents\.garbage:0: not a readable TensorBoard event file \(no valid record\): record 0: length checksum mismatch at offset 0 \(corrupt data\)$/);
    const r = runCli(["load", garbage]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not a readable TensorBoard event file/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  }, 30000);

  it("a folder with one good run, one empty and one garbage file: the good run loads, the others warn", async () => {
    const d = tmp();
    for (const r of ["good", "empty", "junk"]) mkdirSync(join(d, r));
    writeFileSync(join(d, "good", "events.out.tfevents.1.h"), good());
    writeFileSync(join(d, "empty", "events.out.tfevents.1.h"), Buffer.alloc(0));
    writeFileSync(join(d, "junk", "events.out.tfevents.1.h"), Buffer.from("this is not a tfrecord file at all, just text"));
    const s = await loadStudy(d);
    expect(s.trialIds()).toEqual(["good"]);
    const skipped = s.warnings.filter((w) => /no valid records; file skipped/.test(w.message)).map((w) => w.file);
    expect(skipped.sort()).toEqual([join(d, "empty", "events.out.tfevents.1.h"), join(d, "junk", "events.out.tfevents.1.h")]);
    const none = tmp();
    await expect(loadStudy(none, { format: "tensorboard" })).rejects.toThrow(/no TensorBoard event files/);
  });

  it("a valid frame whose payload is not an Event: warning, other records kept", async () => {
    const d = tmp();
    const f = join(d, "events.out.tfevents.notproto");
    writeFileSync(f, Buffer.concat([good().subarray(0, at(1)), frameRecord(Buffer.from([0xff, 0xff, 0xff]))]));
    const { scalars, issues } = await readEventFile(f);
    expect(scalars).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/record 1: not a valid Event protobuf/);
  });
});
