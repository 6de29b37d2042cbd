/**
 * TensorBoard event files (`events.out.tfevents.*`), as written by TensorFlow, JAX/Flax
 * (`flax.metrics.tensorboard`, used by AlgoPerf) and PyTorch (`SummaryWriter.add_scalar`).
 *
 * A file is a sequence of TFRecords: uint64 length, uint32 masked CRC32C of the length bytes,
 * the data, uint32 masked CRC32C of the data. Each record is an `Event` protobuf; scalars are
 * `Summary.Value`s with either `simple_value` (PyTorch, TF1) or a one-element `tensor` (TF2, Flax).
 * The messages are declared below as .proto text and decoded by protobufjs.
 *
 * Layout accepted by the loader: one event file (one trial), or a folder searched recursively in
 * which every folder holding event files is one trial (id = its path relative to the root, group =
 * its parent's path). A trial folder's `hparams.json` (AlgoPerf) becomes the trial's hyperparameters,
 * and so do the hparams plugin's `session_start_info` summaries (PyTorch `add_hparams`, whose
 * `<run>/<timestamp>/` sub-folder is merged into `<run>`'s trial when `<run>` has event files too;
 * tensorboardX; TF's hparams API); a session_end_info status of
 * FAILURE makes the trial failed. Tags become metric names; an absent step is 0. Keras' per-split
 * sub-folders (`<run>/train`, `<run>/validation`) are one trial whose metrics are prefixed with the
 * split (`validation/epoch_loss`).
 */
import { existsSync } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { checkReadable, firstInvalidUtf8, readText } from "./decode.js";
import { isUtf8 } from "node:buffer";
import { escapeTerminal } from "../../core/terminal.js";
import { readdirSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import CRC32C from "crc-32/crc32c.js";
import protobuf from "protobufjs";
import { StudyBuilder, toHpValue } from "../builder.js";
import type { Study } from "../study.js";
import { type HpValue, type LoadIssue, TunebookError, safeRecord } from "../types.js";
import { defineFormat, guessDirection, objectiveFrom, type ReadOptions, type Probe } from "./format.js";

// Subset of tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto,
// tensor_shape.proto and types.proto: only what scalar summaries need. Unknown fields are skipped.
const EVENT_PROTO = `
syntax = "proto3";
package tensorboard;
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
    bytes meta_graph_def = 9;
  }
}
message Summary {
  message Value {
    string node_name = 7;
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      bytes obsolete_old_style_histogram = 3;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}
message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  int32 data_class = 4;
}
message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
enum DataType {
  DT_INVALID = 0;
  DT_FLOAT = 1;
  DT_DOUBLE = 2;
  DT_INT32 = 3;
  DT_UINT8 = 4;
  DT_INT16 = 5;
  DT_INT8 = 6;
  DT_STRING = 7;
  DT_COMPLEX64 = 8;
  DT_INT64 = 9;
  DT_BOOL = 10;
  DT_BFLOAT16 = 14;
  DT_HALF = 19;
  DT_UINT32 = 22;
  DT_UINT64 = 23;
}
message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13;
  repeated float float_val = 5;
  repeated double double_val = 6;
  repeated int32 int_val = 7;
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10;
  repeated bool bool_val = 11;
  repeated uint32 uint32_val = 16;
  repeated uint64 uint64_val = 17;
}
// tensorboard/plugins/hparams/plugin_data.proto (+ google.protobuf.Value), for hparams written by
// PyTorch's SummaryWriter.add_hparams, tensorboardX and TF's hparams API. Experiment is skipped.
message HParamsPluginData {
  int32 version = 1;
  oneof data {
    bytes experiment = 2;
    SessionStartInfo session_start_info = 3;
    SessionEndInfo session_end_info = 4;
  }
}
message SessionStartInfo {
  map<string, PbValue> hparams = 1;
  string model_uri = 2;
  string monitor_url = 3;
  string group_name = 4;
  double start_time_secs = 5;
}
message SessionEndInfo {
  int32 status = 1;
  double end_time_secs = 2;
}
message PbValue {
  oneof kind {
    int32 null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    bytes struct_value = 5;
    bytes list_value = 6;
  }
}
`;

/** The parsed .proto root (Event, Summary, TensorProto…), exposed so tests can encode events. */
export const tensorboardProto: protobuf.Root = protobuf.parse(EVENT_PROTO, { keepCase: true }).root;
const EventType = tensorboardProto.lookupType("tensorboard.Event");
// The same Event with the tags as bytes. protobufjs refuses a whole record whose string field is
// not valid UTF-8; when a record fails, it is decoded again this way, so that a tag written in
// another encoding (Latin-1 `run-\xe9`) keeps its scalars, with a warning that shows the bytes.
const RawTagEventType = protobuf
  .parse(EVENT_PROTO.replace("string node_name = 7;", "bytes node_name = 7;").replace("string tag = 1;", "bytes tag = 1;"), { keepCase: true })
  .root.lookupType("tensorboard.Event");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A tag whose bytes are not valid UTF-8 as a name: valid runs as they are, each other byte as the
 * four characters `\xNN`. Unlike U+FFFD, this keeps `run-\xe9` and `run-\xe8` apart.
 */
function nameOfBytes(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const bad = firstInvalidUtf8(bytes, i);
    const end = bad < 0 ? bytes.length : bad;
    if (end > i) out += strictUtf8.decode(bytes.subarray(i, end));
    if (bad < 0) break;
    out += `\\x${bytes[bad]!.toString(16).padStart(2, "0")}`;
    i = bad + 1;
  }
  return out;
}
const HParamsType = tensorboardProto.lookupType("tensorboard.HParamsPluginData");

/** DataType enum values used below. */
const DT = { FLOAT: 1, DOUBLE: 2, INT32: 3, UINT8: 4, INT16: 5, INT8: 6, INT64: 9, BOOL: 10, BFLOAT16: 14, HALF: 19, UINT32: 22, UINT64: 23 } as const;

/**
 * TFRecord's masked CRC32C: rotate right by 15 bits and add a constant (unsigned 32-bit).
 *
 * @example
 * maskedCrc32c(new Uint8Array(8)); // checksum stored after a zero length field
 */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/**
 * Frame one record the way TensorFlow's RecordWriter does (used to write test fixtures).
 *
 * @example
 * const bytes = frameRecord(new Uint8Array([1, 2, 3])); // 8 + 4 + 3 + 4 bytes
 */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** One scalar read from an event file. */
export interface ScalarEvent {
  tag: string;
  step: number;
  value: number;
  wallTime?: number;
}

/** Result of reading one event file: its scalars and what was skipped. */
export interface EventFileResult {
  scalars: ScalarEvent[];
  /** Number of valid records read (including non-scalar events). */
  records: number;
  /** Hyperparameters from the hparams plugin's session_start_info, if the file has one. */
  hparams?: Record<string, HpValue>;
  /** The hparams plugin's session_end_info status, if any. */
  sessionStatus?: "success" | "failure" | "running" | "unknown";
  issues: LoadIssue[];
}

/** Reads a file sequentially through a window so large files never sit in memory whole. */
class WindowReader {
  private buf = Buffer.alloc(0);
  private start = 0;
  constructor(
    private readonly fh: import("node:fs/promises").FileHandle,
    readonly size: number,
    private readonly windowSize = 4 * 1024 * 1024,
  ) {}

  /** `n` bytes at `offset` if they are in the current window (no I/O), else undefined. */
  peek(offset: number, n: number): Buffer | undefined {
    if (offset >= this.start && offset + n <= this.start + this.buf.length && offset + n <= this.size)
      return this.buf.subarray(offset - this.start, offset - this.start + n);
    return undefined;
  }

  /** `n` bytes at `offset`, or null when the file ends first. */
  async bytes(offset: number, n: number): Promise<Buffer | null> {
    if (offset + n > this.size) return null;
    if (offset < this.start || offset + n > this.start + this.buf.length) {
      const len = Math.min(Math.max(this.windowSize, n), this.size - offset);
      const b = Buffer.alloc(len);
      const { bytesRead } = await this.fh.read(b, 0, len, offset);
      this.buf = b.subarray(0, bytesRead);
      this.start = offset;
      if (bytesRead < n) return null;
    }
    return this.buf.subarray(offset - this.start, offset - this.start + n);
  }
}

/** Header check: the length field's checksum matches. Returns the length or null. */
function headerLength(h: Buffer): number | null {
  if (h.readUInt32LE(8) !== maskedCrc32c(h.subarray(0, 8))) return null;
  const len = h.readBigUInt64LE(0);
  return len > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(len);
}

/**
 * Iterate over the TFRecords of a file. Corrupt records are reported to `onIssue` with their
 * 0-based record index; reading resumes at the next offset where both the length checksum and the
 * data checksum are valid (a false match needs two 32-bit CRCs to agree by chance).
 */
async function scanRecords(
  path: string,
  onRecord: (index: number, data: Buffer) => void,
  onIssue: (issue: LoadIssue) => void,
): Promise<void> {
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const r = new WindowReader(fh, size);
    let offset = 0;
    let index = 0;
    let resyncFrom = -1; // >= 0 while scanning for the next valid record after corruption
    while (offset < size) {
      // Synchronous while inside the read window; I/O only to move the window.
      const h = r.peek(offset, 12) ?? (await r.bytes(offset, 12));
      if (!h) {
        if (resyncFrom < 0) onIssue({ severity: "warn", file: path, line: index, message: `record ${index}: truncated header (${size - offset} bytes left at offset ${offset}); the file ends mid-record` });
        break;
      }
      const len = headerLength(h);
      if (len === null) {
        if (resyncFrom < 0) {
          onIssue({ severity: "warn", file: path, line: index, message: `record ${index}: length checksum mismatch at offset ${offset} (corrupt data); looking for the next valid record` });
          resyncFrom = offset;
        }
        offset++;
        continue;
      }
      if (offset + 12 + len + 4 > size) {
        if (resyncFrom >= 0) {
          offset++;
          continue;
        }
        onIssue({ severity: "warn", file: path, line: index, message: `record ${index}: length ${len} at offset ${offset} runs past the end of the file (${size} bytes); the file is truncated` });
        break;
      }
      const body = r.peek(offset + 12, len + 4) ?? (await r.bytes(offset + 12, len + 4));
      if (!body) break;
      const data = body.subarray(0, len);
      if (body.readUInt32LE(len) !== maskedCrc32c(data)) {
        if (resyncFrom >= 0) {
          offset++;
          continue;
        }
        onIssue({ severity: "warn", file: path, line: index, message: `record ${index}: data checksum mismatch at offset ${offset} (corrupt record skipped)` });
        // The length was verified, so the next record starts right after this one.
        offset += 12 + len + 4;
        index++;
        continue;
      }
      if (resyncFrom >= 0) {
        index++; // the corrupt stretch counted as one record
        onIssue({ severity: "warn", file: path, line: index, message: `skipped ${offset - resyncFrom} corrupt bytes (offsets ${resyncFrom}..${offset - 1}); resumed at record ${index}` });
        resyncFrom = -1;
      }
      onRecord(index, data);
      offset += 12 + len + 4;
      index++;
    }
    if (resyncFrom >= 0)
      onIssue({ severity: "warn", file: path, line: index, message: `no valid record after offset ${resyncFrom}; ${size - resyncFrom} bytes skipped` });
  } finally {
    await fh.close();
  }
}

/** A 64-bit integer as protobufjs may return it (we ask for plain numbers, but stay safe). */
type LongLike = { toNumber(): number };

interface TensorMsg {
  dtype?: number;
  tensor_shape?: { dim?: Array<{ size?: number | LongLike }> };
  tensor_content?: Uint8Array;
  half_val?: number[];
  float_val?: number[];
  double_val?: number[];
  int_val?: number[];
  int64_val?: Array<number | LongLike>;
  bool_val?: boolean[];
  uint32_val?: number[];
  uint64_val?: Array<number | LongLike>;
}

function longToNumber(v: number | LongLike | undefined): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  return v.toNumber();
}

/** IEEE 754 half (binary16) bits → number. */
function halfToNumber(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function bfloat16ToNumber(bits: number): number {
  const b = Buffer.alloc(4);
  b.writeUInt32LE((bits & 0xffff) << 16 >>> 0);
  return b.readFloatLE(0);
}

/**
 * The single value of a scalar tensor, or a string saying why it is not one.
 *
 * @example
 * tensorScalar({ dtype: 1, float_val: [0.5] }); // 0.5
 */
export function tensorScalar(t: TensorMsg): number | string {
  const dims = t.tensor_shape?.dim ?? [];
  const count = dims.reduce((n, d) => n * longToNumber(d.size), 1);
  if (count !== 1) return `not a scalar (shape [${dims.map((d) => longToNumber(d.size)).join(",")}])`;
  const dtype = t.dtype ?? 0;
  const c = t.tensor_content;
  if (c && c.length > 0) {
    const b = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    const need = (n: number) => (b.length >= n ? true : false);
    switch (dtype) {
      case DT.FLOAT: return need(4) ? b.readFloatLE(0) : "tensor_content too short";
      case DT.DOUBLE: return need(8) ? b.readDoubleLE(0) : "tensor_content too short";
      case DT.INT32: return need(4) ? b.readInt32LE(0) : "tensor_content too short";
      case DT.UINT32: return need(4) ? b.readUInt32LE(0) : "tensor_content too short";
      case DT.INT64: return need(8) ? Number(b.readBigInt64LE(0)) : "tensor_content too short";
      case DT.UINT64: return need(8) ? Number(b.readBigUInt64LE(0)) : "tensor_content too short";
      case DT.INT16: return need(2) ? b.readInt16LE(0) : "tensor_content too short";
      case DT.INT8: return b.readInt8(0);
      case DT.UINT8: return b.readUInt8(0);
      case DT.BOOL: return b.readUInt8(0) ? 1 : 0;
      case DT.HALF: return need(2) ? halfToNumber(b.readUInt16LE(0)) : "tensor_content too short";
      case DT.BFLOAT16: return need(2) ? bfloat16ToNumber(b.readUInt16LE(0)) : "tensor_content too short";
      default: return `unsupported dtype ${dtype}`;
    }
  }
  switch (dtype) {
    case DT.FLOAT: if (t.float_val?.length) return t.float_val[0]!; break;
    case DT.DOUBLE: if (t.double_val?.length) return t.double_val[0]!; break;
    case DT.INT32: case DT.INT16: case DT.INT8: case DT.UINT8: if (t.int_val?.length) return t.int_val[0]!; break;
    case DT.INT64: if (t.int64_val?.length) return longToNumber(t.int64_val[0]); break;
    case DT.UINT32: if (t.uint32_val?.length) return t.uint32_val[0]!; break;
    case DT.UINT64: if (t.uint64_val?.length) return longToNumber(t.uint64_val[0]); break;
    case DT.BOOL: if (t.bool_val?.length) return t.bool_val[0] ? 1 : 0; break;
    case DT.HALF: if (t.half_val?.length) return halfToNumber(t.half_val[0]!); break;
    case DT.BFLOAT16: if (t.half_val?.length) return bfloat16ToNumber(t.half_val[0]!); break;
    default: return `unsupported dtype ${dtype}`;
  }
  return "empty tensor";
}

/**
 * Read every scalar of one event file. Corrupt or truncated records become warnings; the valid
 * records before (and, after a resynchronisation, after) them are kept.
 *
 * @example
 * const { scalars, issues } = await readEventFile("runs/a/events.out.tfevents.1700000000.host");
 * scalars[0]; // { tag: "loss", step: 0, value: 2.3, wallTime: 1700000000.1 }
 */
export async function readEventFile(path: string): Promise<EventFileResult> {
  const scalars: ScalarEvent[] = [];
  const r = await scanEventFile(path, (tag, step, value, wallTime) => scalars.push({ tag, step, value, wallTime }));
  return { scalars, ...r };
}

/**
 * Like {@link readEventFile}, but hands each scalar to `onScalar` instead of collecting them, so a
 * large file streams into a study without an intermediate array.
 *
 * @example
 * let n = 0;
 * await scanEventFile("events.out.tfevents.1", () => n++);
 */
export async function scanEventFile(
  path: string,
  onScalar: (tag: string, step: number, value: number, wallTime: number | undefined) => void,
): Promise<Omit<EventFileResult, "scalars">> {
  const issues: LoadIssue[] = [];
  let records = 0;
  let skippedValues = 0;
  const own = (o: object, k: string) => Object.hasOwn(o, k);
  let hparams: Record<string, HpValue> | undefined;
  let sessionStatus: EventFileResult["sessionStatus"];
  const readHparamsPlugin = (content: Uint8Array | undefined, index: number): void => {
    if (!content?.length) return;
    let d: Record<string, unknown>;
    try {
      d = HParamsType.decode(content) as unknown as Record<string, unknown>;
    } catch (e) {
      issues.push({ severity: "warn", file: path, line: index, message: `record ${index}: hparams plugin data unreadable (${(e as Error).message})` });
      return;
    }
    if (own(d, "session_start_info")) {
      const info = d.session_start_info as { hparams?: Record<string, Record<string, unknown>> };
      hparams ??= safeRecord<HpValue>();
      for (const [k, pv] of Object.entries(info.hparams ?? {})) {
        if (own(pv, "number_value")) hparams[k] = pv.number_value as number;
        else if (own(pv, "string_value")) hparams[k] = toHpValue(pv.string_value);
        else if (own(pv, "bool_value")) hparams[k] = pv.bool_value as boolean;
        else hparams[k] = null;
      }
    } else if (own(d, "session_end_info")) {
      const st = (d.session_end_info as { status?: number }).status ?? 0;
      sessionStatus = st === 1 ? "success" : st === 2 ? "failure" : st === 3 ? "running" : "unknown";
    }
  };
  const badTags = new Set<string>();
  /**
   * A record protobufjs refused: when only its tags are not valid UTF-8, it is decoded with the
   * tags as bytes, each bad byte of a tag written `\xNN` (see {@link nameOfBytes}) and warned about
   * once per tag; undefined when the record is broken in another way.
   */
  const decodeWithRawTags = (data: Buffer, index: number): Record<string, unknown> | undefined => {
    let ev: Record<string, unknown>;
    try {
      ev = RawTagEventType.decode(data) as unknown as Record<string, unknown>;
    } catch {
      return undefined;
    }
    const values = (own(ev, "summary") ? (ev.summary as { value?: Array<Record<string, unknown>> }).value : undefined) ?? [];
    for (const v of values) {
      for (const key of ["tag", "node_name"] as const) {
        if (!own(v, key)) continue;
        const bytes = v[key] as Uint8Array;
        if (isUtf8(bytes)) {
          v[key] = strictUtf8.decode(bytes);
          continue;
        }
        const name = nameOfBytes(bytes);
        v[key] = name;
        if (badTags.has(name)) continue;
        badTags.add(name);
        const hex = [...bytes.subarray(firstInvalidUtf8(bytes), firstInvalidUtf8(bytes) + 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
        issues.push({
          severity: "warn",
          file: path,
          line: index,
          field: name,
          message: `record ${index}: tag "${escapeTerminal(name)}" is not valid UTF-8 (bytes ${hex} at offset ${firstInvalidUtf8(bytes)} of the tag); its scalars are kept under that name, each bad byte written \\xNN`,
        });
      }
    }
    return ev;
  };
  const onRecord = (index: number, data: Buffer): void => {
    // Fields are read straight from the decoded message (no toObject copy); a field that was not
    // on the wire is not an own property (proto3 defaults live on the prototype).
    let ev: Record<string, unknown>;
    try {
      ev = EventType.decode(data) as unknown as Record<string, unknown>;
    } catch (e) {
      const retried = decodeWithRawTags(data, index);
      if (!retried) {
        issues.push({ severity: "warn", file: path, line: index, message: `record ${index}: not a valid Event protobuf (${(e as Error).message})` });
        return;
      }
      ev = retried;
    }
    records++;
    const summary = own(ev, "summary") ? (ev.summary as { value?: Array<Record<string, unknown>> }) : undefined;
    if (!summary?.value?.length) return;
    const step = own(ev, "step") ? longToNumber(ev.step as number | LongLike) : 0; // proto3: an absent step is 0
    const wallTime = own(ev, "wall_time") ? (ev.wall_time as number) : undefined;
    for (const v of summary.value) {
      const plugin = (v.metadata as { plugin_data?: { plugin_name?: string; content?: Uint8Array } } | undefined)?.plugin_data;
      if (plugin?.plugin_name === "hparams") {
        readHparamsPlugin(plugin.content, index);
        continue;
      }
      const tag = typeof v.tag === "string" && v.tag !== "" ? v.tag : typeof v.node_name === "string" ? v.node_name : "";
      let value: number | string;
      if (own(v, "simple_value")) value = v.simple_value as number;
      else if (own(v, "tensor")) value = tensorScalar(v.tensor as TensorMsg);
      else value = "not a scalar";
      if (typeof value === "string" || tag === "") {
        skippedValues++;
        continue;
      }
      onScalar(tag, step, value, wallTime);
    }
  };
  await scanRecords(path, onRecord, (i) => issues.push(i));
  if (skippedValues > 0)
    issues.push({ severity: "warn", file: path, message: `${skippedValues} non-scalar summary values (images, histograms, text…) ignored` });
  return { records, issues, hparams, sessionStatus };
}

const EVENT_FILE = /^events\.out\.tfevents\./;
/** Sub-folders Keras writes per split of one run. */
const SPLIT_DIRS = /^(train|validation|eval|test)$/;
/** Sub-folder name PyTorch's SummaryWriter.add_hparams uses by default: str(time.time()). */
const HPARAMS_SUBRUN = /^\d{9,}(\.\d+)?$/;

/** Does the buffer start with a TFRecord whose length checksum is valid? */
function looksLikeTfRecord(head: Buffer): boolean {
  return head.length >= 12 && headerLength(head) !== null;
}

/** Folders (recursively, up to `maxEntries`) that hold event files, for detection only. */
function findEventDirsSync(root: string, maxDepth = 4, maxEntries = 5000): { dirs: string[]; algoperf: boolean } {
  const dirs: string[] = [];
  let seen = 0;
  let algoperf = false;
  const walk = (d: string, depth: number) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    seen += entries.length;
    const names = entries.map((e) => e.name);
    if (names.some((e) => EVENT_FILE.test(e))) {
      dirs.push(d);
      if (names.includes("eval_measurements.csv") || names.includes("measurements.csv")) algoperf = true;
    }
    if (depth >= maxDepth || seen > maxEntries) return;
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) walk(join(d, e.name), depth + 1);
  };
  walk(root, 0);
  return { dirs, algoperf };
}

/** Every event file under `root`, recursively, sorted (so restarts of one run load in order). */
async function findEventFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (EVENT_FILE.test(e.name)) out.push(p);
    }
  };
  await walk(root);
  return out;
}

/**
 * Default objective from the tags found: a validation/eval loss, else another validation metric,
 * else `loss`, else the first tag.
 */
function defaultObjective(tags: string[]): string | undefined {
  const val = tags.filter((t) => /(^|[/_.])(val|valid|validation|eval|dev)([/_.]|$)/i.test(t));
  return val.find((t) => /loss/i.test(t)) ?? val[0] ?? tags.find((t) => /loss/i.test(t)) ?? tags[0];
}

/** Hyperparameters from an AlgoPerf-style `hparams.json` next to the event file, if any. */
async function readHparams(dir: string, b: StudyBuilder): Promise<Record<string, HpValue> | undefined> {
  const p = join(dir, "hparams.json");
  if (!existsSync(p)) return undefined;
  let text: string;
  try {
    text = await readText(p);
    const obj = JSON.parse(text) as unknown;
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) throw new Error("expected a JSON object");
    const hp = safeRecord<HpValue>();
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) hp[k] = toHpValue(v);
    return hp;
  } catch (e) {
    b.warn({ file: p, message: `hparams.json ignored: ${(e as Error).message}` });
    return undefined;
  }
}

/**
 * Load one TensorBoard event file, or a folder searched recursively (one trial per run folder).
 *
 * @example
 * const study = await loadTensorboard("runs/", { objective: "val/loss" });
 * study.curve(study.trialIds()[0], "val/loss");
 */
export async function loadTensorboard(path: string, options: ReadOptions = {}): Promise<Study> {
  const st = await stat(path);
  const files = st.isDirectory() ? await findEventFiles(path) : [path];
  if (files.length === 0) throw new TunebookError("no TensorBoard event files (events.out.tfevents.*) in this folder", path);
  const root = st.isDirectory() ? path : dirname(path);
  const b = new StudyBuilder(options.name ?? basename(resolve(st.isDirectory() ? path : dirname(path))), { metric: "", direction: "minimize" });
  b.source = { path, format: "tensorboard" };
  const tags = new Set<string>();
  let totalScalars = 0;
  const hpByDir = new Map<string, Record<string, HpValue> | undefined>();
  const filesById = new Map<string, string[]>();
  const eventDirs = new Set(files.map((f) => resolve(dirname(f))));
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    let dir = dirname(f);
    // Keras' TensorBoard callback splits one run into train/ and validation/ sub-folders with the
    // same tags: they are one trial, and the sub-folder name prefixes the metric (validation/epoch_loss).
    let prefix = "";
    if (SPLIT_DIRS.test(basename(dir)) && resolve(dir) !== resolve(root)) {
      prefix = basename(dir) + "/";
      dir = dirname(dir);
    }
    // PyTorch's add_hparams writes into <run>/<time.time()>/: when <run> has its own event files,
    // that sub-folder belongs to the <run> trial (its hyperparameters and final metrics).
    if (HPARAMS_SUBRUN.test(basename(dir)) && eventDirs.has(resolve(dirname(dir))) && resolve(dir) !== resolve(root)) dir = dirname(dir);
    // Trial id: the run folder relative to the root; a single file is named after its run folder,
    // as TensorBoard names runs.
    const rel = relative(root, dir).split(sep).join("/");
    const id = st.isDirectory() ? rel || basename(resolve(dir)) : basename(resolve(dir));
    const group = st.isDirectory() && rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : null;
    if (!hpByDir.has(dir)) hpByDir.set(dir, await readHparams(dir, b));
    // A FIFO or device named like an event file would block the read: refuse it, keep the rest.
    try {
      await checkReadable(f);
    } catch (e) {
      if (!(e instanceof TunebookError) || files.length === 1) throw e;
      b.warn({ file: f, message: `${e.message.slice(f.length + 2)}; file skipped` });
      continue;
    }
    // Scalars go straight into the builder (a file with no valid record adds none).
    let fileScalars = 0;
    const { records, issues, hparams, sessionStatus } = await scanEventFile(f, (tag, step, value) => {
      const metric = prefix + tag;
      tags.add(metric);
      b.measure(id, step, metric, value);
      fileScalars++;
    });
    for (const is of issues) b.warnings.push(is);
    if (records === 0) {
      if (files.length === 1) {
        const why = (issues.find((x) => x.line !== undefined)?.message ?? "the file is empty").replace(/; looking for .*$/, "");
        throw new TunebookError(`not a readable TensorBoard event file (no valid record): ${why}`, f, 0);
      }
      b.warn({ file: f, message: "no valid records; file skipped" });
      continue;
    }
    const list = filesById.get(id) ?? [];
    list.push(basename(f));
    filesById.set(id, list);
    b.trial({ id, hparams: hpByDir.get(dir), group, attrs: { eventFiles: list } });
    // hparams plugin (PyTorch add_hparams, TF hparams API): hyperparameters and the session's end.
    if (hparams) b.trial({ id, hparams });
    if (sessionStatus === "failure") b.trial({ id, status: "failed" });
    else if (sessionStatus === "running") b.trial({ id, status: "running" });
    totalScalars += fileScalars;
    options.onProgress?.(i + 1, files.length);
  }
  if (b.trialCount === 0) throw new TunebookError("no readable TensorBoard event file", path);
  if (totalScalars === 0) b.warn({ file: path, message: "the event files hold no scalar summaries" });
  const metric = defaultObjective([...tags]) ?? "loss";
  b.objective = objectiveFrom(options, { metric, direction: guessDirection(metric) });
  return b.build();
}

export const tensorboardFormat = defineFormat({
  name: "tensorboard",
  detect(probe: Probe): number {
    if (!probe.isDirectory) {
      if (EVENT_FILE.test(basename(probe.path))) return 90;
      return looksLikeTfRecord(probe.head) ? 40 : 0;
    }
    const { dirs, algoperf } = findEventDirsSync(probe.path);
    if (dirs.length === 0) return 0;
    // AlgoPerf trial folders also hold event files; their CSVs carry more (the AlgoPerf loader wins).
    return algoperf ? 20 : 70;
  },
  load: loadTensorboard,
});
