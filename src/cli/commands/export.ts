import type { Command } from "commander";
import { resolve } from "node:path";
import { loadStudy, type FormatName } from "../../study/load.js";
import { exportStudyParquet } from "../../study/formats/parquet.js";
import { TunebookError } from "../../study/types.js";
import { parseDirection } from "../options.js";
import { escapeTerminal } from "../../core/terminal.js";

export function register(program: Command): void {
  program
    .command("export")
    .description("write a study in another format: --format parquet writes trials.parquet and measurements.parquet")
    .argument("<path>", "log file, folder or storage URL (anything `tunebook load` reads)")
    .requiredOption("--format <format>", "output format: parquet")
    .option("--out <dir>", "output folder (default: <name>-parquet in the current folder)")
    .option("--from <format>", "input log format (default: detected)")
    .option("--objective <metric>", "objective metric")
    .option("-d, --direction <dir>", "minimize or maximize")
    .option("--study <name>", "which study of a storage that holds several")
    .action(async (path: string, opts: { format: string; out?: string; from?: string; objective?: string; direction?: string; study?: string }) => {
      if (opts.format !== "parquet") throw new TunebookError(`--format must be "parquet", not "${opts.format}"`);
      const study = await loadStudy(path, {
        format: opts.from as FormatName | undefined,
        objective: opts.objective,
        direction: parseDirection(opts.direction),
        study: opts.study,
      });
      const out = opts.out ?? `${study.name.replace(/[^\w.-]+/g, "_")}-parquet`;
      const files = await exportStudyParquet(study, resolve(out));
      process.stdout.write(`wrote ${study.size} trials and ${study.measurementCount} measurements:\n${files.map((f) => "  " + escapeTerminal(f)).join("\n")}\n`);
    });
}
