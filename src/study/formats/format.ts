/** The contract every log-format loader implements (one module per format in this folder). */
import type { Study } from "../study.js";
import type { Direction, Objective } from "../types.js";
import type { TextEncoding } from "./decode.js";

export type FormatName =
  | "jsonl"
  | "csv"
  | "algoperf"
  | "tensorboard"
  | "optuna-csv"
  | "optuna-journal"
  | "wandb-csv"
  | "deepcave"
  | "tunebook";

export interface LoadOptions {
  /** Force a format instead of auto-detecting it. */
  format?: FormatName;
  /** Objective metric name (default: the format's own, or the first validation metric found). */
  objective?: string;
  direction?: Direction;
  /** Study name (default: the file or folder name). */
  name?: string;
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

export interface FormatLoader {
  name: FormatName;
  /** Cheap check on the path, its first bytes or its directory entries. Higher wins; 0 = no. */
  detect(probe: Probe): number;
  load(path: string, options: LoadOptions): Promise<Study>;
}

/** Pick the direction for a metric name when the log does not say: accuracy-like up, else down. */
export function guessDirection(metric: string): Direction {
  return /acc|auc|ssim|bleu|map|f1|precision|recall|score|reward|iou|r2/i.test(metric) && !/loss|error|err_|wer|cer|perplexity/i.test(metric)
    ? "maximize"
    : "minimize";
}

export function objectiveFrom(options: LoadOptions, fallback: Objective): Objective {
  const metric = options.objective ?? fallback.metric;
  const direction = options.direction ?? (options.objective ? guessDirection(metric) : fallback.direction);
  return { metric, direction };
}
