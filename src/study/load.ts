/**
 * loadStudy: auto-detect a log format and load it into a Study. The formats are the static list
 * FORMATS in ./formats/index.ts (one module each in ./formats).
 */
import { open, readdir, stat } from "node:fs/promises";
import type { Study } from "./study.js";
import { TunebookError } from "./types.js";
import type { FormatLoader, Probe, ReadOptions } from "./formats/format.js";
import { FORMATS, FORMAT_NAMES, type FormatName } from "./formats/index.js";

export { FORMAT_NAMES, type FormatName } from "./formats/index.js";
export type { ReadOptions } from "./formats/format.js";

/** Options of {@link loadStudy}: what every format reads, plus forcing a format. */
export interface LoadOptions extends ReadOptions {
  /** Force a format instead of auto-detecting it. */
  format?: FormatName;
}

/**
 * The format names loadStudy accepts, in detection order.
 *
 * @example
 * formatNames().includes("tensorboard"); // true
 */
export function formatNames(): FormatName[] {
  return [...FORMAT_NAMES];
}

/**
 * Is `name` a format loadStudy knows? (For validating a `--format` given as a string.)
 *
 * @example
 * isFormatName("csv"); // true
 */
export function isFormatName(name: string): name is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(name);
}

export async function probePath(path: string): Promise<Probe> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new TunebookError(`no such file or folder`, path);
  }
  if (st.isDirectory()) {
    const entries = (await readdir(path)).sort();
    return { path, isDirectory: true, head: Buffer.alloc(0), entries };
  }
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(Math.min(64 * 1024, st.size));
    await fh.read(buf, 0, buf.length, 0);
    return { path, isDirectory: false, head: buf, entries: [] };
  } finally {
    await fh.close();
  }
}

/** Which format would read `path` (or undefined). */
export async function detectFormat(path: string): Promise<FormatName | undefined> {
  const probe = await probePath(path);
  let best: FormatLoader<FormatName> | undefined;
  let score = 0;
  for (const f of FORMATS) {
    const s = f.detect(probe);
    if (s > score) {
      score = s;
      best = f;
    }
  }
  return best?.name;
}

/**
 * Load trial logs from a file or folder into a Study.
 *
 * @example
 * import { loadStudy } from "tunebook";
 * const study = await loadStudy("datasets/algoperf_v05/trials_summary.csv");
 * console.log(study.size, study.statusCounts());
 */
export async function loadStudy(path: string, options: LoadOptions = {}): Promise<Study> {
  let name = options.format;
  if (!name) {
    name = await detectFormat(path);
    if (!name)
      throw new TunebookError(
        `cannot tell the log format; pass --log-format (one of: ${formatNames().join(", ")})`,
        path,
      );
  }
  const loader = FORMATS.find((f) => f.name === name);
  if (!loader) throw new TunebookError(`unknown format "${name}" (known: ${formatNames().join(", ")})`, path);
  const study = await loader.load(path, options);
  study.source.path ??= path;
  study.source.format ??= loader.name;
  return study;
}
