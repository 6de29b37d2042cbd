/**
 * CSV loader (csv-parse, streaming): one row per measurement (long or wide) or one row per trial
 * (`hp.<name>` columns, an objective column, optional status), including AlgoPerf's
 * `trials_summary.csv` (its columns are planned by ./algoperf.ts). See ./schema.ts for the shapes,
 * ./records.ts for the sink and ./csvRows.ts for reading rows.
 */
import type { Study } from "../study.js";
import { TunebookError } from "../types.js";
import { algoperfSummaryPlan } from "./algoperf.js";
import { forEachCsvRow } from "./csvRows.js";
import { defineFormat, type ReadOptions, type Probe } from "./format.js";
import { RecordSink } from "./records.js";
import { checkTextFile, looksBinary, studyNameFrom } from "./text.js";

export { type CsvLineFn, forEachCsvRow, sniffDelimiter } from "./csvRows.js";

/**
 * Load a CSV file of measurements (long or wide) or of trials (one row each).
 *
 * @example
 * const study = await loadCsv("datasets/algoperf_v05/trials_summary.csv");
 * study.size; // 3700
 */
export async function loadCsv(path: string, options: ReadOptions = {}): Promise<Study> {
  await checkTextFile(path, "CSV", options.encoding);
  const sink = new RecordSink(path, options.name ?? studyNameFrom(path), options, [algoperfSummaryPlan]);
  const { header, rows } = await forEachCsvRow(path, sink.log, (h, row, line) => sink.add(h, row, line), options.onProgress, (h, d) => sink.csvLineFastPath(h, d), options.encoding, (h, d) => sink.csvByteFastPath(h, d));
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

export const csvFormat = defineFormat({ name: "csv", detect, load: loadCsv });
