/**
 * The loaders' in-place fast paths (src/study/formats/scan.ts, RecordSink.csvLineFastPath /
 * jsonLineFastPath) must give exactly the study the general path gives. Each case loads the same
 * rows twice: once as written (fast path) and once in a form that forces the general path
 * (JSONL: keys in another order on every line, so no line matches the first line's key template;
 * CSV: a quote in the header, so csv-parse reads the whole file) and compares everything.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../src/study/formats/index.js";
import { loadStudy } from "../../src/study/load.js";
import type { Study } from "../../src/study/study.js";
import { parseDecimal, parseDecimalBytes, scanFlatObject } from "../../src/study/formats/scan.js";
import { useFastPaths } from "../../src/study/formats/fastpath.js";
import { loadCsv } from "../../src/study/formats/csv.js";
import { loadJsonl } from "../../src/study/formats/jsonl.js";
import { DATA } from "../helpers/cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tunebook-fastpath-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

/** Everything a loader decides, with NaN/±Infinity/-0 made visible for toEqual. */
function snapshot(s: Study): unknown {
  const show = (v: unknown) => (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${v}${Object.is(v, -0) ? "-0" : ""}` : v);
  const c = s.measurementColumns().toArrays();
  return JSON.parse(
    JSON.stringify({ trials: s.trialRows(), cols: { ...c, step: c.step.map(show), value: c.value.map(show) }, warnings: s.warnings.map((w) => [w.line, w.field, w.message]), objective: s.objective }, (_k, v) => show(v)),
  );
}

// 6 trials × 40 steps, hyperparameters repeated on every row; trial 4 diverges (NaN from step 30).
const rows: Array<Record<string, string | number>> = [];
for (let t = 0; t < 6; t++)
  for (let s = 1; s <= 40; s++)
    rows.push({ trial: t === 5 ? "a trial id longer than thirteen" : `t${t}`, step: s, metric: s % 2 ? "validation/loss" : "train/loss", value: t === 4 && s >= 30 ? "NaN" : 1 / s + t / 100, "hp.lr": 10 ** -(t + 1), "hp.act": t % 2 ? "relu" : "gelu" });

describe("JSONL fast path", () => {
  it("gives the general path's study, including odd lines in between", async () => {
    const lines = rows.map((r) => JSON.stringify(r).replace('"NaN"', "NaN")); // bare NaN, as Python writes it
    // Lines the fast path must hand over: an escape, a status, a number as trial id, a bad step,
    // a boolean value, extra whitespace, a truncated line.
    lines.splice(50, 0, '{"trial":"t1","step":99,"metric":"val\\/loss","value":1,"hp.lr":0.01,"hp.act":"relu"}');
    lines.splice(60, 0, '{"trial":"t1","step":98,"metric":"validation/loss","value":1,"hp.lr":0.01,"hp.act":"relu","status":"failed"}');
    lines.splice(70, 0, '{"trial":7,"step":1,"metric":"validation/loss","value":2,"hp.lr":0.5,"hp.act":"relu"}');
    lines.splice(80, 0, '{"trial":"t2","step":"x","metric":"validation/loss","value":2,"hp.lr":0.001,"hp.act":"gelu"}');
    lines.splice(90, 0, '{"trial":"t2","step":97,"metric":"validation/loss","value":true,"hp.lr":0.001,"hp.act":"gelu"}');
    lines.splice(100, 0, ' { "trial" : "t2" , "step" : 96 , "metric" : "train/loss" , "value" : -0 , "hp.lr" : 0.001 , "hp.act" : "gelu" } ');
    lines.push('{"trial":"t3","step":41,"metric":"valid');
    const fast = await loadStudy(file("fast.jsonl", lines.join("\n")));
    // Same lines with the keys reversed after the first line: the key template never matches.
    const slow = lines.map((l, i) => {
      if (i === 0) return l;
      try {
        const o = JSON.parse(l.replace(/:NaN/g, ':"NaN"')) as Record<string, unknown>;
        const back = JSON.stringify(Object.fromEntries(Object.entries(o).reverse())).replace('"value":"NaN"', '"value":NaN');
        return Object.is(o.value, -0) ? back.replace('"value":0', '"value":-0') : back; // stringify drops the sign
      } catch {
        return l;
      }
    });
    const general = await loadStudy(file("general.jsonl", slow.join("\n")));
    expect(snapshot(fast)).toEqual(snapshot(general));
    // And the answers known by construction.
    // + escape, status, number id, spaces lines; the boolean value is a warning, never 1.
    expect(fast.measurementCount).toBe(rows.length + 4);
    expect(fast.trial("t4")!.status).toBe("diverged");
    expect(fast.trial("t4")!.attrs.divergedStep).toBe(30); // train/loss is NaN first, at step 30
    expect(fast.trial("t1")!.status).toBe("failed");
    expect(fast.trial("a trial id longer than thirteen")!.hparams.lr).toBeCloseTo(1e-6, 15);
    expect(fast.warnings.map((w) => w.line)).toEqual([81, 91, rows.length + 7]);
    expect(fast.warnings[1]!.message).toMatch(/found true: a boolean is not read as a number/);
  });
});

describe("CSV fast path", () => {
  it("gives csv-parse's study, with ragged rows, blank lines, CRLF and repeated headers", async () => {
    const header = "trial,step,metric,value,hp.lr,hp.act";
    const lines = rows.map((r) => [r.trial, r.step, r.metric, r.value, r["hp.lr"], r["hp.act"]].join(","));
    lines.splice(10, 0, "t0,99,validation/loss,0.5,0.1"); // too few fields
    lines.splice(20, 0, "t0,98,validation/loss,0.5,0.1,gelu,x"); // too many
    lines.splice(30, 0, "t0,97,validation/loss,0.5,0.1,gelu,"); // trailing comma: kept
    lines.splice(40, 0, ""); // blank
    lines.splice(50, 0, header); // header again
    lines.splice(60, 0, "t1,96,validation/loss, 1e-3 ,0.01,relu"); // spaces and an exponent
    lines.splice(70, 0, "t1,x,validation/loss,1,0.01,relu"); // bad step
    lines.splice(80, 0, "t2,95,,1,0.001,gelu"); // no metric
    lines.splice(90, 0, "t2,94,validation/loss,inf,0.001,gelu");
    const text = [header, ...lines].join("\r\n") + "\r\n";
    const fast = await loadStudy(file("fast.csv", text));
    const general = await loadStudy(file("general.csv", text.replace("hp.act", '"hp.act"')));
    expect(snapshot(fast)).toEqual(snapshot(general));
    expect(fast.measurementCount).toBe(rows.length + 3); // + trailing comma, spaces, inf
    expect(fast.warnings.map((w) => w.line)).toEqual([12, 22, 52, 72, 82]);
    expect(fast.trial("t4")!.status).toBe("diverged");
    expect(fast.trial("t2")!.status).toBe("diverged"); // inf validation/loss at step 94
    expect(fast.trial("t2")!.attrs.divergedStep).toBe(94);
    expect(fast.curve("t1", "validation/loss").values.at(-1)).toBe(0.001);
  });
});

describe("scanners", () => {
  it("parseDecimal agrees with Number() on every plain decimal it accepts", () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 20000; i++) {
      const digits = String(Math.floor(rnd() * 1e15)).slice(0, 1 + Math.floor(rnd() * 15));
      const dot = Math.floor(rnd() * (digits.length + 1));
      const text = (rnd() < 0.3 ? "-" : "") + digits.slice(0, dot) + "." + digits.slice(dot);
      expect(Object.is(parseDecimal(text, 0, text.length), Number(text))).toBe(true);
    }
    for (const bad of ["", "-", ".", "1e5", "+1", " 1", "1.2.3", "1234567890123456", "nan"]) expect(parseDecimal(bad, 0, bad.length)).toBeUndefined();
  });

  it("scanFlatObject accepts only valid flat JSON with those keys, and leaves escapes to JSON.parse", () => {
    const keys = ['"a"', '"b"'];
    const kinds = new Uint8Array(2);
    const from = new Int32Array(2);
    const to = new Int32Array(2);
    const ok = ['{"a":"x","b":1}', ' {"a" : "x" , "b" : -1.5e+3 } ', '{"a":"","b":0}', '{"a":"é","b":null}'];
    const notOk = ['{"a":"x","b":01}', '{"a":"x","b":1.}', '{"a":"x\\"","b":1}', '{"a":"x","b":1,}', '{"a":"x","b":1}x', '{"b":1,"a":"x"}', '{"a":"x","b":[1]}', '{"a":"x\t","b":1}', '{"a":"x","b":NaN}'];
    for (const t of ok) {
      expect(scanFlatObject(t, 0, t.length, keys, kinds, from, to, -1)).toBe(true);
      expect(() => JSON.parse(t)).not.toThrow();
    }
    for (const t of notOk) expect(scanFlatObject(t, 0, t.length, keys, kinds, from, to, -1)).toBe(false);
    const s = (t: string, a: number, b: number) => t.slice(a, b);
    const t = ' {"a" : "x" , "b" : -1.5e+3 } ';
    scanFlatObject(t, 0, t.length, keys, kinds, from, to, -1);
    expect([s(t, from[0]!, to[0]!), s(t, from[1]!, to[1]!)]).toEqual(["x", "-1.5e+3"]);
    const bare = '{"a":"x","b":-Infinity}';
    expect(scanFlatObject(bare, 0, bare.length, keys, kinds, from, to, 1)).toBe(true); // bare only where allowed
    expect(s(bare, from[1]!, to[1]!)).toBe("-Infinity");
  });
});

/** The study (or the error message) a loader gives, with the fast paths on or off. */
async function both(load: (p: string) => Promise<Study>, path: string): Promise<[unknown, unknown]> {
  const run = async (): Promise<unknown> => {
    try {
      return snapshot(await load(path));
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const fast = await run();
  useFastPaths(false);
  try {
    return [fast, await run()];
  } finally {
    useFastPaths(true);
  }
}

describe("fast paths vs the general path (fast paths switched off), file by file", () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(csv|tsv|jsonl|ndjson)$/i.test(e)) files.push(p);
    }
  };
  walk(DATA);
  walk(new URL("../fixtures", import.meta.url).pathname);

  it("every bundled CSV, TSV and JSONL file gives the same study and warnings", async () => {
    expect(files.length).toBeGreaterThan(100);
    let csv = 0;
    for (const f of files) {
      const load = /\.(csv|tsv)$/i.test(f) ? loadCsv : loadJsonl;
      if (load === loadCsv) csv++;
      const [fast, general] = await both(load, f);
      expect(fast, f).toEqual(general);
    }
    expect(csv).toBeGreaterThan(10);
  }, 120_000);

  // Cells the byte-level CSV path must read exactly as the general number rule does, or hand over.
  const hostile = [
    "NaN", "nan", "-NaN", "+nan", "inf", "-inf", "+Infinity", "Infinity", "1e400", "-1e400", "0x10", "0b1", "0o7", "true", "False",
    "1.5e-3", "1E5", ".5", "-.5", "3.", "-0", "+1", "00012", "1234567890123456789", "0.1234567890123456", "1..2", "-", ".", "",
    " 1.5", "1.5 ", "\u00a01.5", "１", "1_000", "١", "Ⅳ", "0.",
  ];

  it("hostile number cells: the same values and warnings as the general path", async () => {
    const header = "trial,step,metric,value,hp.lr";
    const lines = [header];
    let step = 1;
    for (const t of ["t0", "über", "t\u00e9", "a trial id longer than thirteen"]) {
      lines.push(`${t},0,loss,1,0.1`); // the trial's first row (general path), then the hostile ones
      for (const cell of hostile) {
        lines.push(`${t},${step++},loss,${cell},0.1`); // as a value
        lines.push(`${t},${cell},loss,0.5,0.1`); // as a step
      }
      lines.push(`${t},${step++},metric é,0.25,0.1`, `${t},${step++},loss,0.25,0.1,`, `${t},${step++},loss,0.25,0.1,x`, `${t},${step++},loss,0.25`, `${t},${step++},,0.25,0.1`);
      lines.push(`trial,step,metric,value,hp.lr`, `${t},${step++},loss,0.125,0.1,,`);
    }
    for (const [name, text] of [
      ["hostile.csv", lines.join("\n") + "\n"],
      ["hostile-crlf.csv", lines.join("\r\n")],
      ["hostile-bom.csv", "\ufeff" + lines.join("\n")],
      ["hostile-cut.csv", lines.join("\n") + "\nt0,999,loss,0."],
      ["hostile-quote-late.csv", lines.join("\n") + '\nt0,998,loss,"0.5",0.1\nt0,997,loss,0.75,0.1\n'],
      ["hostile.tsv", lines.join("\n").replace(/,/g, "\t") + "\nt0\t996\tloss\t1,5\t0.1\n"],
    ] as const) {
      const [fast, general] = await both(loadCsv, file(name, text));
      expect(fast, name).toEqual(general);
      expect((fast as { cols?: { value: unknown[] } }).cols?.value.length, name).toBeGreaterThan(40);
    }
  });

  it("hostile JSONL numbers on template lines: the same values and warnings as the general path", async () => {
    const cells = ["1", "-0", "0.5", "1e400", "-1e400", "1E-5", "01", "1.", ".5", "-", "NaN", "-NaN", "Infinity", "-Infinity", '"NaN"', '"inf"', '"0x10"', "true", "null", '"1,5"', "1234567890123456789", "2.5"];
    const lines: string[] = [];
    let step = 1;
    for (const t of ["t0", "über", "a trial id longer than thirteen"]) {
      lines.push(`{"trial":"${t}","step":0,"metric":"loss","value":1,"hp.lr":0.1}`);
      for (const c of cells) {
        lines.push(`{"trial":"${t}","step":${step++},"metric":"loss","value":${c},"hp.lr":0.1}`); // as a value
        lines.push(`{"trial":"${t}","step":${c},"metric":"loss","value":0.5,"hp.lr":0.1}`); // as a step
        lines.push(`{"trial":"${t}","step":${step++},"metric":"loss","value":0.25,"hp.lr":0.1}`); // back on the template
      }
      lines.push(`{"trial":"${t}","step":${step++},"metric":"loss","value":0.25,"hp.lr":0.1} `, `{"trial":"${t}","step":${step++},"metric":"loss","value":0.25,"hp.lr":0.1,"x":1}`);
    }
    for (const [name, text] of [
      ["hostile.jsonl", lines.join("\n") + "\n"],
      ["hostile-crlf.jsonl", lines.join("\r\n")],
      ["hostile-bom.jsonl", "\ufeff" + lines.join("\n")],
      ["hostile-cut.jsonl", lines.join("\n") + '\n{"trial":"t0","step":999,"metric":"loss","value":0.'],
    ] as const) {
      const [fast, general] = await both(loadJsonl, file(name, text));
      expect(fast, name).toEqual(general);
      expect((fast as { cols?: { value: unknown[] } }).cols?.value.length, name).toBeGreaterThan(60);
    }
  });

  it("ragged tails at every byte alignment (the field count is checked four bytes at a time)", async () => {
    let seed = 5;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const lines = ["trial,step,metric,value,a,b,c"];
    for (let t = 0; t < 3; t++) lines.push(`t${t},0,loss,1,x,y,z`);
    for (let i = 1; i < 3000; i++) {
      // Three tail fields of random lengths, sometimes one more or one fewer.
      const r = rnd();
      const n = r < 0.1 ? 2 : r < 0.2 ? 4 : 3;
      const tail = Array.from({ length: n }, () => "q".repeat(Math.floor(rnd() * 9))).join(",");
      lines.push(`t${i % 3},${i},loss,${rnd().toFixed(1 + Math.floor(rnd() * 6))},${tail}`);
    }
    const [fast, general] = await both(loadCsv, file("ragged.csv", lines.join("\n")));
    expect(fast).toEqual(general);
    const warnings = (fast as { warnings: unknown[] }).warnings.length;
    expect(warnings).toBeGreaterThan(50); // the rows with 2 or 4 tail fields
  });

  it("more than 65,536 trials (wider codes mid-file) and a fractional step late in the file", async () => {
    const lines = ["trial,step,metric,value"];
    for (let t = 0; t < 70_000; t++) lines.push(`t${t},1,loss,${t / 7}`, `t${t},2,loss,${t / 9}`);
    lines.push("t5,2.5,loss,0.5", "t5,3,loss,0.25");
    const [fast, general] = await both(loadCsv, file("many-trials.csv", lines.join("\n")));
    expect(fast).toEqual(general);
    expect((fast as { cols: { value: unknown[] } }).cols.value.length).toBe(140_002);
  }, 60_000);

  it("parseDecimalBytes reads the same numbers as parseDecimal", () => {
    for (const t of ["0", "-0", "12", "0.25", "-.5", "3.", "123456789012345", "1234567890123456", "1e5", "+1", "", "-", ".", "1.2.3", "9.99999999999999"]) {
      const a = parseDecimal(t, 0, t.length);
      const b = parseDecimalBytes(Buffer.from(t), 0, t.length);
      expect(a === undefined ? b === undefined : Object.is(a, b), t).toBe(true);
    }
  });
});
