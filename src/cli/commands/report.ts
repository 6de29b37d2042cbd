import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadStudy, type FormatName } from "../../study/load.js";
import { TunebookError } from "../../study/types.js";
import { checkOutputPath, parseEncodingOption, ENCODING_HELP, parseDirection } from "../options.js";
import { escapeTerminal } from "../../core/terminal.js";

export function register(program: Command): void {
  program
    .command("report")
    .description("write one self-contained tuning report (HTML, or Markdown with PNG figures): tracking table, findings with evidence, figures, trials")
    .argument("<path>", "study directory, log file/folder, or a study config (its --out folder is read)")
    .requiredOption("-o, --out <file>", "report file (.html or .md)")
    .option("--format <fmt>", "html or md (default: from --out)")
    .option("-f, --log-format <format>", "log format of <path> (default: detected)")
    .option("--objective <metric>", "objective metric")
    .option("-d, --direction <dir>", "minimize or maximize")
    .option("--notes <text>", "notes for the experiment-tracking table")
    .option("--config <file>", "study config to link in the tracking table")
    .option("--encoding <name>", ENCODING_HELP)
    .option("--timestamp", "add the generation time (off: the same input gives byte-identical output)")
    .action(async (path: string, opts: { out: string; format?: string; logFormat?: string; objective?: string; direction?: string; notes?: string; config?: string; timestamp?: boolean; encoding?: string }) => {
      if (opts.format && opts.format !== "html" && opts.format !== "md") throw new TunebookError(`--format must be html or md, not "${opts.format}"`);
      checkOutputPath("out", opts.out);
      let studyPath = path;
      let config = opts.config;
      if (existsSync(path) && statSync(path).isFile() && /\.(ya?ml|json)$/i.test(path) && !/\.jsonl$/i.test(path)) {
        // A study config: report on its default output folder.
        const { loadStudyConfig } = await import("../../runner/config.js");
        let cfg;
        try {
          cfg = loadStudyConfig(path);
        } catch {
          cfg = undefined;
        }
        if (cfg) {
          studyPath = join("runs", cfg.name.replace(/[^\w.-]+/g, "_"));
          config ??= path;
          if (!existsSync(studyPath)) throw new TunebookError(`this study has not run yet (no ${studyPath}); run: tunebook run ${path}`, path);
        }
      }
      const study = await loadStudy(studyPath, { format: opts.logFormat as FormatName | undefined, objective: opts.objective, direction: parseDirection(opts.direction), encoding: parseEncodingOption(opts.encoding) });
      const { writeReport } = await import("../../report/report.js");
      const written = await writeReport(study, {
        out: opts.out,
        format: opts.format as "html" | "md" | undefined,
        notes: opts.notes,
        config,
        timestamp: opts.timestamp,
        command: reportCommand(path, opts),
      });
      process.stdout.write(`report: ${escapeTerminal(written[0]!)}${written.length > 1 ? ` (+${written.length - 1} figure files)` : ""}\n`);
    });
}

/** A shell word, quoted only when it needs to be (spaces, quotes, shell metacharacters). */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`;
}

/**
 * The command that reproduces this report: every option that was given, in a fixed order.
 *
 * @example
 * reportCommand("logs/run", { out: "r.html", objective: "loss" }); // "tunebook report logs/run --out r.html --objective loss"
 */
export function reportCommand(path: string, opts: { out: string; format?: string; logFormat?: string; objective?: string; direction?: string; notes?: string; config?: string; timestamp?: boolean }): string {
  const words = ["tunebook", "report", path, "--out", opts.out];
  const pairs: Array<[string, string | undefined]> = [
    ["--format", opts.format],
    ["--log-format", opts.logFormat],
    ["--objective", opts.objective],
    ["--direction", opts.direction],
    ["--notes", opts.notes],
    ["--config", opts.config],
  ];
  for (const [flag, v] of pairs) if (v !== undefined) words.push(flag, v);
  if (opts.timestamp) words.push("--timestamp");
  return words.map(shellWord).join(" ");
}
