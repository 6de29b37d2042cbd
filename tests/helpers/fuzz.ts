/**
 * Property-based loading (fast-check), shared by tests/loaders-text/fuzz.test.ts (a fixed seed,
 * a few hundred inputs, in CI) and `npm run bench -- fuzz` (a fresh seed, many more).
 *
 * For every format: random bytes, and random edits of a small valid input (bytes inserted,
 * deleted or replaced; hostile tokens such as `0x10`, `true`, `1,5`, ESC, a lone CR, a BOM, NUL,
 * `1e400`; a line repeated; the file cut anywhere). The properties:
 * - no crash: the load gives a study or a TunebookError (a message naming the file), nothing else;
 * - no hang: every load finishes within a time limit;
 * - nothing invented (text formats): every measurement value appears as a number written in the
 *   input (NaN/±Infinity only when the input spells one or has a number too large for a double).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { frameRecord, tensorboardProto } from "../../src/study/formats/tensorboard.js";
import { type FormatName, loadStudy } from "../../src/study/load.js";
import { TunebookError } from "../../src/study/types.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const DATA = `${ROOT}datasets/`;

/** One format's small valid input: the file to edit, where it goes, how the study is loaded. */
export interface FuzzTarget {
  format: FormatName;
  /** The bytes the edits start from. */
  seed: Buffer;
  /** Lay out a case in `dir` with `bytes` as the edited file; returns the path to load. */
  place(dir: string, bytes: Buffer): string;
  /** Whether loaded values can be checked against the input text (text formats). */
  text: boolean;
}

const Event = tensorboardProto.lookupType("tensorboard.Event");

function tunebookStudy(dir: string, bytes: Buffer): string {
  const src = `${DATA}mnist_tunebook/study`;
  mkdirSync(join(dir, "trials"), { recursive: true });
  cpSync(join(src, "study.json"), join(dir, "study.json"));
  cpSync(join(src, "trials", "000000.json"), join(dir, "trials", "000000.json"));
  writeFileSync(join(dir, "trials", "000000.jsonl"), bytes);
  return dir;
}

/** The formats and their seeds (kept small: a fuzz case is one load). */
export function fuzzTargets(): FuzzTarget[] {
  const file = (name: string) => (dir: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const trial1 = `${DATA}algoperf_v05/raw_logdir/prize_qualification_baseline/study_0/imagenet_resnet_jax/trial_1`;
  const evalHead = readFileSync(join(trial1, "eval_measurements.csv"), "utf8").split("\n").slice(0, 4).join("\n") + "\n";
  const history = readFileSync(`${DATA}deepcave_mnist/run_1/history.jsonl`, "utf8").split("\n").slice(0, 6).join("\n") + "\n";
  const journal = readFileSync(`${ROOT}tests/fixtures/optuna/journal.log`, "utf8").split("\n").slice(0, 20).join("\n") + "\n";
  const tb = Buffer.concat(
    [1, 2, 3].map((step) => frameRecord(Event.encode(Event.fromObject({ step, wall_time: step, summary: { value: [{ tag: "loss", simple_value: 1 / step }] } })).finish())),
  );
  return [
    {
      format: "jsonl",
      text: true,
      seed: Buffer.from(
        '{"trial":"a","step":1,"metric":"loss","value":0.5,"hp.lr":0.1}\n{"trial":"a","step":2,"metric":"loss","value":0.25,"hp.lr":0.1}\n{"trial":"b","step":1,"metric":"loss","value":NaN,"hp.lr":1}\n{"trial":"b","step":1,"train/acc":0.75}\n',
      ),
      place: file("runs.jsonl"),
    },
    { format: "csv", text: true, seed: Buffer.from('trial,step,metric,value,hp.lr\na,1,loss,0.5,0.1\na,2,loss,0.25,0.1\n"b",1,loss,inf,1\n'), place: file("runs.csv") },
    { format: "csv", text: true, seed: Buffer.from("trial,hp.lr,hp.opt,objective,status\na,0.1,adam,0.5,complete\nb,0.01,sgd,0.75,failed\n"), place: file("trials.csv") },
    { format: "optuna-csv", text: true, seed: Buffer.from(readFileSync(`${ROOT}tests/fixtures/optuna/trials_dataframe.csv`, "utf8").split("\n").slice(0, 4).join("\n") + "\n"), place: file("trials_dataframe.csv") },
    { format: "optuna-journal", text: true, seed: Buffer.from(journal), place: file("journal.log") },
    { format: "wandb-csv", text: true, seed: Buffer.from(readFileSync(`${ROOT}tests/fixtures/wandb/ui_export.csv`, "utf8").split("\n").slice(0, 3).join("\n") + "\n"), place: file("wandb_export.csv") },
    { format: "tensorboard", text: false, seed: tb, place: file("events.out.tfevents.1.host") },
    {
      format: "algoperf",
      text: false, // the study also holds meta_data/flags values from the untouched files
      seed: Buffer.from(evalHead),
      place: (dir, bytes) => {
        const t = join(dir, "trial_1");
        mkdirSync(t);
        cpSync(join(trial1, "hparams.json"), join(t, "hparams.json"));
        writeFileSync(join(t, "eval_measurements.csv"), bytes);
        return t;
      },
    },
    {
      format: "deepcave",
      text: false, // budgets and costs come from the edited file, configs from the untouched one
      seed: Buffer.from(history),
      place: (dir, bytes) => {
        for (const f of ["configs.json", "configspace.json", "meta.json"]) cpSync(`${DATA}deepcave_mnist/run_1/${f}`, join(dir, f));
        writeFileSync(join(dir, "history.jsonl"), bytes);
        return dir;
      },
    },
    { format: "tunebook", text: false, seed: readFileSync(`${DATA}mnist_tunebook/study/trials/000000.jsonl`).subarray(0, 600), place: tunebookStudy },
  ];
}

const HOSTILE = ["NaN", "-Infinity", "0x10", "true", "1,5", "1 000", "\u001b[2J", "\r", "\n", "\r\n", '"', "{", "[", "]", "}", ",", "1e400", "-", "0.", "é", "\ufeff", "\u0000", "\u202e", "__proto__", "9".repeat(30)];

type Edit =
  | { kind: "insert" | "replace"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; len: number }
  | { kind: "token"; at: number; tok: string }
  | { kind: "truncate"; at: number }
  | { kind: "dupLine"; at: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("token" as const), at: fc.nat(), tok: fc.constantFrom(...HOSTILE) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("dupLine" as const), at: fc.nat() }),
);

/** Apply edits to a copy of `seed`. */
export function applyEdits(seed: Buffer, edits: readonly Edit[]): Buffer {
  let b = Buffer.from(seed);
  for (const e of edits) {
    const at = b.length ? e.at % (b.length + 1) : 0;
    if (e.kind === "insert") b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
    else if (e.kind === "replace") b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(Math.min(b.length, at + e.bytes.length))]);
    else if (e.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + e.len))]);
    else if (e.kind === "token") b = Buffer.concat([b.subarray(0, at), Buffer.from(e.tok), b.subarray(at)]);
    else if (e.kind === "truncate") b = b.subarray(0, at);
    else {
      const start = b.lastIndexOf(10, at - 1) + 1;
      let end = b.indexOf(10, at);
      end = end < 0 ? b.length : end + 1;
      b = Buffer.concat([b.subarray(0, end), b.subarray(start, end), b.subarray(end)]);
    }
  }
  return b;
}

/** Input bytes for a target: random bytes, or edits of its seed (most of the time). */
export function inputArb(t: FuzzTarget): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u)) },
    { weight: 4, arbitrary: fc.array(editArb, { minLength: 1, maxLength: 5 }).map((es) => applyEdits(t.seed, es)) },
  );
}

/** Every number written in `text` (signed and unsigned readings), for the "nothing invented" check. */
function writtenNumbers(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of text.matchAll(/[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g)) {
    const v = Number(m[0]);
    out.add(v);
    out.add(-v);
  }
  return out;
}

export class FuzzFailure extends Error {}

/** Load one case and check the properties; throws a FuzzFailure describing what broke. */
export async function checkOne(t: FuzzTarget, bytes: Buffer, timeoutMs: number): Promise<"study" | "error"> {
  const dir = mkdtempSync(join(tmpdir(), "tunebook-fuzz-"));
  try {
    const path = t.place(dir, bytes);
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FuzzFailure(`hang: no result after ${timeoutMs} ms`)), timeoutMs);
    });
    let study;
    try {
      study = await Promise.race([loadStudy(path, { format: t.format }), hang]);
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      if (!(e instanceof TunebookError)) throw new FuzzFailure(`crash: ${(e as Error)?.stack ?? String(e)}`);
      if (!e.message.startsWith(dir)) throw new FuzzFailure(`error without the file: ${e.message}`);
      return "error";
    } finally {
      clearTimeout(timer);
    }
    for (const w of study.warnings) if (!w.file.startsWith(dir)) throw new FuzzFailure(`warning without the file: ${JSON.stringify(w)}`);
    if (t.text) {
      const text = bytes.toString("latin1") + "\n" + bytes.toString("utf8");
      const nums = writtenNumbers(text);
      const spellsNaN = /nan/i.test(text);
      const spellsInf = /inf/i.test(text) || nums.has(Infinity);
      const cols = study.measurementColumns().toArrays();
      for (let i = 0; i < cols.value.length; i++) {
        const v = cols.value[i]!;
        const ok = Number.isNaN(v) ? spellsNaN : !Number.isFinite(v) ? spellsInf : nums.has(v);
        if (!ok) throw new FuzzFailure(`invented value ${v} (trial ${JSON.stringify(cols.trial[i])}, step ${cols.step[i]}, metric ${JSON.stringify(cols.metric[i])})`);
      }
      for (const r of study.trialRows())
        for (const v of [r.final, r.best])
          if (v !== null && !(Number.isNaN(v) ? spellsNaN : !Number.isFinite(v) ? spellsInf : nums.has(v))) throw new FuzzFailure(`invented objective ${v} for trial ${JSON.stringify(r.id)}`);
    }
    return "study";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the property for every target; returns counts per format. */
export async function fuzzAll(opts: { seed: number; runs: number; timeoutMs: number; log?: (s: string) => void }): Promise<Record<string, { study: number; error: number }>> {
  const counts: Record<string, { study: number; error: number }> = {};
  for (const [i, t] of fuzzTargets().entries()) {
    const key = `${t.format}#${i}`;
    const c = (counts[key] = { study: 0, error: 0 });
    await fc.assert(
      fc.asyncProperty(inputArb(t), async (bytes) => {
        c[await checkOne(t, bytes, opts.timeoutMs)]++;
      }),
      { seed: opts.seed + i, numRuns: opts.runs, endOnFailure: true },
    );
    opts.log?.(`${key}: ${c.study} loaded, ${c.error} clear errors`);
  }
  return counts;
}
