import { type Command, Option } from "commander";
import type { Finding, Severity } from "../../analysis/finding.js";
import { trialValue } from "../../analysis/common.js";
import { type NotChecked, review, type ReviewOptions } from "../../analysis/review.js";
import { loadStudy } from "../../study/load.js";
import { TunebookError } from "../../study/types.js";
import { ENCODING_HELP, loadOptionsOf, parseIntOption, writeOut } from "../options.js";
import { escapeJsonForTerminal, escapeTerminal, escapeTerminalBlock } from "../../core/terminal.js";
import { stringifyJson } from "../../util/fs.js";

export function register(program: Command): void {
  program
    .command("review")
    .description("run every study analysis that applies (infeasible, boundaries, isolation, study and trial variance, importance, curves…) and print the findings, most severe first")
    .argument("<path>", "log file or folder")
    .option("-f, --log-format <format>", "log format of <path> (default: detected)")
    .addOption(new Option("--format <format>", "same as --log-format").hideHelp())
    .option("--objective <metric>", "objective metric")
    .option("-d, --direction <dir>", "minimize or maximize (default: from the log or the metric's name)")
    .option("--scientific <names>", "scientific hyperparameter(s) to compare, comma-separated (default: categorical ones)")
    .option("--by <which>", "per-trial objective: best (default) or final")
    .option("--seed <n>", "seed for the resampling analyses", "0")
    .option("--compare <key=baseline,candidate>", "is the candidate better than the baseline beyond seed noise (Welch t-test on their trials)? e.g. submission=prize_qualification_baseline,nadamp")
    .option("--no-split", "review the trials as one study even when they carry several groups")
    .option("--encoding <name>", ENCODING_HELP)
    .option("--json", "print { findings: [{severity, code, message, evidence}] }")
    .action(async (path: string, opts: { logFormat?: string; format?: string; objective?: string; direction?: string; scientific?: string; by?: string; seed?: string; split?: boolean; compare?: string; json?: boolean; encoding?: string }) => {
      if (opts.by !== undefined && opts.by !== "best" && opts.by !== "final") throw new TunebookError(`--by must be "best" or "final", not "${opts.by}"`);
      let compare: { key: string; baseline: string; candidate: string } | undefined;
      if (opts.compare !== undefined) {
        const m = /^([^=]+)=([^,]+),(.+)$/.exec(opts.compare);
        if (!m) throw new TunebookError(`--compare must look like key=baseline,candidate, not "${opts.compare}"`);
        compare = { key: m[1]!.trim(), baseline: m[2]!.trim(), candidate: m[3]!.trim() };
      }
      const study = await loadStudy(path, loadOptionsOf(opts, true));
      const options: ReviewOptions = { seed: parseIntOption("seed", opts.seed, 0) };
      if (opts.by) options.by = opts.by as "best" | "final";
      if (opts.scientific) options.scientific = opts.scientific.split(",").map((s) => s.trim()).filter(Boolean);
      if (opts.split === false) options.split = false;
      for (const sci of (options.scientific as string[] | undefined) ?? [])
        if (!study.trialRows().some((t) => trialValue(t, sci) !== null))
          throw new TunebookError(`--scientific: no trial has "${sci}" (hyperparameters: ${study.hyperparameters().join(", ") || "none"})`);
      if (compare) {
        const c = compare;
        options.analysis = { adoption: c };
        for (const v of [c.baseline, c.candidate])
          if (!study.trialRows().some((t) => String(trialValue(t, c.key)) === v)) throw new TunebookError(`--compare: no trial has ${c.key} = ${v}`);
      }
      const r = review(study, options);
      if (opts.json) {
        const out = {
          study: r.study,
          objective: r.objective,
          trials: r.trials,
          groups: r.groups ? Object.keys(r.groups) : undefined,
          findings: r.findings.map((f) => ({ severity: f.severity, code: f.code, message: f.message, evidence: f.evidence })),
          notChecked: r.notChecked,
        };
        await writeOut(escapeJsonForTerminal(stringifyJson(out, 2)) + "\n");
        return;
      }
      const head = r.groups
        ? `${r.study}: ${r.trials} trials, reviewed per group (${Object.keys(r.groups).length} groups, each with its own objective)`
        : `${r.study}: ${r.trials} trials, objective ${r.objective.metric} (${r.objective.direction})`;
      process.stdout.write(escapeTerminalBlock(formatFindings(r.findings, escapeTerminal(head))) + "\n" + escapeTerminalBlock(formatNotChecked(r.notChecked)));
    });
}

/**
 * The review's "not checked" list: every analysis or check that could not run, with its reason.
 *
 * @example
 * formatNotChecked([{ analysis: "importance", reason: "only 12 feasible trials (< 20)" }]);
 * // "\nNot checked (1):\n  importance: only 12 feasible trials (< 20)\n"
 */
export function formatNotChecked(items: readonly NotChecked[]): string {
  if (!items.length) return "";
  const lines = ["", `Not checked (${items.length}):`];
  for (const n of items) lines.push(`  ${n.group ? `[${n.group}] ` : ""}${n.analysis}${n.check ? ` — ${n.check}` : ""}: ${n.reason}`);
  return lines.join("\n") + "\n";
}

const TITLES: Record<Severity, string> = { error: "Errors", warn: "Warnings", info: "Info" };

/**
 * Findings grouped by severity, each with its evidence in short form (scalars only).
 *
 * @example
 * formatFindings(review(study).findings, "my study");
 */
export function formatFindings(findings: readonly Finding[], heading: string): string {
  const lines = [heading];
  if (findings.length === 0) lines.push("", "No findings.");
  for (const sev of ["error", "warn", "info"] as const) {
    const fs = findings.filter((f) => f.severity === sev);
    if (fs.length === 0) continue;
    lines.push("", `${TITLES[sev]} (${fs.length}):`);
    for (const f of fs) {
      lines.push(`  ${f.code}: ${escapeTerminal(f.message)}`);
      const ev = shortEvidence(f.evidence);
      if (ev) lines.push(`      ${escapeTerminal(ev)}`);
    }
  }
  return lines.join("\n");
}

/** `key=value` for the scalar evidence entries (numbers to 4 significant digits), at most 8. */
export function shortEvidence(evidence: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(evidence)) {
    if (parts.length >= 8) break;
    if (typeof v === "number") parts.push(`${k}=${Number.isFinite(v) ? Number(v.toPrecision(4)) : String(v)}`);
    else if (typeof v === "string") parts.push(`${k}=${v.length > 40 ? v.slice(0, 39) + "…" : v}`);
    else if (typeof v === "boolean") parts.push(`${k}=${v}`);
  }
  return parts.join(" ");
}
