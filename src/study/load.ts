/**
 * loadStudy: auto-detect a log format and load it into a Study.
 * Formats register themselves in FORMATS below (one module each in ./formats).
 */
import { open, readdir, stat } from "node:fs/promises";
import type { Study } from "./study.js";
import { TunebookError } from "./types.js";
import type { FormatLoader, FormatName, LoadOptions, Probe } from "./formats/format.js";

export type { LoadOptions, FormatName } from "./formats/format.js";

const FORMATS: FormatLoader[] = [];

/** Register a format loader (called by each format module at import). */
export function registerFormat(loader: FormatLoader): void {
  const i = FORMATS.findIndex((f) => f.name === loader.name);
  if (i >= 0) FORMATS[i] = loader;
  else FORMATS.push(loader);
}

export function formatNames(): FormatName[] {
  return FORMATS.map((f) => f.name);
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

/** `scheme://…` (a database URL) rather than a path; one-letter schemes are Windows drives. */
export function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(path);
}

/** Which format would read `path` (or undefined). */
export async function detectFormat(path: string): Promise<FormatName | undefined> {
  await import("./formats/index.js");
  if (isUrl(path)) {
    let best: FormatLoader | undefined;
    let score = 0;
    for (const f of FORMATS) {
      const s = f.detectUrl?.(path) ?? 0;
      if (s > score) {
        score = s;
        best = f;
      }
    }
    return best?.name;
  }
  const probe = await probePath(path);
  let best: FormatLoader | undefined;
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
  await import("./formats/index.js");
  let name = options.format;
  if (!name) {
    name = await detectFormat(path);
    if (!name)
      throw new TunebookError(
        `cannot tell the log format; pass --format (one of: ${formatNames().join(", ")})`,
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
