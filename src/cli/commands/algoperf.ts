/**
 * `tunebook algoperf score <folder | datasets/algoperf_v05> [--ruleset external|self] [--json]`:
 * the AlgoPerf benchmark score of every submission in a folder of AlgoPerf logs, as the benchmark
 * computes it (see src/analysis/algoperfScore.ts and docs/algoperf.md).
 */
import type { Command } from "commander";
import { algoperfScore, type AlgoPerfScoreOptions, type AlgoPerfScoreResult } from "../../analysis/algoperfScore.js";
import { readAlgoPerfLogs, type AlgoPerfRuleset } from "../../study/formats/algoperfEvals.js";
import { TunebookError } from "../../study/types.js";
import { stringifyJson } from "../../util/fs.js";
import { escapeJsonForTerminal, escapeTerminal, escapeTerminalBlock } from "../../core/terminal.js";

interface ScoreOpts {
  ruleset?: string;
  json?: boolean;
  trialChoice?: string;
  maxRuntime?: string;
}

function scoreOptions(opts: ScoreOpts): { ruleset: AlgoPerfRuleset; options: AlgoPerfScoreOptions } {
  const ruleset = (opts.ruleset ?? "external").toLowerCase();
  if (ruleset !== "external" && ruleset !== "self") throw new TunebookError(`--ruleset must be "external" or "self", not "${opts.ruleset}"`);
  const options: AlgoPerfScoreOptions = {};
  if (opts.trialChoice !== undefined) {
    if (opts.trialChoice !== "fewestEvals" && opts.trialChoice !== "fastest") throw new TunebookError(`--trial-choice must be "fewestEvals" or "fastest", not "${opts.trialChoice}"`);
    options.trialChoice = opts.trialChoice;
  }
  if (opts.maxRuntime !== undefined) {
    if (opts.maxRuntime !== "runner" && opts.maxRuntime !== "enforce") throw new TunebookError(`--max-runtime must be "runner" or "enforce", not "${opts.maxRuntime}"`);
    options.maxRuntime = opts.maxRuntime;
  }
  return { ruleset, options };
}

/** The JSON printed by `tunebook algoperf score --json`. */
export function scoreJson(r: AlgoPerfScoreResult): unknown {
  const perWorkload: Record<string, Record<string, unknown>> = {};
  for (const sub of r.submissions) {
    perWorkload[sub] = {};
    for (const [wl, c] of Object.entries(r.perWorkload[sub]!))
      perWorkload[sub]![wl] = {
        heldOut: c.heldOut,
        base: c.base,
        target: c.target,
        metric: c.metric,
        medianTimeSec: c.medianTime,
        timeSec: c.time,
        ratio: c.heldOut ? undefined : c.ratio,
        miss: c.miss,
        studies: c.studies.map((s) => ({ study: s.study, timeSec: s.time, trial: s.trial, trials: s.trials })),
      };
  }
  return {
    ruleset: r.ruleset,
    baseWorkloads: r.baseWorkloads,
    heldOutWorkloads: r.heldOutWorkloads,
    options: r.options,
    scores: r.scores,
    profiles: r.profiles,
    perWorkload,
    findings: r.findings,
  };
}

/** The leaderboard as text: rank, submission, score, workloads solved. */
export function formatLeaderboard(r: AlgoPerfScoreResult): string {
  const w = Math.max(10, ...r.submissions.map((s) => s.length));
  const lines = [`AlgoPerf ${r.ruleset}-tuning ruleset: benchmark score (area under the performance profile, τ ≤ ${r.options.maxTau}, normalized)`, ""];
  lines.push(`${"rank".padStart(4)}  ${"submission".padEnd(w)}  ${"score".padStart(6)}  solved  no held-out rule  fastest on`);
  for (const s of Object.values(r.scores))
    lines.push(`${String(s.rank).padStart(4)}  ${s.submission.padEnd(w)}  ${s.score.toFixed(4)}  ${`${s.workloadsSolved}/${r.baseWorkloads.length}`.padStart(6)}  ${s.scoreWithoutHeldOutRule.toFixed(4).padStart(16)}  ${s.fastestOn.join(", ")}`);
  const notes = r.findings.filter((f) => f.severity !== "info");
  if (notes.length) lines.push("", ...notes.map((f) => `${f.severity}: ${f.message}`));
  return lines.join("\n");
}

export function register(program: Command): void {
  const cmd = program.command("algoperf").description("AlgoPerf benchmark scoring: tunebook algoperf score <logs>, tunebook algoperf report <logs> --out FILE.html");
  const common = (c: Command) =>
    c
      .argument("<path>", "AlgoPerf log folder (<submission>/study_k/<workload>/trial_n/eval_measurements.csv), or datasets/algoperf_v05")
      .option("--ruleset <name>", "external (default) or self", "external")
      .option("--trial-choice <how>", "fewestEvals (default, as the benchmark's code) or fastest: how a study's time is taken from its trials")
      .option("--max-runtime <how>", "runner (default, as the published scores) or enforce: drop evaluations after the workload's maximum runtime");
  common(cmd.command("score").description("benchmark score, performance profiles and per-workload times to target of every submission"))
    .option("--json", "print { scores: { <submission>: { score, rank, … } }, profiles, perWorkload, findings }")
    .action(async (path: string, opts: ScoreOpts) => {
      const { ruleset, options } = scoreOptions(opts);
      const r = algoperfScore(await readAlgoPerfLogs(path, { ruleset }), options);
      process.stdout.write((opts.json ? escapeJsonForTerminal(stringifyJson(scoreJson(r), 2)) : escapeTerminalBlock(formatLeaderboard(r))) + "\n");
    });
  common(cmd.command("report").description("self-contained HTML: leaderboard, performance profiles, time-to-target table, study spread, aggregate statistics"))
    .requiredOption("-o, --out <file>", "output .html file")
    .option("--seed <n>", "seed of the bootstrap", "0")
    .option("--reps <n>", "bootstrap repetitions", "2000")
    .action(async (path: string, opts: ScoreOpts & { out: string; seed?: string; reps?: string }) => {
      const { ruleset, options } = scoreOptions(opts);
      const { writeAlgoPerfReport } = await import("../../report/algoperf.js");
      const seed = Number(opts.seed ?? 0);
      const reps = Number(opts.reps ?? 2000);
      if (!Number.isInteger(seed) || seed < 0) throw new TunebookError(`--seed must be an integer ≥ 0, not "${opts.seed}"`);
      if (!Number.isInteger(reps) || reps < 100) throw new TunebookError(`--reps must be an integer ≥ 100, not "${opts.reps}"`);
      const r = algoperfScore(await readAlgoPerfLogs(path, { ruleset }), options);
      await writeAlgoPerfReport(r, opts.out, { seed, reps, command: `tunebook algoperf report ${path} --ruleset ${ruleset} --out ${opts.out}` });
      process.stderr.write(`wrote ${escapeTerminal(opts.out)}\n`);
    });
}
