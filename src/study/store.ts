/**
 * The study directory: what `tunebook run` writes and `tunebook load` reads, at any moment.
 *
 * ```
 * <dir>/study.json             manifest: config, seed, sampler, tunebook version, code revision
 * <dir>/trials/000003.json     one record per trial, rewritten atomically at start and at end
 * <dir>/trials/000003.jsonl    its measurements, one {"step","metric","value"} per line
 * <dir>/logs/000003.log        stderr (and non-JSON stdout) of a command trial
 * ```
 * <dir>/claims/000003.1.json  which runner owns trial 3 right now (see claims.ts)
 * ```
 * A record with status `running` belongs to a trial that was started and not finished: its
 * runner is alive (it holds the trial's claim) or was killed (the claim is stale or gone), and
 * then `--resume` reruns it.
 */
import { appendFileSync, existsSync, linkSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HpValue } from "../core/values.js";
import type { TrialStatus } from "./types.js";
import { TunebookError } from "../core/errors.js";
import { formatLocation } from "../core/locations.js";
import { stringifyJson, writeFileAtomic } from "../util/fs.js";
import { readRegularFileSync } from "./formats/decode.js";

export const MANIFEST = "study.json";
export const MANIFEST_FORMAT = "tunebook-study";

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  name: string;
  objective: { metric: string; direction: "minimize" | "maximize" };
  sampler: string;
  seed: number;
  trials: number;
  /** The study config as given (space resolved inline), so the study can be rerun from here. */
  config: Record<string, unknown>;
  tunebook: string;
  /** git revision of the code the config lives in, when it is a git checkout. */
  code?: string;
  /** The command that reproduces this study. */
  command?: string;
}

export interface TrialRecord {
  index: number;
  id: string;
  status: TrialStatus;
  hparams: Record<string, HpValue>;
  startedAt?: string;
  endedAt?: string;
  wallSeconds?: number;
  /** Why it failed / timed out / ran out of memory. */
  error?: string;
  exitCode?: number | null;
  divergedStep?: number;
  backend?: string;
  attrs?: Record<string, unknown>;
}

export const trialId = (index: number): string => `trial-${String(index).padStart(6, "0")}`;
const stem = (index: number): string => String(index).padStart(6, "0");

export class StudyStore {
  constructor(readonly dir: string) {}

  get manifestPath(): string {
    return join(this.dir, MANIFEST);
  }

  exists(): boolean {
    return existsSync(this.manifestPath);
  }

  readManifest(): Manifest {
    let raw: unknown;
    try {
      raw = JSON.parse(readRegularFileSync(this.manifestPath).toString("utf8"));
    } catch (e) {
      throw new TunebookError(`cannot read the study manifest: ${(e as Error).message}`, this.manifestPath);
    }
    const m = raw as Manifest;
    if (!m || m.format !== MANIFEST_FORMAT) throw new TunebookError(`not a tunebook study manifest (field "format" must be "${MANIFEST_FORMAT}")`, this.manifestPath);
    return m;
  }

  writeManifest(m: Manifest): void {
    mkdirSync(join(this.dir, "trials"), { recursive: true });
    mkdirSync(join(this.dir, "logs"), { recursive: true });
    writeFileAtomic(this.manifestPath, stringifyJson(m, 2) + "\n");
  }

  /**
   * Create the manifest unless one exists, exclusively (two runners starting at once on an empty
   * folder: one writes it, the other reads it). Returns the manifest now in the folder.
   */
  createManifest(m: Manifest): Manifest {
    mkdirSync(join(this.dir, "trials"), { recursive: true });
    mkdirSync(join(this.dir, "logs"), { recursive: true });
    const tmp = join(this.dir, `.study.json.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    writeFileAtomic(tmp, stringifyJson(m, 2) + "\n");
    try {
      linkSync(tmp, this.manifestPath);
      return m;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      return this.readManifest();
    } finally {
      unlinkSync(tmp);
    }
  }

  /** One trial's record as it is on disk now, or undefined (absent or unreadable). */
  readRecord(index: number): TrialRecord | undefined {
    try {
      const r = JSON.parse(readRegularFileSync(this.recordPath(index)).toString("utf8")) as TrialRecord;
      return typeof r.status === "string" ? r : undefined;
    } catch {
      return undefined;
    }
  }

  recordPath(index: number): string {
    return join(this.dir, "trials", `${stem(index)}.json`);
  }

  measurementsPath(index: number): string {
    return join(this.dir, "trials", `${stem(index)}.jsonl`);
  }

  logPath(index: number): string {
    return join(this.dir, "logs", `${stem(index)}.log`);
  }

  writeRecord(r: TrialRecord): void {
    writeFileAtomic(this.recordPath(r.index), stringifyJson(r, 2) + "\n");
  }

  /** Start a trial: fresh measurement and log files, a `running` record. */
  begin(r: TrialRecord): void {
    writeFileSync(this.measurementsPath(r.index), "");
    writeFileSync(this.logPath(r.index), "");
    this.writeRecord(r);
  }

  /** Append measurements (each line whole: a killed run leaves at most one partial last line). */
  appendMeasurements(index: number, rows: Array<{ step: number; metric: string; value: number }>): void {
    if (rows.length === 0) return;
    appendFileSync(this.measurementsPath(index), rows.map((r) => stringifyJson(r)).join("\n") + "\n");
  }

  appendLog(index: number, text: string): void {
    appendFileSync(this.logPath(index), text);
  }

  /** Every trial record present, by index. Unreadable records are reported, not fatal. */
  readRecords(onBad?: (file: string, message: string) => void): Map<number, TrialRecord> {
    const out = new Map<number, TrialRecord>();
    const dir = join(this.dir, "trials");
    if (!existsSync(dir)) return out;
    for (const f of readdirSync(dir).sort()) {
      if (!/^\d+\.json$/.test(f)) continue;
      const file = join(dir, f);
      try {
        const r = JSON.parse(readRegularFileSync(file).toString("utf8")) as TrialRecord;
        if (typeof r.index !== "number" || typeof r.status !== "string") throw new Error('fields "index" and "status" are required');
        out.set(r.index, r);
      } catch (e) {
        // A TunebookError already names the file: pass on only what went wrong.
        onBad?.(file, e instanceof TunebookError ? e.message.slice(formatLocation({ file: e.file, line: e.line, field: e.field }).length) : (e as Error).message);
      }
    }
    return out;
  }
}
