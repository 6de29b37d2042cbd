/**
 * Decoding text files, strictly. Every text loader reads bytes through here, so that no loader
 * ever turns bytes it cannot decode into U+FFFD (which merged `run-é` and `run-è` of a Latin-1
 * file into one trial `run-�`).
 *
 * - Default: UTF-8, strict. A UTF-8 byte-order mark is skipped; a UTF-16 byte-order mark switches
 *   to UTF-16 (little or big endian). Invalid UTF-8 is an error naming file, line and byte offset.
 * - `encoding: "latin1"` (ISO-8859-1: every byte is a character) or `"utf-16"` (`"utf-16le"`,
 *   `"utf-16be"`) read other files; the CLI's `--encoding` sets it.
 *
 * Paths that are not regular files get a message, not a bare EISDIR or a hang: a folder, a FIFO
 * or a device (`/dev/full`, perhaps behind a symlink) where a file is expected is an error naming
 * it. A FIFO or stdin given as the path to load is copied once by `loadStudy` (see ../load.ts)
 * and read from the copy.
 */
import { isUtf8 } from "node:buffer";
import { type Stats, closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { TunebookError } from "../types.js";

/** Text encodings the loaders read. */
export const ENCODINGS = ["utf-8", "latin1", "utf-16", "utf-16le", "utf-16be"] as const;
export type TextEncoding = (typeof ENCODINGS)[number];

const ALIASES: Record<string, TextEncoding> = Object.assign(Object.create(null) as Record<string, TextEncoding>, {
  "utf-8": "utf-8",
  utf8: "utf-8",
  latin1: "latin1",
  "latin-1": "latin1",
  "iso-8859-1": "latin1",
  iso88591: "latin1",
  "utf-16": "utf-16",
  utf16: "utf-16",
  "utf-16le": "utf-16le",
  utf16le: "utf-16le",
  "utf-16be": "utf-16be",
  utf16be: "utf-16be",
});

/**
 * The encoding a user named (`--encoding`), in any of its usual spellings; a clear error otherwise.
 *
 * @example
 * parseEncoding("ISO-8859-1"); // "latin1"
 * parseEncoding("utf16"); // "utf-16"
 */
export function parseEncoding(name: string): TextEncoding {
  const e = ALIASES[name.trim().toLowerCase()];
  if (!e) throw new TunebookError(`unknown encoding "${name}" (known: utf-8, latin1, utf-16, utf-16le, utf-16be)`);
  return e;
}

/** What decoding a file's bytes uses once its start (byte-order mark) is seen. */
export interface Decoding {
  encoding: "utf-8" | "latin1" | "utf-16le" | "utf-16be";
  /** Bytes of the byte-order mark at the start of the file (skipped). */
  bom: number;
}

/**
 * The decoding for a file that starts with `head`, given the encoding the user asked for (or none).
 *
 * @example
 * decodingFor(Buffer.from([0xff, 0xfe, 0x61, 0x00])); // { encoding: "utf-16le", bom: 2 }
 * decodingFor(Buffer.from("a,b\n")); // { encoding: "utf-8", bom: 0 }
 */
export function decodingFor(head: Uint8Array, asked?: TextEncoding): Decoding {
  const utf8Bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const le = head[0] === 0xff && head[1] === 0xfe;
  const be = head[0] === 0xfe && head[1] === 0xff;
  if (asked === "latin1") return { encoding: "latin1", bom: 0 };
  if (asked === "utf-16le") return { encoding: "utf-16le", bom: le ? 2 : 0 };
  if (asked === "utf-16be") return { encoding: "utf-16be", bom: be ? 2 : 0 };
  if (asked === "utf-16") return be ? { encoding: "utf-16be", bom: 2 } : { encoding: "utf-16le", bom: le ? 2 : 0 };
  if (asked === "utf-8") return { encoding: "utf-8", bom: utf8Bom ? 3 : 0 };
  if (le) return { encoding: "utf-16le", bom: 2 };
  if (be) return { encoding: "utf-16be", bom: 2 };
  return { encoding: "utf-8", bom: utf8Bom ? 3 : 0 };
}

/** The WHATWG TextDecoder label of a decoding (for sniffing a head; reading uses ChunkDecoder). */
export function textDecoderLabel(d: Decoding): string {
  return d.encoding === "latin1" ? "latin1" : d.encoding;
}

/**
 * Offset of the first byte of `buf[start, end)` that is not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF included), or -1. Only used to explain an error:
 * the check itself is `buffer.isUtf8`.
 *
 * @example
 * firstInvalidUtf8(Buffer.from([0x61, 0xe9, 0x62])); // 1
 */
export function firstInvalidUtf8(buf: Uint8Array, start = 0, end = buf.length): number {
  let i = start;
  while (i < end) {
    const c = buf[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) (n = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 3), (min = 0x10000);
    else return i;
    if (i + n >= end) return i; // cut at the end
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = buf[i + k]!;
      if ((d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** 1-based line of byte `offset` of a file (counts newline bytes before it; error path only). */
function lineAtByte(path: string, offset: number, prefix?: Uint8Array): number {
  let lines = 1;
  if (prefix) {
    for (let i = 0; i < offset && i < prefix.length; i++) if (prefix[i] === 10) lines++;
    return lines;
  }
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    while (pos < offset) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
      pos += n;
    }
  } catch {
    /* the error names the byte offset anyway */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return lines;
}

/** The error for invalid UTF-8 at byte `offset` of `file` (line found by counting newlines). */
export function invalidUtf8Error(file: string, offset: number, bytes: Uint8Array, whole?: Uint8Array): TunebookError {
  const shown = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const line = lineAtByte(file, offset, whole);
  return new TunebookError(
    `not valid UTF-8 at byte offset ${offset} (bytes ${shown}); if the file is in another encoding, pass --encoding latin1 or --encoding utf-16`,
    file,
    line,
  );
}

/**
 * Decodes a file chunk by chunk, strictly. `decode(buf, from, to, fileOffset)` turns the bytes
 * `buf[from, to)`, which start at byte `fileOffset` of the file and end on a line end, into text.
 *
 * @example
 * const d = new ChunkDecoder("runs.csv", decodingFor(head));
 * const text = d.decode(buf, 0, n, 0);
 */
export class ChunkDecoder {
  private readonly utf16?: TextDecoder;

  constructor(
    readonly file: string,
    readonly decoding: Decoding,
  ) {
    if (decoding.encoding === "utf-16le" || decoding.encoding === "utf-16be") this.utf16 = new TextDecoder(decoding.encoding, { fatal: true, ignoreBOM: true });
  }

  /** Throw as {@link ChunkDecoder.decode} would for invalid UTF-8 in `buf[from, to)`, without decoding (UTF-8 only). */
  check(buf: Buffer, from: number, to: number, fileOffset: number): void {
    if (this.decoding.encoding !== "utf-8") return;
    const skip = fileOffset < this.decoding.bom ? Math.min(this.decoding.bom - fileOffset, to - from) : 0;
    const part = buf.subarray(from + skip, to);
    if (!isUtf8(part)) {
      const bad = firstInvalidUtf8(part);
      const at = bad < 0 ? 0 : bad;
      throw invalidUtf8Error(this.file, fileOffset + skip + at, part.subarray(at));
    }
  }

  decode(buf: Buffer, from: number, to: number, fileOffset: number): string {
    let skip = 0;
    if (fileOffset < this.decoding.bom) skip = Math.min(this.decoding.bom - fileOffset, to - from);
    const a = from + skip;
    switch (this.decoding.encoding) {
      case "utf-8": {
        const part = buf.subarray(a, to);
        if (!isUtf8(part)) {
          const bad = firstInvalidUtf8(part);
          const at = bad < 0 ? 0 : bad;
          throw invalidUtf8Error(this.file, fileOffset + skip + at, part.subarray(at));
        }
        return buf.toString("utf8", a, to);
      }
      case "latin1":
        return buf.toString("latin1", a, to);
      default:
        try {
          return this.utf16!.decode(buf.subarray(a, to), { stream: true });
        } catch {
          throw new TunebookError(`not valid ${this.decoding.encoding.toUpperCase()} near byte offset ${fileOffset + skip} (an unpaired surrogate)`, this.file);
        }
    }
  }

  /**
   * End (exclusive) of the last complete line in `buf[0, len)`, or -1: the byte after the last
   * newline, which in UTF-16 is a 2-byte unit at an even offset of the file.
   */
  lineEnd(buf: Buffer, len: number, fileOffset: number): number {
    if (this.utf16 === undefined) {
      const nl = buf.lastIndexOf(10, len - 1);
      return nl < 0 ? -1 : nl + 1;
    }
    const le = this.decoding.encoding === "utf-16le";
    // Units start at even file offsets; fileOffset of buf[0] is even whenever we call this.
    let i = (len & ~1) - 2;
    if ((fileOffset & 1) === 1) i--;
    for (; i >= 0; i -= 2) {
      if (le ? buf[i] === 10 && buf[i + 1] === 0 : buf[i] === 0 && buf[i + 1] === 10) return i + 2;
    }
    return -1;
  }
}

/** What a path that is not a regular file is, in words (for the message that refuses it). */
function nonRegularKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "something that is not a regular file";
}

/**
 * Refuse a path that is not a regular file. Reading a FIFO blocks until a writer comes, and a
 * device such as `/dev/zero` or `/dev/full` (perhaps behind a symlink) never ends: a loader that
 * opened one would hang. (`loadStudy` copies a FIFO or stdin given as the path to load into a
 * temporary file first, so only files inside a folder, or a loader called directly, meet this.)
 */
function refuseNonRegular(st: Stats, path: string): void {
  if (st.isDirectory()) throw new TunebookError(`expected a file, found a folder`, path);
  const kind = nonRegularKind(st);
  if (kind) throw new TunebookError(`expected a regular file, found ${kind} (reading it could block or never end)`, path);
}

function statError(err: unknown, path: string): TunebookError {
  const code = (err as NodeJS.ErrnoException).code;
  return new TunebookError(code === "EACCES" ? "permission denied" : code === "ENOENT" ? "no such file" : `cannot read file (${code ?? (err as Error).message})`, path);
}

/** Reject what cannot be read as a text file (missing, a folder, a FIFO or device), with a message naming it. */
export async function checkReadable(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw statError(err, path);
  }
  refuseNonRegular(st, path);
}

/**
 * The bytes of a regular file, read synchronously; a folder, FIFO or device is refused with a
 * message naming it (see {@link checkReadable}), never opened.
 *
 * @example
 * const bytes = readRegularFileSync("trials/000001.json");
 */
export function readRegularFileSync(path: string): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw statError(err, path);
  }
  refuseNonRegular(st, path);
  return readFileSync(path);
}

/**
 * A whole text file, decoded strictly (see the module comment). For small files (manifests,
 * `hparams.json`, configs); big logs stream through ./text.ts.
 *
 * @example
 * const text = await readText("trial_1/hparams.json");
 */
export async function readText(path: string, encoding?: TextEncoding): Promise<string> {
  await checkReadable(path);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new TunebookError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  return decodeText(buf, path, encoding);
}

/**
 * Bytes of a whole file as text, decoded strictly.
 *
 * @example
 * decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), "x.csv", "latin1"); // "café"
 */
export function decodeText(buf: Buffer, file: string, encoding?: TextEncoding): string {
  const d = decodingFor(buf, encoding);
  if (d.encoding === "utf-8") {
    const part = buf.subarray(d.bom);
    if (!isUtf8(part)) {
      const at = Math.max(0, firstInvalidUtf8(part));
      throw invalidUtf8Error(file, d.bom + at, part.subarray(at), buf);
    }
  }
  return new ChunkDecoder(file, d).decode(buf, 0, buf.length, 0);
}
