/**
 * The byte-level fast paths of the record loaders: a CSV line or a JSONL line shaped like the
 * lines before it is read in place into the measurement columns, without splitting it into
 * fields or parsing it into an object. Each says "not mine" (false) for anything unusual, and the
 * caller sends the line through the general path of ./records.ts, which warns; every value they
 * accept is the value the general path would have produced (tests/loaders-text/fastpath.test.ts).
 */
import { parseNumber } from "../builder.js";
import type { CodeArray, StepArray } from "../measurements.js";
import type { RecordShape, Role } from "./schema.js";
import { JsonKind, type LineTemplate, type ScanTail, parseDecimal, parseDecimalBytes, rememberTemplate, scanFlatObject, scanNumber, scanNumberBytes } from "./scan.js";
import { type ByteLineScanner, type CsvByteLineFn, type CsvLineFn, detach } from "./text.js";

let enabled = true;

/**
 * Turn the fast paths off or on (process-wide), so tests can load the same file through the
 * general path alone and compare.
 *
 * @example
 * useFastPaths(false); // every line goes through RecordSink.add / JSON.parse
 */
export function useFastPaths(on: boolean): void {
  enabled = on;
}

/**
 * Whether the fast paths are on (see {@link useFastPaths}).
 *
 * @example
 * if (fastPathsOn()) scanner = JsonLineScanner.from(sink, keys);
 */
export function fastPathsOn(): boolean {
  return enabled;
}

/** What a fast path needs of the record sink it feeds. */
export interface FastSink {
  /** The shape fixed by the first record (fast paths only take long-shape lines). */
  readonly shape?: RecordShape;
  /** The metric of the last measurement pushed (reused when the next line has the same text). */
  readonly lastMetric: string;
  role(key: string): Role;
  /** True when the trial was already created by the general path (so its hyperparameters are stored). */
  knows(trial: string): boolean;
  intern(s: string): string;
  /** Append one measurement of a known trial, read at `line`. */
  push(trial: string, step: number, metric: string, value: number, line: number): void;
  /** The same by interned codes (see {@link FastSink.trialCode}). */
  pushCodes(trial: number, step: number, metric: number, value: number, line: number): void;
  /** Column code of a trial id / metric name (interned on first use, as the general path's first row of it would). */
  trialCode(trial: string): number;
  metricCode(metric: string): number;
  /** Make room for about `rows` more measurements. */
  reserve(rows: number): void;
  /** Append rows 0 .. n - 1 of batch columns of known trials, read from lines line, line + 1, … */
  pushBatch(trial: CodeArray, step: StepArray, metric: CodeArray, value: Float64Array, n: number, line: number): void;
  /** A metric the next batch has rows of (kept in first-seen order). */
  noteMetric(code: number): void;
}

/** Rows a byte fast path collects before handing them to the columns. */
const BATCH = 4096;

/**
 * Rows of a fast path on consecutive lines, collected in typed arrays of the columns' own types
 * (16-bit codes and integer steps until a row needs wider ones), so that handing them over is a
 * memcpy per column.
 */
class RowBatch {
  private readonly trial16 = new Uint16Array(BATCH);
  private readonly metric16 = new Uint16Array(BATCH);
  private trial32?: Uint32Array;
  private metric32?: Uint32Array;
  private readonly stepI = new Int32Array(BATCH);
  private stepF?: Float64Array;
  private readonly value = new Float64Array(BATCH);
  private wideCodes = false;
  private intSteps = true;
  private n = 0;
  /** Line of the batch's first row. */
  private first = 0;

  constructor(private readonly sink: FastSink) {}

  /** The next row added is read from `line`. */
  begin(line: number): void {
    this.first = line;
  }

  add(trial: number, metric: number, step: number, value: number): void {
    if ((this.intSteps && (step | 0) !== step) || (!this.wideCodes && (trial > 0xffff || metric > 0xffff))) this.widen(step, trial, metric);
    const i = this.n;
    if (this.wideCodes) {
      this.trial32![i] = trial;
      this.metric32![i] = metric;
    } else {
      this.trial16[i] = trial;
      this.metric16[i] = metric;
    }
    if (this.intSteps) this.stepI[i] = step;
    else this.stepF![i] = step;
    this.value[i] = value;
    if ((this.n = i + 1) === BATCH) this.flush();
  }

  private widen(step: number, trial: number, metric: number): void {
    this.flush();
    if ((step | 0) !== step && this.intSteps) {
      this.intSteps = false;
      this.stepF = new Float64Array(BATCH);
    }
    if ((trial > 0xffff || metric > 0xffff) && !this.wideCodes) {
      this.wideCodes = true;
      this.trial32 = new Uint32Array(BATCH);
      this.metric32 = new Uint32Array(BATCH);
    }
  }

  /** Hand the rows over to the columns. */
  flush(): void {
    const n = this.n;
    if (n === 0) return;
    const w = this.wideCodes;
    this.sink.pushBatch(w ? this.trial32! : this.trial16, this.intSteps ? this.stepI : this.stepF!, w ? this.metric32! : this.metric16, this.value, n, this.first);
    this.first += n;
    this.n = 0;
  }
}

/** Remembered bytes of a field (a trial id or metric name) and its column code. */
interface ByteName {
  bytes: Uint8Array;
  code: number;
}

const sameBytes = (b: Uint8Array, a: number, e: number, n: ByteName): boolean => {
  const x = n.bytes;
  if (x.length !== e - a) return false;
  for (let k = 0; k < x.length; k++) if (x[k] !== b[a + k]) return false;
  return true;
};

/** Field text of valid UTF-8 bytes (the chunk reader checked them), as the general path decodes it. */
const text = (b: Uint8Array, a: number, e: number): string => Buffer.from(b.buffer, b.byteOffset + a, e - a).toString("utf8");

/** How many metric names the byte fast path remembers (logs that alternate metrics line by line). */
const METRIC_CACHE = 8;

/**
 * The byte-level CSV fast path for long-shape files (`trial, step, metric, value` once each, no
 * status column) in UTF-8: lines of trials already seen, with exactly the header's field count,
 * are read straight from the file's bytes into the columns — fields found by a byte loop, step
 * and value parsed from the digits (anything but a plain decimal or `NaN` goes through the
 * general number rule), trial and metric compared byte for byte with the last ones and kept as
 * codes. No string or object per row. It stops at the first line it does not take, which the
 * caller sends through `RecordSink.add`. The chunk reader has already validated the UTF-8 and
 * stops it before the file's first quote.
 *
 * @example
 * const scan = CsvByteScanner.from(sink, ["trial", "step", "metric", "value"], ",");
 * const next = scan?.run(buf, 0, buf.length, 1); // start of the first line it left; scan.read lines read
 */
export class CsvByteScanner implements CsvByteLineFn {
  /** Lines read by the last {@link CsvByteScanner.run}. */
  read = 0;
  private lastTrial: ByteName | undefined;
  private readonly metrics: ByteName[] = [];
  private nextSlot = 0;
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private readonly last: number;
  private readonly batch: RowBatch;

  private constructor(
    private readonly sink: FastSink,
    private readonly d: number,
    private readonly K: number,
    private readonly ti: number,
    private readonly si: number,
    private readonly mi: number,
    private readonly vi: number,
  ) {
    this.last = Math.max(ti, si, mi, vi);
    this.batch = new RowBatch(sink);
    this.from = new Int32Array(this.last + 1);
    this.to = new Int32Array(this.last + 1);
  }

  /** A scanner for this header, or undefined when it does not allow one. */
  static from(sink: FastSink, header: readonly string[], delimiter: string): CsvByteScanner | undefined {
    if (!enabled) return undefined;
    const count = (r: Role) => header.filter((k) => sink.role(k) === r).length;
    if (count("trial") !== 1 || count("step") !== 1 || count("metric") !== 1 || count("value") !== 1 || count("status") !== 0) return undefined;
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || delimiter === '"') return undefined;
    const at = (r: Role) => header.findIndex((k) => sink.role(k) === r);
    return new CsvByteScanner(sink, delimiter.charCodeAt(0), header.length, at("trial"), at("step"), at("metric"), at("value"));
  }

  /**
   * Read the lines of `b` from `start` whose newline comes before `limit`, numbered from
   * `line + 1`, until one it does not take (or the limit): returns where that line starts and
   * sets {@link CsvByteScanner.read}.
   */
  run(b: Buffer, start: number, limit: number, line: number): number {
    const sink = this.sink;
    if (sink.shape !== "long") {
      this.read = 0;
      return start; // the first row (through add) sets the shape
    }
    const { d, K, last, ti, si, mi, vi, from, to, batch } = this;
    let p = start;
    let read = 0;
    batch.begin(line + 1);
    const b32 = (b.byteOffset & 3) === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >> 2) : undefined;
    const dddd = Math.imul(d, 0x01010101);
    for (;;) {
      const nl = b.indexOf(10, p);
      if (nl < 0 || nl >= limit) break;
      const end = nl > p && b[nl - 1] === 13 ? nl - 1 : nl;
      let q = p;
      let f = 0;
      for (; f <= last; f++) {
        let j = q;
        while (j < end && b[j] !== d) j++;
        from[f] = q;
        to[f] = j;
        if (j === end && f !== K - 1) break;
        q = j + 1;
      }
      if (f <= last) break;
      // The rest of the fields: only their count matters (a known trial's other cells were read on its first row).
      // Delimiters counted four bytes at a time where the chunk has an aligned 32-bit view.
      let fields = last + 1;
      let j = to[last]!;
      if (b32 !== undefined) {
        while (j < end && (j & 3) !== 0) if (b[j++] === d) fields++;
        for (; j + 4 <= end; j += 4) {
          const x = b32[j >> 2]! ^ dddd;
          // High bit of each byte of x that is 0 (a delimiter), exactly (no carries between bytes).
          const z = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
          if (z !== 0) fields += Math.imul(z >>> 7, 0x01010101) >>> 24;
        }
      }
      while (j < end) if (b[j++] === d) fields++;
      if (fields !== K) break;
      const ta = from[ti]!;
      const te = to[ti]!;
      const ma = from[mi]!;
      const me = to[mi]!;
      if (te === ta || me === ma) break;
      let trialName: string | undefined;
      const lt = this.lastTrial;
      if (lt === undefined || !sameBytes(b, ta, te, lt)) {
        trialName = text(b, ta, te);
        if (!sink.knows(trialName)) break;
      }
      const step = numberAt(b, from[si]!, to[si]!);
      if (step === undefined || !Number.isFinite(step)) break;
      // ±Infinity (perhaps an overflowed 1e400, which the general path warns about) goes the slow way.
      const value = numberAt(b, from[vi]!, to[vi]!);
      if (value === undefined || value === Infinity || value === -Infinity) break;
      let metric = -1;
      const metrics = this.metrics;
      for (let k = 0; k < metrics.length; k++)
        if (sameBytes(b, ma, me, metrics[k]!)) {
          metric = metrics[k]!.code;
          break;
        }
      // Codes are taken only for a row that is kept, in row order, as the general path takes them.
      if (trialName !== undefined) this.lastTrial = { bytes: b.slice(ta, te), code: sink.trialCode(trialName) };
      if (metric < 0) {
        metric = sink.metricCode(text(b, ma, me));
        sink.noteMetric(metric);
        const n = { bytes: b.slice(ma, me), code: metric };
        if (metrics.length < METRIC_CACHE) metrics.push(n);
        else metrics[this.nextSlot++ % METRIC_CACHE] = n;
      }
      batch.add(this.lastTrial!.code, metric, step, value);
      read++;
      p = nl + 1;
    }
    batch.flush();
    this.read = read;
    return p;
  }

  /** Room for about `rows` more rows (estimated from the bytes left and the lines so far). */
  reserve(rows: number): void {
    this.sink.reserve(rows);
  }
}

/** A step or value cell: a plain decimal or `NaN` read here, anything else by the general number rule. */
function numberAt(b: Uint8Array, a: number, e: number): number | undefined {
  const n = parseDecimalBytes(b, a, e);
  if (n !== undefined) return n;
  if (e - a === 3 && b[a] === 78 && b[a + 1] === 97 && b[a + 2] === 78) return Number.NaN;
  return parseNumber(text(b, a, e));
}

/**
 * The CSV fast path for long-shape files (`trial, step, metric, value` once each, no status
 * column): a plain line of a trial already seen is parsed in place into the columns. Any other
 * line returns false and goes through `RecordSink.add`, which warns exactly as before.
 *
 * @example
 * await forEachCsvRow(path, sink.log, (h, r, n) => sink.add(h, r, n), undefined, (h, d) => csvLineFastPath(sink, h, d));
 */
export function csvLineFastPath(sink: FastSink, header: readonly string[], delimiter: string): CsvLineFn | undefined {
  if (!enabled) return undefined;
  const count = (r: Role) => header.filter((k) => sink.role(k) === r).length;
  if (count("trial") !== 1 || count("step") !== 1 || count("metric") !== 1 || count("value") !== 1 || count("status") !== 0) return undefined;
  const at = (r: Role) => header.findIndex((k) => sink.role(k) === r);
  const [ti, si, mi, vi] = [at("trial"), at("step"), at("metric"), at("value")];
  const K = header.length;
  const last = Math.max(ti, si, mi, vi);
  const from = new Int32Array(K);
  const to = new Int32Array(K);
  // The text after the last field read, on the last line whose field count was checked: a line
  // with the same tail (the trial's hyperparameters, usually) has the same field count.
  let tailText = "";
  let haveTail = false;
  const templates: LineTemplate[] = [];
  const stepFirst = si < vi;
  const [n1i, n2i] = stepFirst ? [si, vi] : [vi, si];
  let lastTrial = "";
  // `s[a, b)` as an interned string, reusing `last` when the text is the same (no allocation).
  const spanString = (s: string, a: number, b: number, last: string): string => (b - a === last.length && s.startsWith(last, a) ? last : sink.intern(s.slice(a, b)));
  return (s, start, end, line) => {
    if (sink.shape !== "long") return false; // the first row (through add) sets the shape
    for (let k = 0; k < templates.length; k++) {
      const g = templates[k]!;
      const p = start + g.a.length;
      if (p > end || s.slice(start, p) !== g.a) continue;
      let e1 = s.indexOf(delimiter, p);
      if (e1 === -1 || e1 > end) e1 = end;
      const q = e1 + g.b.length;
      if (q > end || s.slice(e1, q) !== g.b) continue;
      let e2 = s.indexOf(delimiter, q);
      if (e2 === -1 || e2 > end) e2 = end;
      if (end - e2 !== g.c.length || s.slice(e2, end) !== g.c) continue;
      const n1 = parseDecimal(s, p, e1) ?? parseNumber(s.slice(p, e1));
      const n2 = parseDecimal(s, q, e2) ?? parseNumber(s.slice(q, e2));
      const step = stepFirst ? n1 : n2;
      const value = stepFirst ? n2 : n1;
      // ±Infinity (perhaps an overflowed 1e400, which the general path warns about) goes the slow way.
      if (step === undefined || !Number.isFinite(step) || value === undefined || value === Infinity || value === -Infinity) break;
      sink.push(g.trial, step, g.metric, value, line);
      return true;
    }
    let a = start;
    for (let f = 0; f <= last; f++) {
      let j = s.indexOf(delimiter, a);
      if (j === -1 || j > end) j = end;
      from[f] = a;
      to[f] = j;
      if (j === end && f !== K - 1) return false;
      a = j + 1;
    }
    const t0 = to[last]!;
    // slice + === compares flat strings with memcmp (startsWith goes character by character).
    if (!(haveTail && end - t0 === tailText.length && s.slice(t0, end) === tailText)) {
      // Count the remaining fields.
      let f = last + 1;
      let j = t0;
      while (j < end) {
        j = s.indexOf(delimiter, j + 1);
        if (j === -1 || j > end) j = end;
        f++;
      }
      if (f !== K) return false;
      tailText = detach(s.slice(t0, end));
      haveTail = true;
    }
    if (to[ti]! === from[ti]! || to[mi]! === from[mi]!) return false;
    const trial = spanString(s, from[ti]!, to[ti]!, lastTrial);
    if (trial !== lastTrial) {
      if (!sink.knows(trial)) return false;
      lastTrial = trial;
    }
    const step = parseDecimal(s, from[si]!, to[si]!) ?? parseNumber(s.slice(from[si]!, to[si]!));
    if (step === undefined || !Number.isFinite(step)) return false;
    const value = parseDecimal(s, from[vi]!, to[vi]!) ?? parseNumber(s.slice(from[vi]!, to[vi]!));
    if (value === undefined || value === Infinity || value === -Infinity) return false;
    const metric = spanString(s, from[mi]!, to[mi]!, sink.lastMetric);
    rememberTemplate(templates, { a: s.slice(start, from[n1i]!), b: s.slice(to[n1i]!, from[n2i]!), c: s.slice(to[n2i]!, end), stepFirst, trial, metric, compiled: undefined });
    sink.push(trial, step, metric, value, line);
    return true;
  };
}

/**
 * The JSONL fast path's state, fixed by the first object's keys (written plainly, in that order,
 * with trial, step, metric and value among them and no status key).
 *
 * @example
 * const scanner = JsonLineScanner.from(sink, Object.keys(firstObject));
 */
export class JsonLineScanner {
  readonly kinds: Uint8Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly tail: ScanTail;
  readonly same: (string | undefined)[];
  readonly templates: LineTemplate[] = [];

  private constructor(
    private readonly sink: FastSink,
    readonly keys: string[],
    readonly t: number,
    readonly s: number,
    readonly m: number,
    readonly v: number,
  ) {
    const n = keys.length;
    this.kinds = new Uint8Array(n);
    this.from = new Int32Array(n);
    this.to = new Int32Array(n);
    this.tail = { after: Math.max(t, s, m, v), text: "" };
    this.same = new Array<string | undefined>(n).fill(undefined);
  }

  /** A scanner for lines with exactly these keys, or undefined when they cannot be scanned in place. */
  static from(sink: FastSink, keys: readonly string[]): JsonLineScanner | undefined {
    if (!enabled) return undefined;
    const find = (r: Role) => keys.find((k) => sink.role(k) === r);
    const trial = find("trial");
    const step = find("step");
    const metric = find("metric");
    const value = find("value");
    if (!trial || !step || !metric || !value) return undefined;
    // In-place scanning needs keys written plainly in JSON and no status key to apply.
    const quoted = keys.map((k) => JSON.stringify(k));
    if (!quoted.every((q, i) => q.length === keys[i]!.length + 2) || keys.some((k) => sink.role(k) === "status")) return undefined;
    const ix = (k: string) => keys.indexOf(k);
    return new JsonLineScanner(sink, quoted, ix(trial), ix(step), ix(metric), ix(value));
  }

  /**
   * The JSONL fast path: once the first object has fixed a long shape, a line with exactly the
   * first line's keys in the same order, flat values and a trial already seen is parsed in place
   * (the same checks as `RecordSink.addObject`'s fast path). Returns false for anything
   * else; the caller then parses the line with JSON.parse and calls addObject.
   *
   * @example
   * if (!scanner.line(text, start, end, n)) sink.addObject(JSON.parse(text.slice(start, end)), n);
   */
  line(s: string, start: number, end: number, n: number): boolean {
    const sink = this.sink;
    for (let k = 0; k < this.templates.length; k++) {
      const g = this.templates[k]!;
      const p = start + g.a.length;
      if (p > end || s.slice(start, p) !== g.a) continue;
      const e1 = scanNumber(s, p, end);
      if (e1 < 0) continue;
      const q = e1 + g.b.length;
      if (q > end || s.slice(e1, q) !== g.b) continue;
      const e2 = scanNumber(s, q, end);
      if (e2 < 0 || end - e2 !== g.c.length || s.slice(e2, end) !== g.c) continue;
      const n1 = parseDecimal(s, p, e1) ?? Number(s.slice(p, e1));
      const n2 = parseDecimal(s, q, e2) ?? Number(s.slice(q, e2));
      const step = g.stepFirst ? n1 : n2;
      const value = g.stepFirst ? n2 : n1;
      if (!Number.isFinite(step) || value === Infinity || value === -Infinity) break;
      sink.push(g.trial, step, g.metric, value, n);
      return true;
    }
    const same = this.same;
    if (!scanFlatObject(s, start, end, this.keys, this.kinds, this.from, this.to, this.v, this.tail, same)) return false;
    const { kinds, from, to } = this;
    if (kinds[this.t] !== JsonKind.String || kinds[this.m] !== JsonKind.String || kinds[this.s] !== JsonKind.Number) return false;
    if (to[this.t]! === from[this.t]! || to[this.m]! === from[this.m]!) return false;
    let trial = same[this.t];
    if (trial === undefined) {
      trial = sink.intern(s.slice(from[this.t]!, to[this.t]!));
      if (!sink.knows(trial)) return false;
    }
    const step = parseDecimal(s, from[this.s]!, to[this.s]!) ?? Number(s.slice(from[this.s]!, to[this.s]!));
    if (!Number.isFinite(step)) return false;
    const kv = kinds[this.v];
    let value: number | undefined;
    if (kv === JsonKind.Number) value = parseDecimal(s, from[this.v]!, to[this.v]!) ?? Number(s.slice(from[this.v]!, to[this.v]!));
    else if (kv === JsonKind.String || kv === JsonKind.NonFinite) value = parseNumber(s.slice(from[this.v]!, to[this.v]!));
    // ±Infinity: a JSON number beyond a double (1e400) or a bare Infinity; the general path warns about the first.
    if (value === undefined || value === Infinity || value === -Infinity) return false;
    const metric = same[this.m] ?? sink.intern(s.slice(from[this.m]!, to[this.m]!));
    // Remember both (checked strings) so the next line's identical values are not scanned.
    same[this.t] = trial;
    same[this.m] = metric;
    if (kv === JsonKind.Number) {
      const stepFirst = from[this.s]! < from[this.v]!;
      const [f1, t1, f2, t2] = stepFirst ? [from[this.s]!, to[this.s]!, from[this.v]!, to[this.v]!] : [from[this.v]!, to[this.v]!, from[this.s]!, to[this.s]!];
      rememberTemplate(this.templates, { a: s.slice(start, f1), b: s.slice(t1, f2), c: s.slice(t2, end), stepFirst, trial, metric, compiled: undefined });
    }
    sink.push(trial, step, metric, value, n);
    return true;
  }
}

/** `b[p, p + x.length)` equals the bytes `x`. */
const bytesAt = (b: Uint8Array, p: number, x: Uint8Array): boolean => {
  for (let k = 0; k < x.length; k++) if (b[p + k] !== x[k]) return false;
  return true;
};

/**
 * Bytes to compare four at a time: `words[r]` holds `bytes[r ..]` as 32-bit words, so that at a
 * position p of a 4-aligned buffer the r = (-p) mod 4 leading bytes are compared one by one and
 * the rest word by word against aligned words of the buffer.
 */
interface Pattern {
  bytes: Uint8Array;
  words: Int32Array[];
}

const pattern = (bytes: Uint8Array): Pattern => ({
  bytes,
  words: [0, 1, 2, 3].map((r) => {
    const n = Math.max(0, (bytes.length - r) >> 2);
    const w = new Int32Array(n);
    new Uint8Array(w.buffer).set(bytes.subarray(r, r + 4 * n));
    return w;
  }),
});

/** {@link bytesAt} for a {@link Pattern}, with `b32` the Int32Array over b's (4-aligned) memory. */
const patternAt = (b: Uint8Array, b32: Int32Array, p: number, x: Pattern): boolean => {
  const bytes = x.bytes;
  const L = bytes.length;
  if (L < 12) return bytesAt(b, p, bytes);
  const r = -p & 3;
  for (let k = 0; k < r; k++) if (b[p + k] !== bytes[k]) return false;
  const w = x.words[r]!;
  const base = (p + r) >> 2;
  for (let k = 0; k < w.length; k++) if (b32[base + k] !== w[k]) return false;
  for (let k = r + 4 * w.length; k < L; k++) if (b[p + k] !== bytes[k]) return false;
  return true;
};

/** A template as byte patterns, with the column codes of its trial and metric. */
interface ByteTemplate {
  a: Pattern;
  b: Pattern;
  c: Pattern;
  trial: number;
  metric: number;
}

/**
 * The JSONL fast path over bytes: a line made of the same bytes as one of the string scanner's
 * templates (./scan.ts {@link LineTemplate}: the text around the step and value numbers of a line
 * it checked in full) around two valid JSON numbers is read straight into the columns; the
 * templates themselves are learned by {@link JsonLineScanner}, which sees every line this one
 * does not take. Identical bytes are identical text, so it takes exactly the lines that the
 * string scanner's template loop would take, with the same numbers.
 *
 * @example
 * const bytes = new JsonByteScanner(sink, scanner);
 * const next = bytes.run(buf, 0, buf.length, 0); // bytes.read lines read
 */
export class JsonByteScanner implements ByteLineScanner {
  read = 0;
  private readonly batch: RowBatch;

  constructor(
    private readonly sink: FastSink,
    private readonly scanner: JsonLineScanner,
  ) {
    this.batch = new RowBatch(sink);
  }

  private bytesOf(g: LineTemplate): ByteTemplate {
    const t = g.compiled as ByteTemplate | undefined;
    if (t !== undefined) return t;
    const made: ByteTemplate = { a: pattern(Buffer.from(g.a)), b: pattern(Buffer.from(g.b)), c: pattern(Buffer.from(g.c)), trial: this.sink.trialCode(g.trial), metric: this.sink.metricCode(g.metric) };
    g.compiled = made;
    return made;
  }

  run(b: Buffer, start: number, limit: number, line: number): number {
    const templates = this.scanner.templates;
    const batch = this.batch;
    // Word compares need a 4-aligned view (the chunk reader's buffers start their own memory).
    const b32 = (b.byteOffset & 3) === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >> 2) : undefined;
    const at = (p: number, x: Pattern): boolean => (b32 === undefined ? bytesAt(b, p, x.bytes) : patternAt(b, b32, p, x));
    let p = start;
    let read = 0;
    batch.begin(line + 1);
    lines: for (;;) {
      const nl = b.indexOf(10, p);
      if (nl < 0 || nl >= limit) break;
      const end = nl > p && b[nl - 1] === 13 ? nl - 1 : nl;
      for (let k = 0; k < templates.length; k++) {
        const g = this.bytesOf(templates[k]!);
        const q0 = p + g.a.bytes.length;
        if (q0 > end || !at(p, g.a)) continue;
        const e1 = scanNumberBytes(b, q0, end);
        if (e1 < 0) continue;
        const q = e1 + g.b.bytes.length;
        if (q > end || !at(e1, g.b)) continue;
        const e2 = scanNumberBytes(b, q, end);
        if (e2 < 0 || end - e2 !== g.c.bytes.length || !at(e2, g.c)) continue;
        const n1 = parseDecimalBytes(b, q0, e1) ?? Number(text(b, q0, e1));
        const n2 = parseDecimalBytes(b, q, e2) ?? Number(text(b, q, e2));
        const stepFirst = templates[k]!.stepFirst;
        const step = stepFirst ? n1 : n2;
        const value = stepFirst ? n2 : n1;
        // The string scanner gives such a line to its full check (and the general path its warning).
        if (!Number.isFinite(step) || value === Infinity || value === -Infinity) break lines;
        batch.add(g.trial, g.metric, step, value);
        read++;
        p = nl + 1;
        continue lines;
      }
      break;
    }
    batch.flush();
    this.read = read;
    return p;
  }
}
