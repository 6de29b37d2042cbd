import type { Command } from "commander";
import { formatStatus, studyStatus } from "../../runner/slurm.js";
import { escapeJsonForTerminal, escapeTerminalBlock } from "../../core/terminal.js";

export function register(program: Command): void {
  program
    .command("status")
    .description("a study folder's trials by status, and what Slurm has pending or running for it")
    .argument("<dir>", "study directory (what `tunebook run --out` wrote)")
    .option("--json", "print {trials, byStatus, pending, running, jobs} as JSON")
    .action((dir: string, opts: { json?: boolean }) => {
      const s = studyStatus(dir);
      if (opts.json) {
        const { trials, byStatus, pending, running, jobs, slurm } = s;
        process.stdout.write(escapeJsonForTerminal(JSON.stringify({ trials, byStatus, pending, running, jobs, slurm }, null, 2)) + "\n");
      } else process.stdout.write(escapeTerminalBlock(formatStatus(s)));
    });
}
