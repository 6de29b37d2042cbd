/**
 * Shared pieces of the text loaders (JSONL, CSV, AlgoPerf folders): a streaming line reader,
 * a JSON line parser that accepts Python's bare NaN/Infinity, trial-status spellings and a capped
 * issue log. Nothing here registers a format.
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { LoadIssue, TrialStatus } from "../types.js";
import { TunebookError } from "../types.js";
import { ChunkDecoder, type TextEncoding, checkReadable, decodingFor, firstInvalidUtf8, invalidUtf8Error } from "./decode.js";

/** Bytes read per chunk by the line readers: big enough that per-chunk costs vanish. */
export const CHUNK_BYTES = 2 << 20;

/** How a file's lines end: LF (and CRLF), or CR alone (old Mac files). */
export type LineEnding = "lf" | "cr";

/**
 * Read a file in large chunks, each decoded (strictly, see ./decode.ts) up to its last line end,
 * so that no line is split between chunks (a line longer than a chunk grows the buffer).
 * `fn(text, bytesDone, final, ending)` gets whole lines (the last one may lack its line end at
 * the end of the file). Never holds the whole file. A file whose first line ends with a lone CR
 * is read with CR line ends (`ending === "cr"`).
 *
 * @example
 * await forEachTextChunk("runs.jsonl", (text) => console.log(text.length));
 */
export async function forEachTextChunk(
  path: string,
  fn: (text: string, bytesDone: number, final: boolean, ending: LineEnding) => void | "stop",
  startByte = 0,
  encoding?: TextEncoding,
): Promise<void> {
  for await (const c of textChunks(path, startByte, encoding)) if (fn(c.text, c.bytesDone, c.final, c.ending) === "stop") return;
}

/** One piece of {@link textChunks}: whole lines of text and the file offset after them. */
export interface TextChunk {
  text: string;
  bytesDone: number;
  final: boolean;
  ending: LineEnding;
}

/**
 * Open a file for reading; a failure is a {@link TunebookError} naming the file and the reason.
 *
 * @example
 * const fh = await openFile("runs.csv"); // TunebookError "runs.csv: cannot read file (EACCES)" when unreadable
 */
export async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (err) {
    throw new TunebookError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
}

/**
 * The chunks of {@link forEachTextChunk} as an async iterable (for consumers that pull, such as
 * a stream into csv-parse).
 *
 * @example
 * for await (const c of textChunks("runs.csv")) console.log(c.text.length);
 */
export async function* textChunks(path: string, startByte = 0, encoding?: TextEncoding): AsyncGenerator<TextChunk> {
  for await (const c of byteChunks(path, startByte, encoding)) yield { text: c.decoder.decode(c.buf, 0, c.end, c.at), bytesDone: c.bytesDone, final: c.final, ending: c.ending };
}

/** One piece of {@link byteChunks}: whole lines as bytes `buf[0, end)` (valid only until the next piece). */
export interface ByteChunk {
  buf: Buffer;
  end: number;
  /** File offset of buf[0]. */
  at: number;
  bytesDone: number;
  final: boolean;
  ending: LineEnding;
  decoder: ChunkDecoder;
}

/**
 * The chunks of {@link textChunks} as bytes, not decoded (the byte-level fast paths read them in
 * place); with `check`, UTF-8 chunks are validated as {@link textChunks} would decode them. The
 * buffer is reused: read a piece before asking for the next.
 *
 * @example
 * for await (const c of byteChunks("runs.csv", 0, undefined, true)) console.log(c.end);
 */
export async function* byteChunks(path: string, startByte = 0, encoding?: TextEncoding, check = false): AsyncGenerator<ByteChunk> {
  await checkReadable(path);
  const fh = await openFile(path);
  const readInto = async (buf: Buffer, at: number, pos: number): Promise<number> => {
    try {
      return (await fh.read(buf, at, buf.length - at, pos)).bytesRead;
    } catch (err) {
      throw new TunebookError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
    }
  };
  // Two buffers: the next chunk is read into one while the caller works on the other.
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let other = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending: Promise<number> | undefined; // the read into `buf` at `carry`, started before the last yield
  try {
    let carry = 0; // bytes of an unfinished line kept at the start of buf
    let pos = startByte;
    let decoder: ChunkDecoder | undefined;
    let ending: LineEnding = "lf";
    let eol = 10;
    for (;;) {
      if (pending === undefined && carry === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const read = pending ?? readInto(buf, carry, pos);
      pending = undefined;
      const bytesRead = await read;
      pos += bytesRead;
      const len = carry + bytesRead;
      const at = pos - len; // file offset of buf[0]
      if (decoder === undefined) {
        const head = startByte > 0 ? await readHead(path, 4) : buf.subarray(0, len);
        decoder = new ChunkDecoder(path, decodingFor(head, encoding));
        if (decoder.decoding.encoding !== "utf-16le" && decoder.decoding.encoding !== "utf-16be") {
          const first = buf.subarray(0, len);
          const cr = first.indexOf(13);
          const lf = first.indexOf(10);
          if (cr >= 0 && (lf < 0 || lf > cr + 1)) (ending = "cr"), (eol = 13);
        }
      }
      if (bytesRead === 0) {
        if (len > 0) {
          if (check) decoder.check(buf, 0, len, at);
          yield { buf, end: len, at, bytesDone: pos, final: true, ending, decoder };
        }
        return;
      }
      const lineEnd = eol === 13 ? buf.lastIndexOf(13, len - 1) + 1 : decoder.lineEnd(buf, len, at);
      if (lineEnd <= 0) {
        carry = len;
        continue;
      }
      // A line end never occurs inside a multi-byte character, so decoding up to it is safe.
      if (check) decoder.check(buf, 0, lineEnd, at);
      // The unfinished line goes to the other buffer, and the read after it starts now.
      const next = len - lineEnd;
      if (other.length < buf.length) other = Buffer.allocUnsafe(buf.length);
      if (next > 0) buf.copy(other, 0, lineEnd, len);
      if (next < other.length) pending = readInto(other, next, pos);
      yield { buf, end: lineEnd, at, bytesDone: pos - next, final: false, ending, decoder };
      [buf, other] = [other, buf];
      carry = next;
    }
  } finally {
    // A caller that stops early leaves a read in flight: let it end before closing the file.
    await pending?.catch(() => undefined);
    await fh.close();
  }
}

/**
 * Like {@link forEachLine}, but hands each line over as a span `text.slice(start, end)` of a
 * large chunk without creating the line string (fast paths read the characters in place).
 * The span excludes the newline and a trailing CR; a leading BOM is skipped.
 *
 * @example
 * await forEachLineSpan("runs.jsonl", (text, start, end, n) => console.log(n, end - start));
 */
export async function forEachLineSpan(
  path: string,
  fn: (text: string, start: number, end: number, lineNo: number) => void,
  onProgress?: (done: number, total: number) => void,
  encoding?: TextEncoding,
): Promise<number> {
  await checkReadable(path);
  const total = (await stat(path)).size;
  let n = 0;
  try {
    await forEachTextChunk(
      path,
      (s, done, _final, ending) => {
        let start = n === 0 && s.charCodeAt(0) === 0xfeff ? 1 : 0;
        let i: number;
        if (ending === "cr") {
          while ((i = s.indexOf("\r", start)) !== -1) {
            n++;
            fn(s, start, i, n);
            start = i + 1;
          }
          if (start < s.length) fn(s, start, s.length, ++n);
          onProgress?.(done, total);
          return;
        }
        while ((i = s.indexOf("\n", start)) !== -1) {
          n++;
          fn(s, start, i > start && s.charCodeAt(i - 1) === 13 ? i - 1 : i, n);
          start = i + 1;
        }
        if (start < s.length) {
          // The file's last line, without a newline.
          n++;
          const end = s.charCodeAt(s.length - 1) === 13 ? s.length - 1 : s.length;
          fn(s, start, end, n);
        }
        onProgress?.(done, total);
      },
      0,
      encoding,
    );
  } catch (err) {
    if (err instanceof TunebookError) throw err;
    throw new TunebookError(`cannot read file: ${(err as Error).message}`, path);
  }
  return n;
}

/** A byte-level line fast path (see {@link forEachLineBytes}). */
export interface ByteLineScanner {
  /** Read the lines of `buf` from `start` whose newline comes before `limit`, numbered from `line + 1`, until one it does not take; returns where that line starts. */
  run(buf: Buffer, start: number, limit: number, line: number): number;
  /** Lines read by the last run. */
  readonly read: number;
}

/**
 * {@link forEachLineSpan} over a UTF-8 file's bytes: runs of lines go to the scanner that
 * `scanner()` returns (once it returns one), every other line is decoded and given to `fn` as
 * `fn(line, 0, line.length, n)`, exactly as {@link forEachLineSpan} would. Returns the number of
 * lines, or undefined — before reading anything — for a file that is not UTF-8 or ends its
 * lines with CR alone (read those with {@link forEachLineSpan}).
 *
 * @example
 * const n = await forEachLineBytes("runs.jsonl", () => undefined, (s, a, b, line) => console.log(line, s.slice(a, b)));
 */
export async function forEachLineBytes(
  path: string,
  scanner: () => ByteLineScanner | undefined,
  fn: (text: string, start: number, end: number, lineNo: number) => void,
  onProgress?: (done: number, total: number) => void,
  encoding?: TextEncoding,
): Promise<number | undefined> {
  await checkReadable(path);
  const head = await readHead(path, 4096);
  const d = decodingFor(head, encoding);
  if (d.encoding !== "utf-8") return undefined;
  const total = (await stat(path)).size;
  let n = 0;
  let scan: ByteLineScanner | undefined;
  try {
    for await (const c of byteChunks(path, 0, encoding, true)) {
      if (c.ending === "cr") return undefined; // known at the first chunk, before any line
      const b = c.buf;
      let start = c.at < d.bom ? d.bom - c.at : 0;
      // A second BOM after the first (forEachLineSpan strips one U+FEFF from the first line).
      if (n === 0 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf) start += 3;
      while (start < c.end) {
        if (scan !== undefined) {
          start = scan.run(b, start, c.end, n);
          n += scan.read;
          if (start >= c.end) break;
        }
        let i = b.indexOf(10, start);
        if (i >= c.end) i = -1;
        const stop = i === -1 ? c.end : i;
        n++;
        const end = stop > start && b[stop - 1] === 13 ? stop - 1 : stop;
        const line = b.toString("utf8", start, end);
        fn(line, 0, line.length, n);
        scan ??= scanner();
        start = stop + 1;
      }
      onProgress?.(c.bytesDone, total);
    }
  } catch (err) {
    if (err instanceof TunebookError) throw err;
    throw new TunebookError(`cannot read file: ${(err as Error).message}`, path);
  }
  return n;
}

/**
 * Call `fn` for every line of a text file without holding the file in memory.
 * Handles LF and CRLF endings, a leading BOM and a last line without a newline.
 * `onProgress(bytesRead, totalBytes)` is called once per chunk (about 2 MB).
 *
 * @example
 * await forEachLine("runs.jsonl", (line, n) => console.log(n, line.length));
 */
export async function forEachLine(
  path: string,
  fn: (line: string, lineNo: number) => void,
  onProgress?: (done: number, total: number) => void,
  encoding?: TextEncoding,
): Promise<number> {
  return forEachLineSpan(path, (s, start, end, n) => fn(s.slice(start, end), n), onProgress, encoding);
}

/**
 * First bytes of a file (for binary checks and sniffing).
 *
 * @example
 * const head = await readHead("runs.csv", 4096);
 */
export async function readHead(path: string, bytes = 64 * 1024): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * True when the bytes look like binary data rather than text (NUL bytes, or many control or
 * invalid UTF-8 characters).
 *
 * @example
 * looksBinary(Buffer.from("a,b\n1,2\n")); // false
 */
export function looksBinary(head: Buffer): boolean {
  if (head.length === 0) return false;
  if (head.includes(0)) return true;
  const text = head.toString("utf8");
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) bad++;
  }
  return bad > 8 && bad / text.length > 0.05;
}

/**
 * Throw the clear errors every text loader shares: missing, empty or binary file.
 *
 * @example
 * await checkTextFile("runs.csv", "CSV"); // throws TunebookError("runs.csv: empty file: …")
 */
export async function checkTextFile(path: string, what: string, encoding?: TextEncoding): Promise<void> {
  await checkReadable(path);
  const size = (await stat(path)).size;
  if (size === 0) throw new TunebookError(`empty file: expected ${what} data`, path);
  const raw = await readHead(path);
  const d = decodingFor(raw, encoding);
  // Judge the head as text in its own encoding (a UTF-16 file is full of NUL bytes as bytes).
  let text: string;
  if (d.encoding === "utf-8") {
    if (raw.includes(0)) throw new TunebookError(`binary data, not ${what} text`, path, 1);
    // The head may end inside a character: check it without its last 3 bytes when longer.
    const whole = size <= raw.length;
    const checked = whole ? raw : raw.subarray(0, Math.max(0, raw.length - 3));
    const bad = firstInvalidUtf8(checked, d.bom);
    if (bad >= 0) {
      if (controlShare(raw.toString("latin1")) > 0.05) throw new TunebookError(`binary data, not ${what} text`, path, 1);
      throw invalidUtf8Error(path, bad, raw.subarray(bad), raw);
    }
    text = raw.toString("utf8", d.bom);
  } else text = new TextDecoder(d.encoding === "latin1" ? "latin1" : d.encoding).decode(raw.subarray(d.bom));
  if (looksBinary(Buffer.from(text, "utf8"))) throw new TunebookError(`binary data, not ${what} text`, path, 1);
  if (text.trim() === "" && size <= raw.length) throw new TunebookError(`empty file (only blank lines): expected ${what} data`, path);
}

/** Share of C0 control characters other than tab, LF and CR. */
function controlShare(text: string): number {
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) bad++;
  }
  return text.length ? bad / text.length : 0;
}

/**
 * Parse one JSONL line. Python's `json.dumps` writes bare `NaN`, `Infinity` and `-Infinity`;
 * when plain JSON.parse fails on such a line, those tokens (outside strings) are quoted and the
 * line is parsed again, so they arrive as the strings "NaN"/"Infinity"/"-Infinity" that
 * {@link parseNumber} understands.
 *
 * @example
 * parseJsonLine('{"loss": NaN}'); // { loss: "NaN" }
 */
export function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    if (!/NaN|Infinity/.test(line)) throw err;
    return JSON.parse(quoteNonFiniteTokens(line));
  }
}

/**
 * Quote bare NaN / Infinity / -Infinity tokens that stand outside JSON strings.
 *
 * @example
 * quoteNonFiniteTokens('{"a": NaN, "b": "NaN"}'); // '{"a": "NaN", "b": "NaN"}'
 */
export function quoteNonFiniteTokens(line: string): string {
  let out = "";
  let inString = false;
  let last = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let tok: string | undefined;
    if (line.startsWith("NaN", i)) tok = "NaN";
    else if (line.startsWith("-Infinity", i)) tok = "-Infinity";
    else if (line.startsWith("Infinity", i)) tok = "Infinity";
    else if (line.startsWith("-NaN", i)) tok = "-NaN";
    if (tok) {
      out += line.slice(last, i) + `"${tok}"`;
      i += tok.length - 1;
      last = i + 1;
    }
  }
  return out + line.slice(last);
}

const STATUS_WORDS: Record<string, TrialStatus> = Object.assign(Object.create(null) as Record<string, TrialStatus>, {
  complete: "complete",
  completed: "complete",
  success: "complete",
  succeeded: "complete",
  successful: "complete",
  finished: "complete",
  done: "complete",
  ok: "complete",
  pruned: "pruned",
  fail: "failed",
  failed: "failed",
  failure: "failed",
  crashed: "failed",
  crash: "failed",
  error: "failed",
  errored: "failed",
  killed: "failed",
  infeasible: "failed",
  diverged: "diverged",
  divergent: "diverged",
  nan: "diverged",
  inf: "diverged",
  oom: "oom",
  outofmemory: "oom",
  outofmemoryerror: "oom",
  resourceexhausted: "oom",
  running: "running",
  started: "running",
  pending: "running",
  waiting: "running",
  queued: "running",
});

/**
 * Map a status as logs spell it (COMPLETE, success, FAIL, crashed, OutOfMemory, nan…) to a
 * {@link TrialStatus}; undefined when the word is unknown (the caller warns).
 *
 * @example
 * parseStatus("OutOfMemory"); // "oom"
 * parseStatus("TrialState.COMPLETE"); // "complete"
 */
export function parseStatus(v: unknown): TrialStatus | undefined {
  if (typeof v !== "string") return undefined;
  let s = v.trim();
  const dot = s.lastIndexOf(".");
  if (dot >= 0) s = s.slice(dot + 1); // TrialState.COMPLETE
  return STATUS_WORDS[s.toLowerCase().replace(/[^a-z]/g, "")];
}

/**
 * Does the file end in the middle of a line (no newline after its last byte)? A writer may still
 * be appending to that line. An empty file is not.
 *
 * @example
 * if (await endsMidLine("runs.jsonl")) issue.openLastLine = true;
 */
export async function endsMidLine(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    if (size === 0) return false;
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    return b[0] !== 0x0a && b[0] !== 0x0d;
  } finally {
    await fh.close();
  }
}

/**
 * Collects load issues for one file, keeping the first `cap` and counting the rest, so that a
 * file of a million bad lines does not produce a million warnings.
 *
 * @example
 * const log = new IssueLog("runs.jsonl");
 * log.add(7, "step", `expected a number, found "abc"`);
 * study.warnings.push(...log.finish());
 */
export class IssueLog {
  readonly issues: LoadIssue[] = [];
  private dropped = 0;
  skipped = 0;

  constructor(
    readonly file: string,
    readonly cap = 100,
  ) {}

  /** Record a problem with a line; `skip` counts it as a skipped record. */
  add(line: number | undefined, field: string | undefined, message: string, skip = true): void {
    if (skip) this.skipped++;
    if (this.issues.length >= this.cap) {
      this.dropped++;
      return;
    }
    const issue: LoadIssue = { severity: "warn", file: this.file, message };
    if (line !== undefined) issue.line = line;
    if (field !== undefined) issue.field = field;
    this.issues.push(issue);
  }

  /** All issues, with a closing line when some were left out. */
  finish(): LoadIssue[] {
    if (this.dropped > 0)
      return [...this.issues, { severity: "warn", file: this.file, message: `… ${this.dropped} more problems not listed (${this.skipped} records skipped in all)` }];
    return this.issues;
  }

  get first(): LoadIssue | undefined {
    return this.issues[0];
  }
}

/**
 * Study name from a path: the file name without extension, or the folder name.
 *
 * @example
 * studyNameFrom("logs/sweep_3.jsonl"); // "sweep_3"
 */
export function studyNameFrom(path: string): string {
  const b = basename(path.replace(/[\\/]+$/, ""));
  const ext = extname(b);
  return ext ? b.slice(0, -ext.length) : b;
}

/**
 * Intern strings so a million rows share one copy of each trial id / metric name.
 *
 * @example
 * const names = new Interner();
 * names.get("loss") === names.get("lo" + "ss"); // same string object
 */
export class Interner {
  private readonly map = new Map<string, string>();
  get(s: string): string {
    const v = this.map.get(s);
    if (v !== undefined) return v;
    s = detach(s);
    this.map.set(s, s);
    return s;
  }
}

/**
 * A copy of `s` that does not point into a larger string. V8 makes substrings of 13 or more
 * characters views of their parent, so a trial id sliced from a 2 MB chunk would keep the whole
 * chunk alive; strings kept for the study's lifetime go through here.
 *
 * @example
 * const id = detach(chunk.slice(10, 40));
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * A fast path for one data line `text.slice(start, end)` (no quotes in it, CR already removed):
 * returns true when it consumed the line, false to send it through the general row handling.
 */
export type CsvLineFn = (text: string, start: number, end: number, line: number) => boolean;

/**
 * A byte-level fast path for CSV lines (valid UTF-8, before the file's first quote): `run` reads
 * lines from `buf[start)` whose newline comes before `limit`, numbered from `line + 1`, until one
 * it does not take; it returns where that line starts and sets `read` to the lines it read.
 */
export interface CsvByteLineFn {
  run(buf: Buffer, start: number, limit: number, line: number): number;
  readonly read: number;
  /** Room for about `rows` more rows. */
  reserve(rows: number): void;
}
