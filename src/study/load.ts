/**
 * loadStudy: auto-detect a log format and load it into a Study. The formats are the static list
 * FORMATS in ./formats/index.ts (one module each in ./formats).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import type { Study } from "./study.js";
import { TunebookError, formatLocation } from "./types.js";
import { type TextEncoding, decodingFor, textDecoderLabel } from "./formats/decode.js";
import type { FormatLoader, Probe, ReadOptions } from "./formats/format.js";
import { FORMATS, FORMAT_NAMES, type FormatName } from "./formats/index.js";
import { openFile } from "./formats/text.js";

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

export async function probePath(path: string, encoding?: TextEncoding): Promise<Probe> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TunebookError(code === "EACCES" ? "permission denied" : `no such file or folder`, path);
  }
  if (st.isDirectory()) {
    let entries: string[];
    try {
      entries = (await readdir(path)).sort();
    } catch (err) {
      throw new TunebookError(`cannot list the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
    }
    return { path, isDirectory: true, head: Buffer.alloc(0), entries };
  }
  const fh = await openFile(path);
  try {
    const buf = Buffer.alloc(Math.min(64 * 1024, st.size));
    await fh.read(buf, 0, buf.length, 0);
    // Formats sniff UTF-8 text: give them a UTF-16 (or Latin-1) head converted.
    const d = decodingFor(buf, encoding);
    const head = d.encoding === "utf-8" ? buf : Buffer.from(new TextDecoder(textDecoderLabel(d)).decode(buf.subarray(d.bom)), "utf8");
    return { path, isDirectory: false, head, entries: [] };
  } finally {
    await fh.close();
  }
}

/** `scheme://…` (a database URL) rather than a path; one-letter schemes are Windows drives. */
export function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(path);
}

/** Which format would read `path` (or undefined). A URL is offered to the formats that read URLs. */
export async function detectFormat(path: string, encoding?: TextEncoding): Promise<FormatName | undefined> {
  if (isUrl(path)) {
    let best: FormatLoader<FormatName> | undefined;
    let score = 0;
    for (const f of FORMATS) {
      const s = (f as FormatLoader<FormatName>).detectUrl?.(path) ?? 0;
      if (s > score) {
        score = s;
        best = f;
      }
    }
    return best?.name;
  }
  const probe = await probePath(path, encoding);
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
  if (path === "-" || (await isStream(path))) return loadStream(path, options);
  let name = options.format;
  if (!name) {
    name = await detectFormat(path, options.encoding);
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

/** A FIFO, a pipe or a terminal (`/dev/stdin`): something that can be read only once, in order. */
async function isStream(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    return st.isFIFO() || st.isCharacterDevice() || st.isSocket();
  } catch {
    return false;
  }
}

/**
 * Load from stdin (`-`) or a FIFO: loaders read a file more than once (sniffing, then reading),
 * so the stream is copied once into a private temporary file, loaded from there, and every
 * message names what the user gave (`-` is shown as `<stdin>`).
 */
async function loadStream(path: string, options: LoadOptions): Promise<Study> {
  const label = path === "-" ? "<stdin>" : path;
  const dir = await mkdtemp(join(tmpdir(), "tunebook-stdin-"));
  // Keep the extension so that format detection sees `.csv` / `.jsonl` from a FIFO's name.
  const tmp = join(dir, path === "-" ? "stdin" : basename(path));
  try {
    const input = (path === "-" ? process.stdin : createReadStream(path)) as Readable;
    try {
      await new Promise<void>((resolve, reject) => {
        const out = createWriteStream(tmp, { mode: 0o600 });
        input.on("error", reject);
        out.on("error", reject);
        out.on("finish", () => resolve());
        // A device such as /dev/zero or /dev/full never ends: its first bytes (NUL, which no text
        // log holds outside UTF-16) stop the copy instead of filling the disk.
        input.once("data", (chunk: Buffer) => {
          const utf16 = (chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff);
          if (!utf16 && chunk.includes(0)) {
            input.unpipe(out);
            input.destroy();
            out.destroy();
            reject(new TunebookError(`binary data (NUL bytes), not a text log; stopped reading`, label));
          }
        });
        input.pipe(out);
      });
    } catch (err) {
      if (err instanceof TunebookError) throw err;
      throw new TunebookError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, label);
    }
    if ((await stat(tmp)).size === 0) throw new TunebookError(`empty input: nothing was read from it`, label);
    let study: Study;
    try {
      study = await loadStudy(tmp, options);
    } catch (err) {
      if (err instanceof TunebookError && err.file !== undefined && err.file.startsWith(dir)) {
        const own = err.message.slice(formatLocation({ file: err.file, line: err.line, field: err.field }).length);
        throw new TunebookError(own.split(tmp).join(label), label, err.line, err.field);
      }
      throw err;
    }
    for (const w of study.warnings) if (w.file.startsWith(dir)) w.file = label;
    study.source.path = label;
    return study;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
