/**
 * The hostile-input corpus: inputs a user (or a broken writer) produces, across every format,
 * each with its exact outcome — the study it loads and the complete list of warnings (file, line,
 * field, text), or the error (file, line, message). Nothing may be silent: a value that is not
 * read is a warning naming where it was. (tests/loaders-text/malformed.test.ts holds the first 28
 * cases; this file the rest.)
 *
 * Expected values are written from the input by the rule beside each case, not copied from a run.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { frameRecord, tensorboardProto } from "../../src/study/formats/tensorboard.js";
import { type LoadOptions, loadStudy } from "../../src/study/load.js";
import type { Study } from "../../src/study/study.js";
import { formatSummary, summarizeStudy } from "../../src/study/summary.js";
import { TunebookError } from "../../src/study/types.js";
import { DATA } from "../helpers/cli.js";

const TMP = mkdtempSync(join(tmpdir(), "tunebook-hostile-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

let serial = 0;
/** A fresh folder for one case. */
const dir = (): string => {
  const d = join(TMP, `case-${++serial}`);
  mkdirSync(d);
  return d;
};
const put = (d: string, name: string, data: string | Buffer): string => {
  const p = join(d, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, data);
  return p;
};
const latin1 = (s: string): Buffer => Buffer.from(s, "latin1");
const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const m = (trial: string, step: number, metric: string, value: unknown) => ({ trial, step, metric, value });

/** A copy of a bundled data set folder to edit (under its own name: AlgoPerf needs `trial_<n>`). */
function copyOf(rel: string): string {
  const d = join(dir(), rel.split("/").pop()!);
  cpSync(join(DATA, rel), d, { recursive: true });
  return d;
}
const TRIAL_1 = "algoperf_v05/raw_logdir/prize_qualification_baseline/study_0/imagenet_resnet_jax/trial_1";
const Event = tensorboardProto.lookupType("tensorboard.Event");
const events = (es: Array<Record<string, unknown>>): Buffer => Buffer.concat(es.map((e) => frameRecord(Event.encode(Event.fromObject(e)).finish())));
const scalar = (step: number, tag: string, v: number) => ({ step, wall_time: 1, summary: { value: [{ tag, simple_value: v }] } });

interface Case {
  /** Writes the input; returns the path to load and the folder warnings are named relative to. */
  make: () => string;
  options?: LoadOptions;
  /** Error: the message after `path: ` (and `line: `), and its line. */
  error?: { message: string | RegExp; line?: number; field?: string; file?: string };
  /** Warnings as `file:line:field: message` (file relative to the loaded path, "" for itself). */
  warnings?: Array<string | RegExp>;
  check?: (s: Study) => void;
}

const ESC = "\u001b";

const CASES: Record<string, Case> = {
  // ── Decoding ───────────────────────────────────────────────────────────────────────────────
  "jsonl: Latin-1 trial ids are an error at the first bad byte": {
    // Rule: line of the first byte ≥ 0x80 that is not UTF-8 (the é of line 1), its byte offset.
    make: () => put(dir(), "runs.jsonl", latin1(jsonl([m("run-é", 1, "loss", 0.5), m("run-è", 1, "loss", 0.4)]))),
    error: { message: `not valid UTF-8 at byte offset 14 (bytes e9 22 2c 22); if the file is in another encoding, pass --encoding latin1 or --encoding utf-16`, line: 1 },
  },
  "jsonl: Latin-1 with --encoding latin1 keeps run-é and run-è apart": {
    make: () => put(dir(), "runs.jsonl", latin1(jsonl([m("run-é", 1, "loss", 0.5), m("run-è", 1, "loss", 0.4), m("run-à", 1, "loss", 0.3)]))),
    options: { encoding: "latin1" },
    warnings: [],
    check: (s) => expect(s.trialIds()).toEqual(["run-é", "run-è", "run-à"]),
  },
  "csv: categorical café / cafè in Latin-1 stay two values": {
    make: () => put(dir(), "t.csv", latin1("trial,hp.opt,objective\na,café,0.5\nb,cafè,0.4\n")),
    options: { encoding: "latin1" },
    warnings: [],
    check: (s) => expect(s.trialRows().map((t) => t.hparams.opt)).toEqual(["café", "cafè"]),
  },
  "csv: a mixed-encoding file is an error at the Latin-1 line": {
    make: () => put(dir(), "t.csv", Buffer.concat([Buffer.from("trial,hp.opt,objective\na,café,0.5\n"), latin1("b,cafè,0.4\n")])),
    // "trial,hp.opt,objective\n" 23 bytes + "a,café,0.5\n" 12 bytes + "b,caf" 5 bytes = 40.
    error: { message: /^not valid UTF-8 at byte offset 40 \(bytes e8 2c 30 2e\)/, line: 3 },
  },
  "csv: UTF-16 BE with a byte-order mark": {
    make: () => {
      const b = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("trial,step,metric,value\nα,1,loss,0.5\nα,2,loss,0.25\n", "utf16le")]);
      return put(dir(), "t.csv", b.swap16());
    },
    warnings: [],
    check: (s) => expect(s.curve("α", "loss").values).toEqual([0.5, 0.25]),
  },
  "jsonl: UTF-16 LE with a byte-order mark": {
    make: () => put(dir(), "r.jsonl", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jsonl([m("é", 1, "loss", 0.5)]), "utf16le")])),
    warnings: [],
    check: (s) => expect(s.curve("é", "loss").values).toEqual([0.5]),
  },
  "csv: a UTF-8 file read with --encoding latin1 is read as Latin-1 (what was asked)": {
    make: () => put(dir(), "t.csv", "trial,hp.opt,objective\na,é,0.5\n"),
    options: { encoding: "latin1" },
    warnings: [],
    check: (s) => expect(s.trial("a")!.hparams.opt).toBe("Ã©"),
  },
  "jsonl: an invalid byte inside a JSON string value": {
    make: () => put(dir(), "r.jsonl", Buffer.concat([Buffer.from(jsonl([m("a", 1, "loss", 0.5)])), Buffer.from('{"trial":"a","step":2,"metric":"lo'), Buffer.from([0xff]), Buffer.from('ss","value":0.4}\n')])),
    // Rule: the offset is the bytes before the 0xff: line 1 with its newline, then the prefix.
    error: { message: new RegExp(`^not valid UTF-8 at byte offset ${Buffer.byteLength(jsonl([m("a", 1, "loss", 0.5)]) + '{"trial":"a","step":2,"metric":"lo')} \\(bytes ff 73 73 22\\)`), line: 2 },
  },

  // ── Line endings ───────────────────────────────────────────────────────────────────────────
  "jsonl: CR-only line ends": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5), m("a", 2, "loss", 0.4)]).replace(/\n/g, "\r")),
    warnings: [],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5, 0.4]),
  },
  "csv: CR-only line ends": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\ra,1,loss,0.5\ra,2,loss,0.4\r"),
    warnings: [],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5, 0.4]),
  },
  "csv: CR-only line ends with a bad value name its line": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\ra,1,loss,0.5\ra,2,loss,zz\r"),
    warnings: [':3:value: expected a number (or NaN/Infinity), found "zz"'],
  },
  "jsonl: mixed CRLF and LF": {
    make: () => put(dir(), "r.jsonl", '{"trial":"a","step":1,"metric":"loss","value":0.5}\r\n{"trial":"a","step":2,"metric":"loss","value":0.4}\n'),
    warnings: [],
    check: (s) => expect(s.curve("a", "loss").steps).toEqual([1, 2]),
  },

  // ── Numbers only as written ────────────────────────────────────────────────────────────────
  "csv: hexadecimal value": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\na,2,loss,0x10\n"),
    warnings: [':3:value: expected a number (or NaN/Infinity), found "0x10": a hexadecimal literal is not read as a number'],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5]),
  },
  "csv: boolean value": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\na,2,loss,true\n"),
    warnings: [':3:value: expected a number (or NaN/Infinity), found "true": a boolean is not read as a number'],
  },
  "csv: decimal comma (quoted)": {
    make: () => put(dir(), "t.csv", 'trial,step,metric,value\na,1,loss,0.5\na,2,loss,"1,5"\n'),
    warnings: [':3:value: expected a number (or NaN/Infinity), found "1,5": a decimal comma is not read as a number (write 1.5)'],
  },
  "csv: digit separators": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\na,2,loss,1 000\n"),
    warnings: [':3:value: expected a number (or NaN/Infinity), found "1 000": digit separators are not read as a number'],
  },
  "csv: hexadecimal step": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\na,0x2,loss,0.4\n"),
    warnings: [':3:step: expected a finite number for the step, found "0x2": a hexadecimal literal is not read as a number'],
  },
  "jsonl: boolean value": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5), m("a", 2, "loss", true)])),
    warnings: [":2:value: expected a number (or NaN/Infinity), found true: a boolean is not read as a number"],
  },
  "jsonl: hexadecimal string value": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5), m("a", 2, "loss", "0x10")])),
    warnings: [':2:value: expected a number (or NaN/Infinity), found "0x10": a hexadecimal literal is not read as a number'],
  },
  "jsonl: boolean step": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5), { trial: "a", step: true, metric: "loss", value: 0.4 }])),
    warnings: [":2:step: expected a finite number for the step, found true: a boolean is not read as a number"],
  },
  "jsonl: a number written as a string is a number; NaN spelled as a string is NaN": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", " 0.5 "), m("a", 2, "loss", "-inf"), m("b", 1, "loss", "1e-3")])),
    warnings: [],
    check: (s) => {
      expect(s.curve("a", "loss").values).toEqual([0.5, -Infinity]);
      expect(s.trial("a")!.status).toBe("diverged");
      expect(s.curve("b", "loss").values).toEqual([0.001]);
    },
  },
  "csv: trial table, hexadecimal hyperparameter stays text": {
    make: () => put(dir(), "t.csv", "trial,hp.mask,objective\na,0x10,0.5\n"),
    warnings: [],
    check: (s) => expect(s.trial("a")!.hparams.mask).toBe("0x10"),
  },
  "csv: trial table, boolean objective": {
    make: () => put(dir(), "t.csv", "trial,hp.lr,objective\na,0.1,0.5\nb,0.2,true\n"),
    warnings: [':3:objective: expected a number (or NaN/Infinity), found "true": a boolean is not read as a number; left empty'],
    check: (s) => {
      expect(s.trial("b")!.final).toBeNull();
      expect(s.bestTrial()!.id).toBe("a");
    },
  },
  "csv: trial table, decimal-comma objective": {
    make: () => put(dir(), "t.csv", 'trial,hp.lr,objective\na,0.1,0.5\nb,0.2,"0,1"\n'),
    warnings: [':3:objective: expected a number (or NaN/Infinity), found "0,1": a decimal comma is not read as a number (write 0.1); left empty'],
    check: (s) => expect(s.bestTrial()!.id).toBe("a"),
  },

  // ── Cut-off files ──────────────────────────────────────────────────────────────────────────
  "csv: cut mid-number on the last line (0.) is not the best": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\nb,1,loss,0.4\nc,1,loss,0."),
    warnings: [':4:value: the file ends in the middle of a number ("0.", no line end after it): the last row is cut off; row skipped'],
    check: (s) => {
      expect(s.bestTrial()!.id).toBe("b");
      expect(s.trial("c")).toBeUndefined();
    },
  },
  "csv: cut in the exponent on the last line": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\na,2,loss,2.5e-"),
    warnings: [':3:value: the file ends in the middle of a number ("2.5e-", no line end after it): the last row is cut off; row skipped'],
  },
  "csv: `0.` with a line end after it is a complete number": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\na,2,loss,0.\n"),
    warnings: [],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5, 0]),
  },
  "csv (csv-parse path): cut mid-number after a quoted field": {
    make: () => put(dir(), "t.csv", 'trial,step,metric,value\n"a",1,loss,0.5\nb,1,loss,0.'),
    warnings: [':3:: the file ends in the middle of a number ("0.", no line end after it): the last row is cut off; row skipped'],
    check: (s) => expect(s.trialIds()).toEqual(["a"]),
  },
  "jsonl: cut mid-number on the last line": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5)]) + '{"trial":"a","step":2,"metric":"loss","value":0.'),
    warnings: [/^:2:: last line is truncated or not valid JSON \(.+\)$/],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5]),
  },

  // ── Repeated measurements ─────────────────────────────────────────────────────────────────
  "jsonl: three conflicting values at one step: the last wins, counted, with lines": {
    // Rule: same (trial, step, metric) written 3 times with different values → 2 discarded.
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.9), m("a", 2, "loss", 0.5), m("a", 2, "loss", 9), m("a", 2, "loss", 0.1), m("a", 3, "loss", 0.2)])),
    warnings: [':2:: 2 measurements repeat a (trial, step, metric) with a different value; the last written of each is kept, the others are discarded (first: trial "a", step 2, metric "loss": 0.5 (line 2), 9 (line 3), 0.1 (line 4))'],
    check: (s) => {
      expect(s.curve("a", "loss").steps).toEqual([1, 2, 3]);
      expect(s.curve("a", "loss").values).toEqual([0.9, 0.1, 0.2]);
    },
  },
  "csv: identical repeated rows are merged, and said so": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\na,2,loss,0.4\na,2,loss,0.4\n"),
    warnings: [':3:: 1 measurement repeats a (trial, step, metric) with the same value; merged (first: trial "a", step 2, metric "loss", lines 3, 4)'],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5, 0.4]),
  },
  "csv: a trial's rows split across the file, with one conflicting repeat": {
    make: () => put(dir(), "t.csv", "trial,step,metric,value\na,1,loss,0.5\nb,1,loss,0.7\na,1,loss,0.6\na,2,loss,0.4\n"),
    warnings: [':2:: 1 measurement repeats a (trial, step, metric) with a different value; the last written of each is kept, the others are discarded (first: trial "a", step 1, metric "loss": 0.5 (line 2), 0.6 (line 4))'],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.6, 0.4]),
  },
  "jsonl: the same step for two metrics is not a repeat": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5), m("a", 1, "acc", 0.1), m("a", 2, "loss", 0.4), m("a", 2, "acc", 0.2)])),
    warnings: [],
    check: (s) => expect(s.measurementCount).toBe(4),
  },
  "jsonl: wide rows repeating a step": {
    make: () => put(dir(), "r.jsonl", jsonl([{ trial: "a", step: 1, loss: 0.5 }, { trial: "a", step: 1, loss: 0.3 }])),
    warnings: [':1:: 1 measurement repeats a (trial, step, metric) with a different value; the last written of each is kept, the others are discarded (first: trial "a", step 1, metric "loss": 0.5 (line 1), 0.3 (line 2))'],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.3]),
  },
  "jsonl: repeated NaN is the same value (merged, trial diverged)": {
    make: () => put(dir(), "r.jsonl", '{"trial":"a","step":1,"metric":"loss","value":NaN}\n{"trial":"a","step":1,"metric":"loss","value":NaN}\n'),
    warnings: [':1:: 1 measurement repeats a (trial, step, metric) with the same value; merged (first: trial "a", step 1, metric "loss", lines 1, 2)'],
    check: (s) => expect(s.trial("a")!.status).toBe("diverged"),
  },

  // ── Wide JSONL values ─────────────────────────────────────────────────────────────────────
  "jsonl wide: text in a metric column": {
    make: () => put(dir(), "r.jsonl", jsonl([{ trial: "a", step: 1, loss: 0.5 }, { trial: "a", step: 2, loss: "oops" }])),
    warnings: [':2:loss: expected a number (or NaN/Infinity), found "oops"; value skipped'],
  },
  "jsonl wide: a list in a metric column": {
    make: () => put(dir(), "r.jsonl", jsonl([{ trial: "a", step: 1, loss: 0.5 }, { trial: "a", step: 2, loss: [0.3] }])),
    warnings: [":2:loss: expected a number (or NaN/Infinity), found an array; value skipped"],
  },
  "jsonl wide: an object in a metric column": {
    make: () => put(dir(), "r.jsonl", jsonl([{ trial: "a", step: 1, loss: 0.5 }, { trial: "a", step: 2, loss: {} }])),
    warnings: [":2:loss: expected a number (or NaN/Infinity), found an object; value skipped"],
  },
  "jsonl wide: a list in a column never numeric (first row)": {
    make: () => put(dir(), "r.jsonl", jsonl([{ trial: "a", step: 1, loss: 0.5, shape: [3, 4] }])),
    warnings: [":1:shape: expected a number (or NaN/Infinity), found an array; value skipped"],
  },
  "jsonl wide: a note repeated on every row is one attribute; a changed note is said": {
    make: () => put(dir(), "r.jsonl", jsonl([{ trial: "a", step: 1, loss: 0.5, note: "x" }, { trial: "a", step: 2, loss: 0.4, note: "x" }, { trial: "a", step: 3, loss: 0.3, note: "y" }])),
    warnings: [':3:note: text "y" differs from this trial\'s first value "x" in a column that holds no numbers; kept the first'],
    check: (s) => expect(s.trial("a")!.attrs.note).toBe("x"),
  },

  // ── Depth and size ────────────────────────────────────────────────────────────────────────
  "jsonl: a 10,000-deep hparams object, and the valid line after it": {
    make: () => put(dir(), "r.jsonl", `{"trial":"a","step":1,"metric":"loss","value":0.5,"hparams":${'{"x":'.repeat(10000)}1${"}".repeat(10000)}}\n${JSON.stringify(m("a", 2, "loss", 0.4))}\n`),
    warnings: [':1:hparams: hyperparameters nested deeper than 64 levels; the deeper part is kept as the text "[nested deeper than 64 levels]"'],
    check: (s) => {
      expect(s.curve("a", "loss").values).toEqual([0.5, 0.4]);
      expect(Object.values(s.trial("a")!.hparams)).toEqual(["[nested deeper than 64 levels]"]);
    },
  },
  "jsonl: a 100,000-deep list as a value": {
    make: () => put(dir(), "r.jsonl", `{"trial":"a","step":1,"metric":"loss","value":${"[".repeat(100000)}${"]".repeat(100000)}}\n${JSON.stringify(m("a", 2, "loss", 0.4))}\n`),
    warnings: [":1:value: expected a number (or NaN/Infinity), found an array"],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.4]),
  },
  "csv: trial table with a 10,000-deep JSON text in a cell is text": {
    make: () => put(dir(), "t.csv", `trial,note,objective\na,${"[".repeat(10000)},0.5\n`),
    warnings: [],
    check: (s) => expect(String(s.trial("a")!.attrs.note).length).toBe(10000),
  },
  "jsonl: one line of 5 MB": {
    make: () => put(dir(), "r.jsonl", jsonl([{ ...m("a", 1, "loss", 0.5), note: "x".repeat(5 << 20) }, m("a", 2, "loss", 0.4)])),
    warnings: [],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5, 0.4]),
  },

  // ── Keys and ids that are code words ──────────────────────────────────────────────────────
  "csv: hp.__proto__ is stored and in the summary": {
    make: () => put(dir(), "t.csv", "trial,hp.__proto__,hp.lr,objective\na,1,0.1,0.5\nb,2,0.2,0.4\n"),
    warnings: [],
    check: (s) => {
      const sum = summarizeStudy(s);
      expect(Object.keys(sum.hyperparameters)).toEqual(["__proto__", "lr"]);
      expect(sum.hyperparameters["__proto__"]!.max).toBe(2);
    },
  },
  "jsonl: metric named constructor and trial named hasOwnProperty": {
    make: () => put(dir(), "r.jsonl", jsonl([m("hasOwnProperty", 1, "constructor", 0.5)])),
    warnings: [],
    check: (s) => expect(s.curve("hasOwnProperty", "constructor").values).toEqual([0.5]),
  },
  "jsonl: a number as trial id becomes its text": {
    make: () => put(dir(), "r.jsonl", jsonl([{ trial: 7, step: 1, metric: "loss", value: 0.5 }])),
    warnings: [],
    check: (s) => expect(s.trialIds()).toEqual(["7"]),
  },
  "jsonl: an empty trial id and an empty metric name": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5), m("", 1, "loss", 0.4), m("a", 2, "", 0.3)])),
    warnings: [':2:trial: expected a trial id (text or number), found an empty string', ':3:metric: expected a metric name, found an empty string'],
  },
  "jsonl: a NaN step": {
    make: () => put(dir(), "r.jsonl", jsonl([m("a", 1, "loss", 0.5), { trial: "a", step: "NaN", metric: "loss", value: 0.4 }])),
    warnings: [':2:step: expected a finite number for the step, found "NaN"'],
  },

  // ── Control characters (stored as given, escaped when printed) ───────────────────────────
  "jsonl: ESC, BEL and CR in a trial id and a metric name": {
    make: () => put(dir(), "r.jsonl", jsonl([m(`run${ESC}]0;pwned\u0007`, 1, `loss\r0 warnings`, 0.5)])),
    warnings: [],
    check: (s) => {
      expect(s.trialIds()).toEqual([`run${ESC}]0;pwned\u0007`]);
      const text = formatSummary(summarizeStudy(s));
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(text).toContain("run\\e]0;pwned\\a");
      expect(text).toContain("loss\\r0 warnings");
    },
  },
  "csv: a newline inside a quoted trial id cannot fake a summary line": {
    make: () => put(dir(), "t.csv", 'trial,step,metric,value\n"a\n0 warnings",1,loss,0.5\n'),
    warnings: [],
    check: (s) => {
      expect(s.trialIds()).toEqual(["a\n0 warnings"]);
      expect(formatSummary(summarizeStudy(s))).toContain("trial a\\n0 warnings");
    },
  },
  "csv: control characters in a bad value are escaped in the warning text when printed": {
    make: () => put(dir(), "t.csv", `trial,step,metric,value\na,1,loss,0.5\na,2,loss,x${ESC}[2J\n`),
    warnings: [':3:value: expected a number (or NaN/Infinity), found "x\\u001b[2J"'],
  },
  "csv: bidi override in a hyperparameter value": {
    make: () => put(dir(), "t.csv", "trial,hp.opt,objective\na,\u202eadam,0.5\n"),
    warnings: [],
    check: (s) => expect(formatSummary(summarizeStudy(s))).toContain("\\u202eadam"),
  },

  // ── Paths that are not plain files ────────────────────────────────────────────────────────
  "csv: the path is a folder": {
    make: () => {
      const d = join(dir(), "m.csv");
      mkdirSync(d);
      return d;
    },
    options: { format: "csv" },
    error: { message: "expected a file, found a folder" },
  },
  "jsonl: the path does not exist": {
    make: () => join(dir(), "nope.jsonl"),
    error: { message: "no such file or folder" },
  },
  "jsonl: NUL bytes are binary": {
    make: () => put(dir(), "r.jsonl", Buffer.from('{"trial":"a"}\n\u0000\u0000\u0000\n')),
    error: { message: "binary data, not JSONL text", line: 1 },
  },

  // ── AlgoPerf folders (a copy of a real trial, one file edited) ────────────────────────────
  "algoperf: measurements.csv is a folder: that file is skipped, the trial loads": {
    make: () => {
      const d = copyOf(TRIAL_1);
      rmSync(join(d, "measurements.csv"));
      mkdirSync(join(d, "measurements.csv"));
      return d;
    },
    options: { format: "algoperf" },
    warnings: ["measurements.csv::: expected a file, found a folder; file skipped"],
    check: (s) => {
      expect(s.size).toBe(1);
      expect(s.metrics()).toContain("validation/accuracy");
      expect(s.metrics()).not.toContain("grad_norm"); // only in measurements.csv
    },
  },
  "algoperf: hparams.json in Latin-1": {
    make: () => {
      const d = copyOf(TRIAL_1);
      writeFileSync(join(d, "hparams.json"), latin1('{"learning_rate": 0.001, "note": "café"}'));
      return d;
    },
    options: { format: "algoperf" },
    warnings: [`hparams.json:1:: not valid UTF-8 at byte offset ${latin1('{"learning_rate": 0.001, "note": "café"}').indexOf(0xe9)} (bytes e9 22 7d); if the file is in another encoding, pass --encoding latin1 or --encoding utf-16; trial kept without hyperparameters`],
    check: (s) => expect(Object.keys(s.trialRows()[0]!.hparams)).toEqual([]),
  },
  "algoperf: a hexadecimal value in eval_measurements.csv": {
    make: () => {
      const d = copyOf(TRIAL_1);
      const p = join(d, "eval_measurements.csv");
      const lines = readFileSync(p, "utf8").split("\n");
      const cols = lines[0]!.split(",");
      const row = lines[2]!.split(",");
      row[cols.indexOf("validation/accuracy")] = "0x1";
      lines[2] = row.join(",");
      writeFileSync(p, lines.join("\n"));
      return d;
    },
    options: { format: "algoperf" },
    warnings: ['eval_measurements.csv:3:validation/accuracy: expected a number (or NaN/Infinity), found "0x1": a hexadecimal literal is not read as a number'],
  },
  "algoperf: eval_measurements.csv cut mid-number at the end": {
    make: () => {
      const d = copyOf(TRIAL_1);
      const p = join(d, "eval_measurements.csv");
      const text = readFileSync(p, "utf8").trimEnd();
      const lastComma = text.lastIndexOf(",");
      // The writer stopped after the first digit of the last value and its dot ("5.").
      writeFileSync(p, text.slice(0, lastComma + 2) + ".");
      return d;
    },
    options: { format: "algoperf" },
    check: (s) => {
      const w = s.warnings.map((x) => x.message);
      expect(w.some((x) => /^the file ends in the middle of a number \("\d+\.", no line end after it\): the last row is cut off; row skipped$/.test(x))).toBe(true);
    },
  },
  "algoperf: trials_summary.csv with a decimal comma objective": {
    make: () => {
      const d = dir();
      const text = readFileSync(join(DATA, "algoperf_v05/trials_summary.csv"), "utf8").split("\n").slice(0, 3);
      const cols = text[0]!.split(",");
      const row = text[1]!.split(",");
      row[cols.indexOf("final_validation_metric")] = '"0,5"';
      text[1] = row.join(",");
      return put(d, "trials_summary.csv", text.join("\n") + "\n");
    },
    warnings: [':2:final_validation_metric: expected a number (or NaN/Infinity), found "0,5": a decimal comma is not read as a number (write 0.5); left empty'],
    check: (s) => expect(s.size).toBe(2),
  },

  // ── TensorBoard ───────────────────────────────────────────────────────────────────────────
  "tensorboard: ESC in a tag is kept and escaped when printed": {
    make: () => put(dir(), "events.out.tfevents.1.host", events([scalar(1, `loss${ESC}[31m`, 0.5), scalar(2, `loss${ESC}[31m`, 0.4)])),
    warnings: [],
    check: (s) => {
      expect(s.metrics()).toEqual([`loss${ESC}[31m`]);
      expect(formatSummary(summarizeStudy(s))).not.toContain(ESC);
    },
  },
  "tensorboard: the same step logged twice (a resumed run) with different values": {
    make: () => put(dir(), "events.out.tfevents.1.host", events([scalar(1, "loss", 0.5), scalar(2, "loss", 0.4), scalar(2, "loss", 0.375)])),
    check: (s) => {
      // Event files have record indexes, not lines; values are float32 (0.4 → 0.4000000059604645).
      expect(s.warnings.map((w) => w.message)).toEqual([
        `1 measurement repeats a (trial, step, metric) with a different value; the last written of each is kept, the others are discarded (first: trial ${JSON.stringify(s.trialIds()[0])}, step 2, metric "loss": ${Math.fround(0.4)}, 0.375)`,
      ]);
      expect(s.curve(s.trialIds()[0]!, "loss").values).toEqual([0.5, 0.375]);
    },
  },

  // ── Optuna ────────────────────────────────────────────────────────────────────────────────
  "optuna-csv: hexadecimal value": {
    make: () => {
      const lines = readFileSync(`${DATA}../tests/fixtures/optuna/trials_dataframe.csv`, "utf8").split("\n");
      const row = lines[1]!.split(",");
      row[1] = "0x2";
      lines[1] = row.join(",");
      return put(dir(), "trials_dataframe.csv", lines.join("\n"));
    },
    options: { format: "optuna-csv" },
    warnings: [':2:value: expected a number, found "0x2": a hexadecimal literal is not read as a number; value ignored'],
  },
  "optuna-csv: Latin-1 parameter value is an error; with --encoding latin1 it loads": {
    make: () => put(dir(), "trials_dataframe.csv", latin1("number,value,params_opt,state\n0,0.5,adàm,COMPLETE\n")),
    options: { format: "optuna-csv", encoding: "latin1" },
    warnings: [],
    check: (s) => expect(s.trial("0")!.hparams.opt).toBe("adàm"),
  },
  "optuna-csv: Latin-1 without --encoding": {
    make: () => put(dir(), "trials_dataframe.csv", latin1("number,value,params_opt,state\n0,0.5,adàm,COMPLETE\n")),
    options: { format: "optuna-csv" },
    error: { message: new RegExp(`^not valid UTF-8 at byte offset ${"number,value,params_opt,state\n0,0.5,ad".length} `), line: 2 },
  },
  "optuna-journal: a 10,000-deep user attribute and the rest of the journal": {
    make: () => {
      const lines = readFileSync(`${DATA}../tests/fixtures/optuna/journal.log`, "utf8").trimEnd().split("\n");
      lines.splice(2, 0, `{"op_code": 2, "worker_id": "w", "study_id": 0, "user_attr": {"deep": ${"[".repeat(10000)}${"]".repeat(10000)}}}`);
      return put(dir(), "journal.log", lines.join("\n") + "\n");
    },
    options: { format: "optuna-journal" },
    check: (s) => expect(s.size).toBe(8),
  },
  "optuna-journal: cut last line": {
    make: () => {
      const text = readFileSync(`${DATA}../tests/fixtures/optuna/journal.log`, "utf8").trimEnd();
      return put(dir(), "journal.log", text + '\n{"op_code": 6, "worker_id": "w", "trial_id": 7, "state": 1, "val');
    },
    options: { format: "optuna-journal" },
    check: (s) => {
      expect(s.size).toBe(8);
      const line = readFileSync(`${DATA}../tests/fixtures/optuna/journal.log`, "utf8").trimEnd().split("\n").length + 1;
      expect(s.warnings.map((w) => w.line)).toEqual([line, line]);
      expect(s.warnings[0]!.message).toMatch(/^not valid JSON \(.+\); operation skipped$/);
      expect(s.warnings[1]!.message).toBe("the last line is incomplete (the journal was cut while being written)");
    },
  },

  // ── W&B ───────────────────────────────────────────────────────────────────────────────────
  "wandb-csv: a boolean summary metric": {
    make: () => put(dir(), "wandb_export.csv", "Name,State,lr,val/loss\nr1,finished,0.1,0.5\nr2,finished,0.2,True\n"),
    options: { format: "wandb-csv" },
    check: (s) => {
      expect(s.warnings.map((w) => [w.line, w.field])).toEqual([[3, "val/loss"]]);
      expect(s.warnings[0]!.message).toMatch(/found "True": a boolean is not read as a number/);
    },
  },
  "wandb-csv: a hexadecimal summary metric": {
    make: () => put(dir(), "wandb_export.csv", "Name,State,lr,val/loss\nr1,finished,0.1,0.5\nr2,finished,0.2,0x1\n"),
    options: { format: "wandb-csv" },
    check: (s) => {
      expect(s.warnings.map((w) => [w.line, w.field])).toEqual([[3, "val/loss"]]);
      expect(s.warnings[0]!.message).toMatch(/found "0x1": a hexadecimal literal is not read as a number/);
    },
  },
  "wandb-csv: Latin-1 run names": {
    make: () => put(dir(), "wandb_export.csv", latin1("Name,State,lr,val/loss\nrun-é,finished,0.1,0.5\nrun-è,finished,0.2,0.4\n")),
    options: { format: "wandb-csv", encoding: "latin1" },
    check: (s) => expect(s.trialIds()).toEqual(["run-é", "run-è"]),
  },

  // ── DeepCAVE ──────────────────────────────────────────────────────────────────────────────
  "deepcave: a Latin-1 byte in history.jsonl": {
    make: () => {
      const d = copyOf("deepcave_mnist/run_1");
      const p = join(d, "history.jsonl");
      writeFileSync(p, Buffer.concat([readFileSync(p), latin1('[0, 8.0, -1, [0.9, 0.2, 1.0], 0, 1, 1, {"note": "é"}]\n')]));
      return d;
    },
    options: { format: "deepcave" },
    error: { message: /^not valid UTF-8 at byte offset \d+ \(bytes e9 22 7d 5d\)/, file: "history.jsonl" },
  },
  "deepcave: a hexadecimal cost": {
    make: () => {
      const d = copyOf("deepcave_mnist/run_1");
      const p = join(d, "history.jsonl");
      const lines = readFileSync(p, "utf8").trimEnd().split("\n");
      lines[0] = '[0, 2.6666666666666665, -1, ["0x1", 0.2, 7.1], 0.01, 7.2, 1, {}]';
      writeFileSync(p, lines.join("\n") + "\n");
      return d;
    },
    options: { format: "deepcave" },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("history.jsonl"));
      expect(w.map((x) => x.line)).toEqual([1]);
      expect(w[0]!.message).toMatch(/found "0x1": a hexadecimal literal is not read as a number/);
    },
  },

  // ── tunebook study folders (a copy of a real run, one file edited) ───────────────────────
  "tunebook: a measurement file cut mid-line": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      const p = join(d, "trials", "000004.jsonl");
      writeFileSync(p, readFileSync(p, "utf8") + '{"step":999,"metric":"train/loss","value":0.');
      return d;
    },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("000004.jsonl"));
      expect(w.map((x) => x.message)).toEqual(["partial last line skipped (the trial was cut off while writing)"]);
      expect(s.curve("trial-000004", "train/loss").steps).not.toContain(999);
    },
  },
  "tunebook: a boolean measurement value": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      const p = join(d, "trials", "000004.jsonl");
      writeFileSync(p, '{"step":1,"metric":"train/loss","value":true}\n' + readFileSync(p, "utf8"));
      return d;
    },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("000004.jsonl"));
      expect(w.map((x) => [x.line, x.message])).toEqual([[1, "line skipped: needs step, metric and value"]]);
    },
  },
  "tunebook: study.json in Latin-1": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      const p = join(d, "study.json");
      writeFileSync(p, Buffer.concat([Buffer.from(readFileSync(p, "utf8").replace(/"name": "[^"]*"/, '"name": "caf')), latin1("é")]));
      return d;
    },
    error: { message: /^not valid UTF-8 at byte offset \d+ \(bytes e9\)/, file: "study.json" },
  },
  "tunebook: a measurement file that is a folder": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      rmSync(join(d, "trials", "000004.jsonl"));
      mkdirSync(join(d, "trials", "000004.jsonl"));
      return d;
    },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("000004.jsonl"));
      expect(w.map((x) => x.message)).toEqual(["measurements not read: expected a file, found a folder"]);
      expect(s.trial("trial-000004")).toBeDefined();
    },
  },

  // ── Found in the second round: overflow, steps, non-regular files, repeats, tags ─────────────
  "jsonl: 1e400 overflows to Infinity with a warning; Infinity written out stays silent": {
    // Rule: a decimal beyond ±1.8e308 is read as ±Infinity (IEEE rounding) and named; "Infinity" is a value.
    make: () => put(dir(), "runs.jsonl", '{"trial":"a","step":1,"metric":"loss","value":0.5}\n{"trial":"a","step":2,"metric":"loss","value":1e400}\n{"trial":"a","step":3,"metric":"loss","value":"Infinity"}\n{"trial":"a","step":4,"metric":"loss","value":"-2e999"}\n'),
    warnings: [
      ":2:value: a number too large for a double (beyond ±1.8e308); read as Infinity",
      ':4:value: found "-2e999": a number too large for a double (beyond ±1.8e308); read as -Infinity',
    ],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5, Infinity, Infinity, -Infinity]),
  },
  "csv: 1e400 in a value, a step and a hyperparameter; inf stays silent": {
    make: () => put(dir(), "runs.csv", "trial,step,metric,value,hp.lr\na,1,loss,0.5,1e-3\na,2,loss,1e400,1e-3\na,3,loss,inf,1e-3\na,1e400,loss,0.2,1e-3\nb,1,loss,0.4,1e999\n"),
    warnings: [
      ':3:value: found "1e400": a number too large for a double (beyond ±1.8e308); read as Infinity',
      ':5:step: expected a finite number for the step, found "1e400": a number too large for a double (beyond ±1.8e308); read as Infinity',
      ':6:hp.lr: found "1e999": a number too large for a double (beyond ±1.8e308); read as Infinity',
    ],
    check: (s) => {
      expect(s.curve("a", "loss").values).toEqual([0.5, Infinity, Infinity]);
      expect(s.trial("b")!.hparams.lr).toBe(Infinity);
    },
  },
  "jsonl wide: 2e500 in a metric column and as a hyperparameter": {
    make: () => put(dir(), "wide.jsonl", jsonl([{ trial: "a", step: 1, "hp.lr": 0.1, loss: 0.5, acc: 0.1 }, { trial: "a", step: 2, loss: "2e500", acc: 0.2 }]).replace('"hp.lr":0.1', '"hp.lr":1e500')),
    warnings: [":1:hp.lr: a number too large for a double (beyond ±1.8e308); read as Infinity", ':2:loss: found "2e500": a number too large for a double (beyond ±1.8e308); read as Infinity'],
    check: (s) => expect(s.curve("a", "loss").values).toEqual([0.5, Infinity]),
  },
  "tunebook: a negative step in a trial's measurements is skipped (steps are non-negative integers)": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      const p = join(d, "trials", "000002.jsonl");
      writeFileSync(p, '{"step":-3,"metric":"validation/accuracy","value":0.5}\n{"step":1.5,"metric":"validation/accuracy","value":0.5}\n' + readFileSync(p, "utf8"));
      return d;
    },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("000002.jsonl")).map((x) => `${x.line}:${x.field}: ${x.message}`);
      expect(w).toEqual(["1:step: line skipped: step must be a non-negative integer, not -3", "2:step: line skipped: step must be a non-negative integer, not 1.5"]);
      expect(Math.min(...s.curve("trial-000002", "validation/accuracy").steps)).toBeGreaterThanOrEqual(0);
    },
  },
  "tunebook: a measurement file that is a symlink to /dev/full is refused, not read forever": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      rmSync(join(d, "trials", "000003.jsonl"));
      symlinkSync("/dev/full", join(d, "trials", "000003.jsonl"));
      return d;
    },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("000003.jsonl"));
      expect(w.map((x) => x.message)).toEqual(["measurements not read: expected a regular file, found a character device (reading it could block or never end)"]);
      expect(s.trial("trial-000003")).toBeDefined();
    },
  },
  "tunebook: a measurement file that is a FIFO with no writer is refused, not waited on": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      rmSync(join(d, "trials", "000005.jsonl"));
      execFileSync("mkfifo", [join(d, "trials", "000005.jsonl")]);
      return d;
    },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("000005.jsonl"));
      expect(w.map((x) => x.message)).toEqual(["measurements not read: expected a regular file, found a FIFO (named pipe) (reading it could block or never end)"]);
    },
  },
  "tunebook: a trial record that is a symlink to /dev/zero is skipped with the reason": {
    make: () => {
      const d = copyOf("mnist_tunebook/study");
      rmSync(join(d, "trials", "000006.json"));
      symlinkSync("/dev/zero", join(d, "trials", "000006.json"));
      return d;
    },
    check: (s) => {
      const w = s.warnings.filter((x) => x.file.endsWith("000006.json"));
      expect(w.map((x) => x.message)).toEqual(["trial record skipped: expected a regular file, found a character device (reading it could block or never end)"]);
      expect(s.trial("trial-000006")).toBeUndefined();
    },
  },
  "csv: the path given is /dev/full (a device that never ends): refused at its first bytes": {
    make: () => "/dev/full",
    error: { message: "binary data (NUL bytes), not a text log; stopped reading" },
  },
  "tensorboard: an event file that is a symlink to /dev/zero next to a good one": {
    make: () => {
      const d = dir();
      mkdirSync(join(d, "good"));
      mkdirSync(join(d, "dev"));
      writeFileSync(join(d, "good", "events.out.tfevents.1.h"), events([scalar(1, "loss", 0.5)]));
      symlinkSync("/dev/zero", join(d, "dev", "events.out.tfevents.1.h"));
      return d;
    },
    warnings: ["dev/events.out.tfevents.1.h::: expected a regular file, found a character device (reading it could block or never end); file skipped"],
    check: (s) => expect(s.trialIds()).toEqual(["good"]),
  },
  "algoperf: an evaluation logged twice with a different value (a restart): first kept, the repeat named": {
    // Rule: the benchmark's scoring reads every row in file order and takes the first evaluation
    // that meets the target, so the first written row is the one kept; the repeat is named.
    make: () => {
      const d = copyOf(TRIAL_1);
      const p = join(d, "eval_measurements.csv");
      const lines = readFileSync(p, "utf8").trimEnd().split("\n");
      const cols = lines[0]!.split(",");
      const row = lines[2]!.split(",");
      row[cols.indexOf("validation/loss")] = "9.5";
      writeFileSync(p, [...lines, row.join(","), lines[3]!].join("\n") + "\n");
      return d;
    },
    options: { format: "algoperf" },
    warnings: [/^eval_measurements\.csv:\d+:validation\/loss: step 1500 repeats line 3 with a different value \(an evaluation logged twice, as after a restart from a checkpoint\); the first written is kept, as the benchmark's scoring reads the first$/],
    check: (s) => {
      const c = s.curve(s.trialIds()[0]!, "validation/loss");
      expect(c.values[c.steps.indexOf(1500)]).toBe(5.407910346984863);
      expect(c.steps.filter((x) => x === 1500)).toHaveLength(1);
    },
  },
  "tensorboard: Latin-1 tags run-é and run-è keep their scalars, apart, each warned with its bytes": {
    // Rule: each tag byte that is not UTF-8 is written \xNN in the tag, so é (e9) and è (e8) stay two metrics.
    make: () => {
      const rec = (step: number, byte: number, v: number): Buffer => {
        const b = Buffer.from(Event.encode(Event.fromObject(scalar(step, "run-X", v))).finish());
        b[b.indexOf(Buffer.from("run-X")) + 4] = byte;
        return frameRecord(b);
      };
      return put(dir(), "events.out.tfevents.1.h", Buffer.concat([rec(1, 0xe9, 0.5), rec(1, 0xe8, 0.25), rec(2, 0xe9, 0.125), frameRecord(Event.encode(Event.fromObject(scalar(1, "ok", 1))).finish())]));
    },
    warnings: [
      ":0:run-\\xe9: record 0: tag \"run-\\xe9\" is not valid UTF-8 (bytes e9 at offset 4 of the tag); its scalars are kept under that name, each bad byte written \\xNN",
      ":1:run-\\xe8: record 1: tag \"run-\\xe8\" is not valid UTF-8 (bytes e8 at offset 4 of the tag); its scalars are kept under that name, each bad byte written \\xNN",
    ],
    check: (s) => {
      const id = s.trialIds()[0]!;
      expect(s.curve(id, "run-\\xe9").values).toEqual([0.5, 0.125]);
      expect(s.curve(id, "run-\\xe8").values).toEqual([0.25]);
      expect(s.curve(id, "ok").values).toEqual([1]);
    },
  },
};

const outcome = (root: string, s: Study): string[] =>
  s.warnings.map((w) => `${relative(root, w.file)}:${w.line ?? ""}:${w.field ?? ""}: ${w.message}`);

describe("hostile inputs: every case has its exact outcome", () => {
  it("has at least 52 cases here (80 with the 28 of malformed.test.ts), over every format", () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(52);
    const formats = new Set(Object.keys(CASES).map((k) => k.split(/[: ]/)[0]));
    for (const f of ["jsonl", "csv", "algoperf", "tensorboard", "optuna-csv", "optuna-journal", "wandb-csv", "deepcave", "tunebook"]) expect(formats).toContain(f);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const path = c.make();
      let study: Study | undefined;
      let error: unknown;
      try {
        study = await loadStudy(path, c.options ?? {});
      } catch (e) {
        error = e;
      }
      if (c.error) {
        expect(error, "expected an error").toBeInstanceOf(TunebookError);
        const e = error as TunebookError;
        const file = c.error.file ? join(path, c.error.file) : path;
        expect(e.file).toBe(file);
        expect(e.message.startsWith(file)).toBe(true);
        const own = e.message.slice(file.length).replace(/^:\d+/, "").replace(/^: /, "");
        if (typeof c.error.message === "string") expect(own, own).toBe(c.error.message);
        else expect(own, own).toMatch(c.error.message);
        if (c.error.line !== undefined) expect(e.line).toBe(c.error.line);
        if (c.error.field !== undefined) expect(e.field).toBe(c.error.field);
        return;
      }
      if (error) throw error;
      for (const w of study!.warnings) expect(w.file.startsWith(path)).toBe(true);
      if (c.warnings) {
        const got = outcome(path, study!);
        expect(got.length, JSON.stringify(got)).toBe(c.warnings.length);
        c.warnings.forEach((w, i) => (typeof w === "string" ? expect(got[i], JSON.stringify(got)).toBe(w) : expect(got[i]).toMatch(w)));
      }
      c.check?.(study!);
    });
  }
});
