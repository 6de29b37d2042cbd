/**
 * Follow a study that is still being written (an Optuna storage, a `tunebook run` folder, a log
 * that grows): reload it every few seconds and yield it whenever it changed. Each load is one
 * consistent snapshot (see the loaders); the watch ends when the study has had no running trial
 * at two loads in a row (one quiet poll can fall between two trials of a running optimizer), or
 * when `signal` is aborted.
 */
import { loadStudy, type LoadOptions } from "./load.js";
import type { Study } from "./study.js";
import { summarizeStudy } from "./summary.js";
import { stringifyJson } from "../util/fs.js";

export interface WatchOptions {
  /** Seconds between loads. */
  seconds: number;
  signal?: AbortSignal;
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
  let quiet = 0;
  while (!watch.signal?.aborted) {
    const study = await loadStudy(path, options);
    // What a person watching sees: the summary (counts, best, steps); unchanged summaries are not repeated.
    const key = stringifyJson(summarizeStudy(study));
    if (key !== last) {
      last = key;
      yield study;
    }
    quiet = study.statusCounts().running === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, watch.seconds * 1000);
      watch.signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}
