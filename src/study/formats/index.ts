/**
 * The static list of log formats loadStudy knows, in detection order (on equal detection scores
 * the earlier one wins). `FormatName` is derived from it, so the CLI, the kernel and the types
 * all see the same names without importing anything for its side effects.
 */
import { algoperfFormat } from "./algoperf.js";
import { csvFormat } from "./csv.js";
import { deepcaveFormat } from "./deepcave.js";
import { jsonlFormat } from "./jsonl.js";
import { optunaCsvFormat, optunaJournalFormat } from "./optuna.js";
import { optunaRdbFormat } from "./optunaRdb.js";
import { parquetFormat } from "./parquet.js";
import { mlflowFormat } from "./mlflow.js";
import { tensorboardFormat } from "./tensorboard.js";
import { tunebookFormat } from "./tunebook.js";
import { wandbCsvFormat } from "./wandb.js";

export const FORMATS = [
  tunebookFormat,
  jsonlFormat,
  csvFormat,
  tensorboardFormat,
  algoperfFormat,
  optunaJournalFormat,
  optunaCsvFormat,
  optunaRdbFormat,
  parquetFormat,
  mlflowFormat,
  deepcaveFormat,
  wandbCsvFormat,
] as const;

/** A format name `loadStudy` accepts (`--format` on the command line, `%load --format` in the kernel). */
export type FormatName = (typeof FORMATS)[number]["name"];

/** The names of {@link FORMATS}, in detection order. */
export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map((f) => f.name);
