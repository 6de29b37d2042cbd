/**
 * Follow a study that is still being written (an Optuna storage, a `tunebook run` folder, a log
 * that grows): reload it every few seconds and yield it whenever it changed. Each load is one
 * consistent snapshot (see the loaders).
 *
 * A log's last line without a newline may be one the writer is still writing: its warning
 * (`openLastLine`) is held back until the line is the same at two loads in a row, and a load that
 * fails on a file ending mid-line is retried once before the error is reported.
 *
 * The watch ends once the study has trials and, for `quietSeconds` (default: two intervals, at
 * least 10 s), none was running, no line was half-written and nothing changed — an optimizer's
 * pause between two trials is far shorter — or when `signal` is aborted. A log that records no
 * running trials therefore ends once it stopped growing for that long.
 */
import { stat } from "node:fs/promises";
import { loadStudy, type LoadOptions } from "./load.js";
import type { Study } from "./study.js";
import { summarizeStudy } from "./summary.js";
import { TunebookError } from "./types.js";
import { endsMidLine } from "./formats/text.js";
import { stringifyJson } from "../util/fs.js";

export interface WatchOptions {
  /** Seconds between loads. */
  seconds: number;
  /** How long the study must stay idle (nothing running, nothing changed) to end the watch; default max(2 × seconds, 10). */
  quietSeconds?: number;
  signal?: AbortSignal;
}

/** Size and modification time of a file: a half-written line that "stays" keeps both. */
async function fingerprint(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file);
    return s.isFile() ? `${s.size}:${s.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Yield the study now and after each change.
 *
 * @example
 * for await (const study of watchStudy("study.db", { study: "mlp-lr" }, { seconds: 5 }))
 *   console.log(study.size, study.statusCounts());
 */
export async function* watchStudy(path: string, options: LoadOptions, watch: WatchOptions): AsyncGenerator<Study> {
  let last = "";
  const quietMs = (watch.quietSeconds ?? Math.max(2 * watch.seconds, 10)) * 1000;
  /** When the study last changed or had a running trial or a half-written line. */
  let active = Date.now();
  /** Half-written last lines seen at the previous load (file, line, fingerprint). */
  let open = new Set<string>();
  /** The error of the previous load, when it failed on a file ending mid-line. */
  let failed: string | undefined;
  const pause = () =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, watch.seconds * 1000);
      function done(): void {
        clearTimeout(t);
        watch.signal?.removeEventListener("abort", done);
        resolve();
      }
      watch.signal?.addEventListener("abort", done, { once: true });
    });
  while (!watch.signal?.aborted) {
    let study: Study;
    try {
      study = await loadStudy(path, options);
      failed = undefined;
    } catch (err) {
      // A file cut mid-line (a writer between two writes) can fail to load; report it if it stays.
      const fp = err instanceof TunebookError && (await fingerprint(path)) !== undefined && (await endsMidLine(path)) ? `${err.message}\u0000${await fingerprint(path)}` : undefined;
      if (fp === undefined || fp === failed) throw err;
      failed = fp;
      await pause();
      continue;
    }
    if (watch.signal?.aborted) return;
    const seen = new Set<string>();
    let pending = false;
    for (let i = study.warnings.length - 1; i >= 0; i--) {
      const w = study.warnings[i]!;
      if (!w.openLastLine) continue;
      const key = `${w.file}\u0000${w.line}\u0000${await fingerprint(w.file)}`;
      seen.add(key);
      if (open.has(key)) continue; // the same line, unchanged since the last load: report it
      study.warnings.splice(i, 1);
      pending = true;
    }
    open = seen;
    // What a person watching sees: the summary (counts, best, steps); unchanged summaries are not repeated.
    const key = stringifyJson(summarizeStudy(study));
    const changed = key !== last;
    if (changed) {
      last = key;
      yield study;
    }
    // A study with no trial yet (created, its optimizer still starting) is not done either.
    if (changed || pending || study.size === 0 || study.statusCounts().running > 0) active = Date.now();
    else if (Date.now() - active >= quietMs) return;
    await pause();
  }
}
