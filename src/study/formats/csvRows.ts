/**
 * Reading CSV records (shared by every CSV format: generic CSV, AlgoPerf, Optuna, W&B): a
 * delimiter sniffer and a streaming row reader that splits plain lines itself and hands quoted
 * parts to csv-parse, decoding strictly (./decode.ts) and reporting bad rows with their lines.
 */
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { looksCutOff } from "../../core/numbers.js";
import { TunebookError } from "../types.js";
import { type Decoding, type TextEncoding, checkReadable, decodingFor, textDecoderLabel } from "./decode.js";
import { type CsvByteLineFn, type CsvLineFn, type IssueLog, byteChunks, forEachTextChunk, readHead, textChunks } from "./text.js";

export type { CsvByteLineFn, CsvLineFn } from "./text.js";

/** Bytes of `s` in the file's encoding (Latin-1 is one byte a character, UTF-16 two). */
function byteLength(s: string, encoding: Decoding["encoding"]): number {
  return encoding === "utf-8" ? Buffer.byteLength(s) : encoding === "latin1" ? s.length : s.length * 2;
}

/**
 * Tab for .tsv files or a first line with more tabs than commas, else comma.
 *
 * @example
 * sniffDelimiter("runs.tsv", Buffer.alloc(0)); // "\t"
 */
export function sniffDelimiter(path: string, head: Buffer): string {
  if (path.toLowerCase().endsWith(".tsv")) return "\t";
  const first = head.toString("utf8").split(/\r?\n/, 1)[0] ?? "";
  const tabs = first.split("\t").length - 1;
  const commas = first.split(",").length - 1;
  return tabs > commas ? "\t" : ",";
}


/**
 * Stream the records of a CSV file: `fn(header, row, line)` for every data row, with the header
 * cleaned (duplicate names dropped with a warning). Ragged rows, rows that repeat the header and
 * rows csv-parse cannot read become warnings in `log`; the rest is passed on.
 *
 * Lines are split on the delimiter directly until the first quote character; from that line on,
 * csv-parse reads the rest of the file (quoted fields, embedded newlines, unclosed quotes).
 * `fastLine(header, delimiter)` may return a {@link CsvLineFn} that takes plain lines without
 * splitting them into fields (the measurement loader parses them straight into its columns).
 *
 * @example
 * const log = new IssueLog("m.csv");
 * await forEachCsvRow("m.csv", log, (header, row, line) => console.log(line, row[0]));
 */
export async function forEachCsvRow(
  path: string,
  log: IssueLog,
  fn: (header: string[], row: string[], line: number) => void,
  onProgress?: (done: number, total: number) => void,
  fastLine?: (header: string[], delimiter: string) => CsvLineFn | undefined,
  encoding?: TextEncoding,
  fastBytes?: (header: string[], delimiter: string) => CsvByteLineFn | undefined,
): Promise<{ header: string[] | undefined; rows: number }> {
  await checkReadable(path);
  const total = (await stat(path)).size;
  const rawHead = await readHead(path, 4096);
  const headText = new TextDecoder(textDecoderLabel(decodingFor(rawHead, encoding))).decode(rawHead);
  const delimiter = sniffDelimiter(path, Buffer.from(headText.replace(/^\uFEFF/, "")));
  let header: string[] | undefined;
  let keep: number[] | undefined; // column indexes kept when the header repeats a name
  let rawHeader: string[] = [];
  let rows = 0;
  const onRecord = (row: string[], line: number): void => {
    if (!header) {
      rawHeader = row;
      const names = row.map((c, i) => c.trim() || `column_${i + 1}`);
      const seen = new Set<string>();
      const idx: number[] = [];
      names.forEach((n, i) => {
        if (seen.has(n)) log.add(line, n, `column "${n}" appears twice in the header; kept the first`, false);
        else {
          seen.add(n);
          idx.push(i);
        }
      });
      header = idx.map((i) => names[i]!);
      if (idx.length !== names.length) keep = idx;
      return;
    }
    if (row.length !== rawHeader.length) {
      let n = row.length;
      while (n > rawHeader.length && row[n - 1] === "") n--; // trailing commas are harmless
      if (n !== rawHeader.length) {
        log.add(line, undefined, `expected ${rawHeader.length} fields as in the header, found ${row.length}; row skipped`);
        return;
      }
    }
    if (row[0] === rawHeader[0] && row.every((c, i) => c === rawHeader[i])) {
      log.add(line, undefined, `the header repeats here; row skipped`);
      return;
    }
    rows++;
    fn(header, keep ? keep.map((i) => row[i]!) : row, line);
  };
  const failed = (err: unknown, lineOffset: number): void => {
    if (err instanceof TunebookError) throw err;
    const e = err as Error & { lines?: number };
    const line = e.lines === undefined ? undefined : e.lines + lineOffset;
    const message = shiftLines(e.message, lineOffset);
    if (rows === 0) throw new TunebookError(`cannot read CSV: ${message}`, path, line);
    log.add(line, undefined, `CSV reading stopped: ${message}; kept the ${rows} rows before`);
  };

  // Plain lines: split on the delimiter. Old Mac files (CR only) go to csv-parse from the start.
  let rest: { byte: number; line: number } | undefined;
  const enc = decodingFor(rawHead, encoding).encoding;
  if (enc === "utf-8" && fastBytes) {
    // The same loop over the file's bytes: lines the byte fast path declines are decoded one by
    // one (the chunk is valid UTF-8, and a newline never splits a character).
    let n = 0;
    let fast: CsvByteLineFn | undefined;
    let reserved = false;
    let dataStart = 0;
    const bom = decodingFor(rawHead, encoding).bom;
    try {
      for await (const c of byteChunks(path, 0, encoding, true)) {
        const b = c.buf;
        if (c.ending === "cr") {
          rest = { byte: 0, line: 0 };
          break;
        }
        let start = c.at < bom ? bom - c.at : 0;
        // A second BOM after the first (as the text path strips one U+FEFF from the first line).
        if (n === 0 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf) start += 3;
        const quote = b.indexOf(34, start);
        const stopAt = quote === -1 ? c.end : quote;
        let stopped = false;
        while (start < c.end) {
          if (fast !== undefined) {
            start = fast.run(b, start, quote === -1 ? c.end : quote, n);
            n += fast.read;
            rows += fast.read;
            if (start >= c.end) break;
          }
          let i = b.indexOf(10, start);
          if (i >= c.end) i = -1;
          const stop = i === -1 ? c.end : i;
          if (quote !== -1 && stopAt < stop) {
            rest = { byte: c.at + start, line: n };
            stopped = true;
            break;
          }
          n++;
          const end = stop > start && b[stop - 1] === 13 ? stop - 1 : stop;
          if (c.final && i === -1 && header !== undefined && cutOff(b.toString("utf8", start, end), delimiter, n, header, log)) break;
          if (end > start) {
            const hadHeader = header !== undefined;
            onRecord(b.toString("utf8", start, end).split(delimiter), n);
            if (!hadHeader && header && !keep) {
              fast = fastBytes(header, delimiter);
              dataStart = c.at + stop + 1;
            }
          }
          start = stop + 1;
        }
        onProgress?.(c.bytesDone, total);
        if (stopped) break;
        if (fast !== undefined && !reserved && rows > 0) {
          // Columns sized once from the file size, at the first chunk's bytes per row (+5 %).
          reserved = true;
          fast.reserve(Math.ceil(((total - c.bytesDone) / Math.max(1, c.bytesDone - dataStart)) * rows * 1.05));
        }
      }
    } catch (err) {
      failed(err, 0);
      rest = undefined;
    }
  } else {
    let n = 0;
    let fast: CsvLineFn | undefined;
    try {
      await forEachTextChunk(path, (s, done, final, ending) => {
        if (ending === "cr") {
          rest = { byte: 0, line: 0 };
          return "stop";
        }
        let start = n === 0 && s.charCodeAt(0) === 0xfeff ? 1 : 0;
        const quote = s.indexOf('"', start);
        while (start < s.length) {
          const i = s.indexOf("\n", start);
          const stop = i === -1 ? s.length : i;
          if (quote !== -1 && quote < stop) {
            rest = { byte: done - byteLength(s.slice(start), enc), line: n };
            return "stop";
          }
          n++;
          const end = stop > start && s.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
          if (final && i === -1 && header !== undefined && cutOff(s.slice(start, end), delimiter, n, header, log)) break;
          if (end > start) {
            if (fast !== undefined && fast(s, start, end, n)) rows++;
            else {
              const hadHeader = header !== undefined;
              onRecord(s.slice(start, end).split(delimiter), n);
              if (!hadHeader && header && !keep && fastLine) fast = fastLine(header, delimiter);
            }
          }
          start = stop + 1;
        }
        onProgress?.(done, total);
        return undefined;
      }, 0, encoding);
    } catch (err) {
      failed(err, 0);
      rest = undefined;
    }
  }
  if (rest) await parseRest(path, rest.byte, rest.line, delimiter, log, onRecord, (err) => failed(err, rest!.line), onProgress, total, encoding);
  onProgress?.(total, total);
  return { header, rows };
}

/**
 * True (and a warning) when `line`, the file's last line with no line end after it, ends in a
 * number cut short (`0.`, `1e-`): a file cut while being written. Read as it stands, `0.` would
 * be 0 and could become the study's best; the row is skipped instead.
 */
function cutOff(text: string, delimiter: string, line: number, header: string[] | undefined, log: IssueLog): boolean {
  const at = text.lastIndexOf(delimiter);
  const last = text.slice(at + 1);
  if (!looksCutOff(last)) return false;
  const fields = text.split(delimiter).length;
  log.add(line, header?.[fields - 1], `the file ends in the middle of a number (${JSON.stringify(last.trim())}, no line end after it): the last row is cut off; row skipped`);
  return true;
}

/** csv-parse's messages count lines from where it started reading; make them file lines. */
function shiftLines(message: string, offset: number): string {
  return offset === 0 ? message : message.replace(/\b(at line|line) (\d+)/g, (_m, w: string, d: string) => `${w} ${Number(d) + offset}`);
}

/** csv-parse over the file from byte `byte` (line `lineOffset` + 1) to its end. */
async function parseRest(
  path: string,
  byte: number,
  lineOffset: number,
  delimiter: string,
  log: IssueLog,
  onRecord: (row: string[], line: number) => void,
  failed: (err: unknown) => void,
  onProgress: ((done: number, total: number) => void) | undefined,
  total: number,
  encoding?: TextEncoding,
): Promise<void> {
  // Text decoded strictly by the shared chunk reader (./decode.ts), not by the stream.
  let bytesRead = 0;
  const input = Readable.from(
    (async function* () {
      let lines = lineOffset;
      for await (const c of textChunks(path, byte, encoding)) {
        bytesRead = c.bytesDone - byte;
        // The file's last line, without a line end: is it cut in the middle of a number?
        if (c.final && !c.text.includes('"') && !/[\r\n]/.test(c.text) && cutOff(c.text, delimiter, lines + 1, undefined, log)) return;
        for (let i = c.text.indexOf("\n"); i !== -1; i = c.text.indexOf("\n", i + 1)) lines++;
        yield c.text;
      }
    })(),
    { objectMode: false },
  );
  // No `info: true`: its per-record snapshot objects cost a third of the time. Records arrive
  // synchronously in the 'data' handler, so `parser.info.lines` is that record's line.
  const parser = parse({
    bom: true,
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  });
  let count = 0;
  let lastProgress = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let stopped = false;
      const fail = (err: unknown): void => {
        if (stopped) return;
        stopped = true;
        input.destroy();
        parser.destroy();
        reject(err);
      };
      parser.on("skip", (err: Error & { lines?: number }) =>
        log.add(err.lines === undefined ? undefined : err.lines + lineOffset, undefined, `unreadable CSV row (${shiftLines(err.message, lineOffset)})`),
      );
      parser.on("data", (row: string[]) => {
        if (stopped) return;
        try {
          onRecord(row, parser.info.lines + lineOffset);
        } catch (err) {
          fail(err);
        }
        if (onProgress && (++count & 0xffff) === 0) {
          const done = byte + bytesRead;
          if (done !== lastProgress) onProgress((lastProgress = done), total);
        }
      });
      parser.on("end", () => resolve());
      parser.on("error", fail);
      input.on("error", fail);
      input.pipe(parser);
    });
  } catch (err) {
    failed(err);
  } finally {
    input.destroy();
  }
}

