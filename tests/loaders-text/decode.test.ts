/**
 * Strict decoding (src/study/formats/decode.ts): invalid UTF-8 is an error naming file, line and
 * byte offset; --encoding latin1 / utf-16 and byte-order marks read other files; CR-only files,
 * folders, FIFOs and stdin get a read or a message.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeText, firstInvalidUtf8, parseEncoding } from "../../src/study/formats/decode.js";
import { loadStudy } from "../../src/study/load.js";
import { TunebookError } from "../../src/study/types.js";
import { runCli } from "../helpers/cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tunebook-decode-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, data: string | Buffer): string => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};
async function loadError(path: string, options = {}): Promise<TunebookError> {
  try {
    await loadStudy(path, options);
  } catch (e) {
    expect(e).toBeInstanceOf(TunebookError);
    return e as TunebookError;
  }
  throw new Error("loaded without an error");
}

// Three Latin-1 trial ids that a lenient UTF-8 decoder turns into the same "run-\uFFFD".
const latin1Csv = Buffer.from("trial,step,metric,value\nrun-\xe9,1,loss,0.5\nrun-\xe8,1,loss,0.4\nrun-\xe0,1,loss,0.3\n", "latin1");

describe("strict UTF-8", () => {
  it("a Latin-1 file is an error naming file, line and byte offset, and how to read it", async () => {
    const p = file("latin1.csv", latin1Csv);
    const e = await loadError(p);
    const offset = latin1Csv.indexOf(0xe9);
    expect(e.file).toBe(p);
    expect(e.line).toBe(2);
    expect(e.message).toBe(`${p}:2: not valid UTF-8 at byte offset ${offset} (bytes e9 2c 31 2c); if the file is in another encoding, pass --encoding latin1 or --encoding utf-16`);
  });

  it("with --encoding latin1 the three trials stay three, spelled right", async () => {
    const s = await loadStudy(file("latin1b.csv", latin1Csv), { encoding: "latin1" });
    expect(s.trialIds()).toEqual(["run-é", "run-è", "run-à"]);
    expect(s.warnings).toEqual([]);
  });

  it("an invalid byte far into a big file is found at its line (after the fast path's chunks)", async () => {
    const rows = Array.from({ length: 60000 }, (_, i) => `{"trial":"t${i % 7}","step":${i},"metric":"loss","value":${1 / (i + 1)}}`);
    const text = Buffer.from(rows.join("\n") + "\n");
    const bad = Buffer.concat([text, Buffer.from('{"trial":"caf\xe9","step":1,"metric":"loss","value":1}\n', "latin1")]);
    const e = await loadError(file("late.jsonl", bad));
    expect(e.line).toBe(60001);
    expect(e.message).toContain(`byte offset ${text.length + 13}`);
  });

  it("mixed encodings: UTF-8 é then Latin-1 é is an error at the Latin-1 line", async () => {
    const mixed = Buffer.concat([Buffer.from("trial,hp.opt,objective\na,café,0.5\n"), Buffer.from("b,caf\xe9,0.4\n", "latin1")]);
    const e = await loadError(file("mixed.csv", mixed));
    expect(e.line).toBe(3);
  });

  it("firstInvalidUtf8 rejects overlong forms, surrogates and cut sequences", () => {
    expect(firstInvalidUtf8(Buffer.from("añb"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong NUL
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // UTF-16 surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1); // cut
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
  });
});

describe("other encodings", () => {
  const csv = "trial,step,metric,value\nrun-é,1,loss,0.5\nrun-è,1,loss,0.25\n";
  it("UTF-16 LE and BE with a byte-order mark are detected", async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, "utf16le")]);
    const be = Buffer.from(le);
    be.swap16();
    for (const [name, data] of [["le.csv", le], ["be.csv", be]] as const) {
      const s = await loadStudy(file(name, data));
      expect(s.trialIds()).toEqual(["run-é", "run-è"]);
      expect(s.curve("run-è", "loss").values).toEqual([0.25]);
    }
  });
  it("UTF-16 without a mark needs --encoding utf-16 (JSONL, detected by content)", async () => {
    const text = '{"trial":"é","step":1,"metric":"loss","value":0.5}\r\n{"trial":"é","step":2,"metric":"loss","value":0.4}\r\n';
    const p = file("nobom.jsonl", Buffer.from(text, "utf16le"));
    expect((await loadError(p)).message).toMatch(/binary data/);
    const s = await loadStudy(p, { encoding: "utf-16" });
    expect(s.curve("é", "loss").values).toEqual([0.5, 0.4]);
  });
  it("a UTF-8 BOM is skipped; parseEncoding knows the usual spellings", () => {
    expect(decodeText(Buffer.from("\ufeffab"), "x")).toBe("ab");
    expect(parseEncoding("ISO-8859-1")).toBe("latin1");
    expect(parseEncoding("UTF16")).toBe("utf-16");
    expect(() => parseEncoding("ebcdic")).toThrow(/unknown encoding "ebcdic"/);
  });
});

describe("line endings and paths that are not plain files", () => {
  it("CR-only line ends read like LF (JSONL and CSV)", async () => {
    const j = await loadStudy(file("cr.jsonl", '{"trial":"a","step":1,"metric":"loss","value":0.5}\r{"trial":"a","step":2,"metric":"loss","value":0.4}\r'));
    expect(j.warnings).toEqual([]);
    expect(j.curve("a", "loss").values).toEqual([0.5, 0.4]);
    const c = await loadStudy(file("cr.csv", "trial,step,metric,value\ra,1,loss,0.5\ra,2,loss,0.4"));
    expect(c.curve("a", "loss").values).toEqual([0.5, 0.4]);
  });

  it("a folder where a file is expected is named", async () => {
    const d = join(tmp, "dir.csv");
    mkdirSync(d);
    const e = await loadError(d, { format: "csv" });
    expect(e.message).toBe(`${d}: expected a file, found a folder`);
  });

  it("a FIFO is read, and messages name it", async () => {
    const fifo = join(tmp, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    // The writer is another process, as with `mkfifo p; producer > p & tunebook load p`.
    const writer = spawn("sh", ["-c", `printf 'trial,step,metric,value\\na,1,loss,0.5\\na,x,loss,0.4\\n' > '${fifo}'`], { stdio: "ignore" });
    const exited = new Promise((resolve) => writer.on("exit", resolve));
    const s = await loadStudy(fifo);
    await exited;
    expect(s.curve("a", "loss").values).toEqual([0.5]);
    expect(s.warnings.map((w) => [w.file, w.line])).toEqual([[fifo, 3]]);
  });

  it("stdin: `tunebook load -` reads it and names it <stdin>", () => {
    const r = runCli(["load", "-"], { input: "trial,step,metric,value\na,1,loss,0.5\na,2,loss,zz\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trials: 1/);
    expect(r.stdout).toContain('<stdin>:3: field "value": expected a number (or NaN/Infinity), found "zz"');
    const bad = runCli(["load", "-"], { input: "" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("tunebook: <stdin>: empty input: nothing was read from it\n");
  });

  it("stdin: a one-record JSONL log is told by its content; --log-format names a format where content cannot", () => {
    const one = runCli(["load", "-", "--json"], { input: '{"trial":"a","step":1,"metric":"loss","value":0.3}\n' });
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ source: { format: "jsonl", path: "<stdin>" }, trials: 1 });
    // A lone line that is not a JSON object is no format's: the message names the flag `load` takes.
    const none = runCli(["load", "-"], { input: "hello\n" });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^tunebook: <stdin>: cannot tell the log format; pass --log-format \(one of: /);
    const given = runCli(["load", "-", "--log-format", "csv"], { input: "trial,step,metric,value\na,1,loss,0.5\n" });
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(/\(csv\)/);
  });
});
