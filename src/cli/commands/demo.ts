import { mkdirSync } from "node:fs";
import { checkOutputPath } from "../options.js";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { escapeTerminal, escapeTerminalBlock } from "../../core/terminal.js";

/** The demo study config shipped with the package. */
const DEMO_CONFIG = fileURLToPath(new URL("../../../examples/studies/demo.yaml", import.meta.url));

export function register(program: Command): void {
  program
    .command("demo")
    .description("the whole workflow on a small real MNIST study: run it (tfjs, embedded backend), review it, write the report and PNG figures")
    .option("--out <dir>", "output folder", "demo-output")
    .option("--config <file>", "study config to run instead of the bundled demo")
    .action(async (opts: { out: string; config?: string }) => {
      const out = resolve(opts.out);
      checkOutputPath("out-dir", opts.out); // its parent must exist; the folder itself is made here
      mkdirSync(out, { recursive: true });
      // Trial ids, finding messages and paths come from the study: printed escaped.
      const say = (s: string) => process.stdout.write(`${escapeTerminalBlock(s)}\n`);
      const { loadStudyConfig } = await import("../../runner/config.js");
      const { runStudy } = await import("../../runner/run.js");
      const { terminalProgress } = await import("../../runner/progress.js");
      const { loadStudy } = await import("../../study/load.js");
      const { review } = await import("../../analysis/review.js");
      const { writeReport } = await import("../../report/report.js");
      const configPath = opts.config ?? DEMO_CONFIG;
      const config = loadStudyConfig(configPath);
      const studyDir = join(out, "study");
      say(`1/4 running ${config.trials} trials of "${config.name}" (${config.trainer.type}) into ${relative(process.cwd(), studyDir) || "."}`);
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once("SIGINT", stop);
      const summary = await runStudy(config, { dir: studyDir, resume: true, signal: ac.signal, onProgress: terminalProgress(), command: `tunebook demo --out ${opts.out}` });
      process.off("SIGINT", stop);
      if (summary.interrupted) {
        say("interrupted: run `npm run demo` again to finish (completed trials are kept)");
        process.exitCode = 130;
        return;
      }
      say(`2/4 reviewing the study`);
      const study = await loadStudy(studyDir);
      const reviewed = review(study);
      for (const f of reviewed.findings) say(`  ${f.severity.padEnd(5)} ${f.code}: ${f.message}`);
      say(`3/4 writing the report`);
      const reportPath = join(out, "report.html");
      await writeReport(study, { out: reportPath, config: relative(out, configPath), notes: config.notes, command: "npm run demo", reviewed });
      say(`4/4 writing PNG figures`);
      const figures = await writeFigures(study, join(out, "figures"));
      say("");
      say(`report:  ${relative(process.cwd(), reportPath)}  (open it in a browser; it works offline)`);
      if (figures.length) say(`figures: ${relative(process.cwd(), join(out, "figures"))}/ (${figures.length} PNG files)`);
      say(`study:   ${relative(process.cwd(), studyDir)}  (tunebook load / review / report read it)`);
    });
}

/** PNG figures of the demo study, when Chromium is installed. */
async function writeFigures(study: import("../../study/study.js").Study, dir: string): Promise<string[]> {
  const { FigureExporter, findChromium } = await import("../../plots/export.js");
  if (!findChromium()) {
    process.stdout.write("  (skipped: PNG export needs Debian's chromium: apt-get install -y chromium)\n");
    return [];
  }
  const plots = (await import("../../plots/index.js")) as unknown as { FIGURES?: Record<string, { build(s: unknown, o?: unknown): unknown }> };
  const kinds = ["axis", "isolation", "boundaries", "infeasible", "bootstrap", "curves", "checkpoints", "clipping", "lr-sweep", "importance"];
  const exporter = new FigureExporter();
  const written: string[] = [];
  mkdirSync(dir, { recursive: true });
  try {
    for (const kind of kinds) {
      const entry = plots.FIGURES?.[kind];
      if (!entry) continue;
      try {
        const fig = await entry.build(study, {});
        const file = join(dir, `${kind}.png`);
        await exporter.write(fig as never, file, { width: 1000, height: 600 });
        written.push(file);
      } catch (e) {
        process.stdout.write(`  ${kind}: skipped (${escapeTerminal((e as Error).message)})\n`);
      }
    }
  } finally {
    await exporter.close();
  }
  return written;
}

