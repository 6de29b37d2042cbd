/** File helpers shared by every writer: atomic writes so readers never see half a file. */
import { closeSync, fsyncSync, openSync, renameSync, writeSync, mkdirSync, rmSync } from "node:fs";
import { dirname, basename, join } from "node:path";

/**
 * Write `data` to `path` atomically: a temporary file in the same folder, fsync, rename.
 * A reader (or a process killed mid-write) sees either the old file or the new one.
 *
 * @example
 * writeFileAtomic("out/study.json", JSON.stringify({ name: "demo" }));
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** JSON with NaN/±Infinity written as strings "NaN"/"Infinity"/"-Infinity" so nothing is lost. */
export function stringifyJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent);
}

/** JSON.stringify replacer: NaN/±Infinity (JSON has none) become "NaN"/"Infinity"/"-Infinity". */
export function jsonReplacer(_k: string, v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  return v;
}
