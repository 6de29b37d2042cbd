/** The contract every log-format loader implements (one module per format in this folder). */
import type { Study } from "../study.js";
import type { Direction, Objective } from "../types.js";
import type { TextEncoding } from "./decode.js";

/** What a format loader is told (loadStudy's `LoadOptions` adds the choice of format). */
export interface ReadOptions {
  /** Objective metric name (default: the format's own, or the first validation metric found). */
  objective?: string;
  direction?: Direction;
  /** Study name (default: the file or folder name). */
  name?: string;
  /** Which study to read from a storage that holds several (Optuna RDB and journal storages). */
  study?: string;
  /**
   * Text encoding of the files (default: UTF-8, strict, or UTF-16 when the file starts with its
   * byte-order mark). See ./decode.ts.
   */
  encoding?: TextEncoding;
  /** Called with (done, total) for long loads so the CLI / notebook can show progress. */
  onProgress?: (done: number, total: number) => void;
}

/** What a format sees of the path when deciding whether it can read it. */
export interface Probe {
  path: string;
  isDirectory: boolean;
  /** First bytes of the file (empty for directories). */
  head: Buffer;
  /** Entries of the directory (empty for files). */
  entries: string[];
}

export interface FormatLoader<N extends string = string> {
  /** The name users pass as `--format`; the list of names is the static list in ./index.ts. */
  name: N;
  /** Cheap check on the path, its first bytes or its directory entries. Higher wins; 0 = no. */
  detect(probe: Probe): number;
  /** For formats read from a URL (e.g. `postgresql://…`): higher wins; 0 = no. */
  detectUrl?(url: string): number;
  load(path: string, options: ReadOptions): Promise<Study>;
}

/**
 * Declare a format loader; the literal name is kept in the type, so the static list in ./index.ts
 * yields `FormatName`. Adding a format: write its module exporting `defineFormat({...})`, add it
 * to `FORMATS` in ./index.ts. Nothing registers itself on import.
 *
 * @example
 * export const myFormat = defineFormat({ name: "my-format", detect: (p) => (p.path.endsWith(".my") ? 50 : 0), load: loadMy });
 */
export function defineFormat<const N extends string>(loader: FormatLoader<N>): FormatLoader<N> {
  return loader;
}

/** Pick the direction for a metric name when the log does not say: accuracy-like up, else down. */
export function guessDirection(metric: string): Direction {
  return /acc|auc|ssim|bleu|map|f1|precision|recall|score|reward|iou|r2/i.test(metric) && !/loss|error|err_|wer|cer|perplexity/i.test(metric)
    ? "maximize"
    : "minimize";
}

export function objectiveFrom(options: ReadOptions, fallback: Objective): Objective {
  const metric = options.objective ?? fallback.metric;
  const direction = options.direction ?? (options.objective ? guessDirection(metric) : fallback.direction);
  return { metric, direction };
}
