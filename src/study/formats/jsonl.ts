/**
 * JSONL loader: one JSON object per line, either one measurement per line
 * (`{trial, step, metric, value}` or wide `{trial, step, "train/loss": …}`) or one trial per line
 * (`{trial, hp.lr, objective, status}`). See ./records.ts for the shapes.
 * Streams the file in large chunks; bare NaN/Infinity (Python's json.dumps) are values. Lines shaped
 * like the first one are scanned in place (./scan.ts); the rest go through JSON.parse.
 */
import type { Study } from "../study.js";
import { TunebookError } from "../types.js";
import { defineFormat, type ReadOptions, type Probe } from "./format.js";
import { RecordSink } from "./records.js";
import { checkTextFile, endsMidLine, forEachLineBytes, forEachLineSpan, parseJsonLine, studyNameFrom } from "./text.js";

/**
 * Load a JSONL file of measurements or trials.
 *
 * @example
 * const study = await loadJsonl("runs.jsonl", { onProgress: (d, t) => console.log(d / t) });
 */
export async function loadJsonl(path: string, options: ReadOptions = {}): Promise<Study> {
  await checkTextFile(path, "JSONL", options.encoding);
  const sink = new RecordSink(path, options.name ?? studyNameFrom(path), options);
  let lastBad = -1;
  const onLine = (text: string, start: number, end: number, n: number): void => {
    // Most lines of a measurement log take the in-place fast path (no JSON.parse, no object).
    if (sink.jsonLineFastPath(text, start, end, n)) return;
    const line = text.slice(start, end);
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return;
    let obj: unknown;
    try {
      obj = parseJsonLine(line);
    } catch (err) {
      sink.log.add(n, undefined, `not valid JSON (${(err as Error).message})`);
      lastBad = n;
      return;
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      sink.log.add(n, undefined, `expected a JSON object per line, found ${Array.isArray(obj) ? "an array" : typeof obj}`);
      return;
    }
    sink.addObject(obj as Record<string, unknown>, n);
  };
  // UTF-8 files are read as bytes (runs of template lines straight into the columns), others as text.
  const lines =
    (await forEachLineBytes(path, () => sink.jsonByteScanner(), onLine, options.onProgress, options.encoding)) ??
    (await forEachLineSpan(path, onLine, options.onProgress, options.encoding));
  if (lastBad === lines) {
    const issue = sink.log.issues.find((i) => i.line === lines);
    if (issue) {
      issue.message = `last line is truncated or not valid JSON (${issue.message.replace(/^not valid JSON \(|\)$/g, "")})`;
      if (await endsMidLine(path)) issue.openLastLine = true;
    }
  }
  if (sink.shape === undefined && sink.log.first === undefined) throw new TunebookError(`no records: the file has only blank lines`, path);
  const study = sink.finish();
  study.source.format = "jsonl";
  return study;
}

/** Generic JSONL scores low so that specific JSONL formats (Optuna journal…) win. */
function detect(p: Probe): number {
  if (p.isDirectory) return 0;
  const lower = p.path.toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return 10;
  const text = p.head.toString("utf8").replace(/^\uFEFF/, "").trimStart();
  if (text.startsWith("{") && /}\s*\r?\n\s*\{/.test(text)) return 8;
  // A one-record log (`echo '{…}' | tunebook load -`): its only line is one JSON object.
  const first = text.split(/\r\n|\r|\n/, 1)[0] ?? "";
  if (first.startsWith("{") && first.trimEnd().endsWith("}") && text.trim() === first.trim()) {
    try {
      const v: unknown = parseJsonLine(first);
      if (v !== null && typeof v === "object" && !Array.isArray(v)) return 6;
    } catch {
      return 0;
    }
  }
  return 0;
}

export const jsonlFormat = defineFormat({ name: "jsonl", detect, load: loadJsonl });
