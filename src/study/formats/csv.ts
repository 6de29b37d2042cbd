/**
 * CSV loader (csv-parse, streaming): one row per measurement (long or wide) or one row per trial
 * (`hp.<name>` columns, an objective column, optional status), including AlgoPerf's
 * `trials_summary.csv`. See ./records.ts for the shapes and ./algoperf.ts for splitting by workload.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { parse } from "csv-parse";
import { registerFormat } from "../load.js";
import type { Study } from "../study.js";
import { TunebookError } from "../types.js";
import type { FormatLoader, LoadOptions, Probe } from "./format.js";
import { RecordSink } from "./records.js";
import { IssueLog, checkTextFile, looksBinary, readHead, studyNameFrom } from "./text.js";

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
 * @example
 * const log = new IssueLog("m.csv");
 * await forEachCsvRow("m.csv", log, (header, row, line) => console.log(line, row[0]));
 */
export async function forEachCsvRow(
  path: string,
  log: IssueLog,
  fn: (header: string[], row: string[], line: number) => void,
  onProgress?: (done: number, total: number) => void,
): Promise<{ header: string[] | undefined; rows: number }> {
  const total = (await stat(path)).size;
  const delimiter = sniffDelimiter(path, await readHead(path, 4096));
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
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
  let header: string[] | undefined;
  let keep: number[] | undefined; // column indexes kept when the header repeats a name
  let rawHeader: string[] = [];
  let rows = 0;
  let lastProgress = 0;
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
    if (onProgress && (rows & 0xffff) === 0) {
      const done = input.bytesRead;
      if (done !== lastProgress) onProgress((lastProgress = done), total);
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        input.destroy();
        parser.destroy();
        reject(err);
      };
      parser.on("skip", (err: Error & { lines?: number }) => log.add(err.lines, undefined, `unreadable CSV row (${err.message})`));
      parser.on("data", (row: string[]) => {
        if (failed) return;
        try {
          onRecord(row, parser.info.lines);
        } catch (err) {
          fail(err);
        }
      });
      parser.on("end", () => resolve());
      parser.on("error", fail);
      input.on("error", fail);
      input.pipe(parser);
    });
  } catch (err) {
    if (err instanceof TunebookError) throw err;
    const e = err as Error & { lines?: number };
    if (rows === 0) throw new TunebookError(`cannot read CSV: ${e.message}`, path, e.lines);
    log.add(e.lines, undefined, `CSV reading stopped: ${e.message}; kept the ${rows} rows before`);
  } finally {
    input.destroy();
  }
  onProgress?.(total, total);
  return { header, rows };
}

/**
 * Load a CSV file of measurements (long or wide) or of trials (one row each).
 *
 * @example
 * const study = await loadCsv("datasets/algoperf_v05/trials_summary.csv");
 * study.size; // 3700
 */
export async function loadCsv(path: string, options: LoadOptions = {}): Promise<Study> {
  await checkTextFile(path, "CSV");
  const sink = new RecordSink(path, options.name ?? studyNameFrom(path), options);
  const { header, rows } = await forEachCsvRow(path, sink.log, (h, row, line) => sink.add(h, row, line), options.onProgress);
  if (!header) throw new TunebookError(`no header row: expected column names on line 1`, path, 1);
  if (rows === 0 && sink.log.first === undefined) {
    sink.setShape(header); // reports missing required columns first
    throw new TunebookError(`no data rows (only a header)`, path, 2);
  }
  const study = sink.finish();
  study.source.format = "csv";
  return study;
}

/** Generic CSV scores low so that specific CSV formats (Optuna, W&B…) win. */
function detect(p: Probe): number {
  if (p.isDirectory) return 0;
  const lower = p.path.toLowerCase();
  if (lower.endsWith(".csv") || lower.endsWith(".tsv")) return 10;
  const first = p.head.toString("utf8").split(/\r?\n/, 1)[0] ?? "";
  if (!first.trimStart().startsWith("{") && first.includes(",") && !looksBinary(p.head)) return 4;
  return 0;
}

export const csvFormat: FormatLoader = { name: "csv", detect, load: loadCsv };
registerFormat(csvFormat);
