/**
 * Shared pieces of the text loaders (JSONL, CSV, AlgoPerf folders): a streaming line reader,
 * a JSON line parser that accepts Python's bare NaN/Infinity, trial-status spellings and a capped
 * issue log. Nothing here registers a format.
 */
import { open, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { LoadIssue, TrialStatus } from "../types.js";
import { TunebookError } from "../types.js";

/** Bytes read per chunk by the line readers: big enough that per-chunk costs vanish. */
export const CHUNK_BYTES = 2 << 20;

/**
 * Read a file in large chunks, each decoded up to its last newline, so that no line is split
 * between chunks (a line longer than a chunk grows the buffer). `fn(text, bytesDone)` gets whole
 * lines (the last one may lack its newline at the end of the file). Never holds the whole file.
 *
 * @example
 * await forEachTextChunk("runs.jsonl", (text) => console.log(text.length));
 */
export async function forEachTextChunk(
  path: string,
  fn: (text: string, bytesDone: number, final: boolean) => void | "stop",
  startByte = 0,
): Promise<void> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (err) {
    throw new TunebookError(`cannot read file: ${(err as Error).message}`, path);
  }
  try {
    let buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = 0; // bytes of an unfinished line kept at the start of buf
    let pos = startByte;
    for (;;) {
      if (carry === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, carry, buf.length - carry, pos));
      } catch (err) {
        throw new TunebookError(`cannot read file: ${(err as Error).message}`, path);
      }
      pos += bytesRead;
      const len = carry + bytesRead;
      if (bytesRead === 0) {
        if (len > 0) fn(buf.toString("utf8", 0, len), pos, true);
        return;
      }
      const nl = buf.lastIndexOf(10, len - 1);
      if (nl < 0) {
        carry = len;
        continue;
      }
      // "\n" never occurs inside a multi-byte UTF-8 sequence, so decoding up to it is safe.
      if (fn(buf.toString("utf8", 0, nl + 1), pos - (len - nl - 1), false) === "stop") return;
      carry = len - nl - 1;
      if (carry > 0) buf.copy(buf, 0, nl + 1, len);
    }
  } finally {
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
): Promise<number> {
  const total = (await stat(path)).size;
  let n = 0;
  try {
    await forEachTextChunk(path, (s, done) => {
      let start = n === 0 && s.charCodeAt(0) === 0xfeff ? 1 : 0;
      let i: number;
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
    });
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
): Promise<number> {
  return forEachLineSpan(path, (s, start, end, n) => fn(s.slice(start, end), n), onProgress);
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
export async function checkTextFile(path: string, what: string): Promise<void> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new TunebookError(`expected a ${what} file, found a folder`, path);
    size = st.size;
  } catch (err) {
    if (err instanceof TunebookError) throw err;
    throw new TunebookError(`no such file`, path);
  }
  if (size === 0) throw new TunebookError(`empty file: expected ${what} data`, path);
  const head = await readHead(path);
  if (looksBinary(head)) throw new TunebookError(`binary data, not ${what} text`, path, 1);
  if (head.toString("utf8").replace(/^\uFEFF/, "").trim() === "" && size <= head.length)
    throw new TunebookError(`empty file (only blank lines): expected ${what} data`, path);
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
