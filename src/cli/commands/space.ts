import type { Command } from "commander";
import { TunebookError, type HpValue } from "../../study/types.js";
import { describeSpace } from "../../space/describe.js";
import { designStudy } from "../../space/design.js";
import { loadSpace } from "../../space/parse.js";
import { SAMPLERS, sample, type SamplerName, type Trial } from "../../space/sample.js";
import { parseDirection, parseIntOption } from "../options.js";
import { suggestBo } from "../../space/bo.js";
import { loadStudy, type FormatName } from "../../study/load.js";
import { studyObservations } from "../../runner/points.js";
import { stringifyJson } from "../../util/fs.js";
import { escapeJsonForTerminal, escapeTerminal, escapeTerminalBlock } from "../../core/terminal.js";

interface SampleFlags {
  n?: string;
  seed?: string;
  start?: string;
  sampler?: string;
  scramble?: boolean;
  skip?: string;
  gridPoints?: string;
  format?: string;
}

/** The most trials one `space sample` prints (10 million lines is already gigabytes of output). */
const MAX_TRIALS = 10_000_000;

/** CSV cell: quoted when it holds a comma, quote or newline; empty for an inactive parameter. */
function csvCell(v: HpValue | undefined): string {
  if (v === undefined || v === null) return "";
  // Control characters and bidirectional overrides in a name or value are written escaped (\e, \u202e), as everywhere the CLI prints.
  const s = escapeTerminalBlock(String(v));
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function writeTrials(trials: Trial[], first: number, names: string[], format: string, header: boolean): void {
  const out: string[] = [];
  if (format === "csv") {
    const idx = names.includes("trial") ? "#trial" : "trial";
    if (header) out.push([idx, ...names].map((s) => csvCell(s)).join(","));
    trials.forEach((t, k) => out.push([String(first + k), ...names.map((n) => csvCell(t[n]))].join(",")));
  } else {
    trials.forEach((t, k) => out.push(escapeJsonForTerminal(JSON.stringify({ trial: first + k, hparams: t }))));
  }
  if (out.length) process.stdout.write(out.join("\n") + "\n");
}

export function register(program: Command): void {
  const space = program.command("space").description("search spaces: validate them and generate trials (quasi-random, random or grid)");

  space
    .command("sample")
    .description("print trials of a search space, one per line (JSON lines {trial, hparams} or CSV)")
    .argument("<file>", "search space (.json, .yaml or .yml)")
    .option("-n, --n <count>", "number of trials (grid: default the whole grid)")
    .option("-s, --seed <seed>", "seed of the scrambling / random draws", "0")
    .option("--start <index>", "index of the first trial (for shards)", "0")
    .option("--sampler <name>", `one of ${SAMPLERS.join(", ")}`, "halton")
    .option("--no-scramble", "plain (unscrambled) Halton; skips the leading point 0 unless --skip is given")
    .option("--skip <k>", "Halton sequence index of trial 0 (default 0 scrambled, 1 unscrambled)")
    .option("--grid-points <k>", "grid points per float/int parameter without its own `grid`", "5")
    .option("--format <fmt>", "jsonl or csv", "jsonl")
    .action(async (file: string, o: SampleFlags) => {
      const sampler = (o.sampler ?? "halton") as SamplerName;
      if (!SAMPLERS.includes(sampler)) throw new TunebookError(`--sampler must be one of ${SAMPLERS.join(", ")}, not "${o.sampler}"`);
      const format = (o.format ?? "jsonl").toLowerCase();
      if (format !== "jsonl" && format !== "csv") throw new TunebookError(`--format must be jsonl or csv, not "${o.format}"`);
      if (o.n === undefined && sampler !== "grid") throw new TunebookError(`--n is required for the ${sampler} sampler`);
      const sp = await loadSpace(file);
      const start = parseIntOption("start", o.start, 0, 0, 2 ** 40);
      const trials = sample(sp, {
        sampler,
        n: o.n === undefined ? undefined : parseIntOption("n", o.n, 0, 0, MAX_TRIALS),
        seed: parseIntOption("seed", o.seed, 0, 0, 2 ** 32 - 1),
        start,
        scramble: o.scramble !== false,
        skip: o.skip === undefined ? undefined : parseIntOption("skip", o.skip, 0),
        gridPoints: parseIntOption("grid-points", o.gridPoints, 5, 1, 10000),
      });
      // A header only on the first shard, so `--start` shards concatenate into one CSV.
      writeTrials(trials, start, sp.params.map((p) => p.name), format, start === 0);
    });

  space
    .command("suggest")
    .description("the next trials by Gaussian-process Bayesian optimization, from a study's finished trials (exploitation; running trials count as pending)")
    .argument("<study>", "study folder or log (its search space is used unless --space is given)")
    .option("-n, --n <count>", "number of points (a batch for parallel workers)", "1")
    .option("--space <file>", "search space (.json, .yaml or .yml) when the study has none, or to override it")
    .option("--acquisition <name>", "ei (expected improvement) or ucb", "ei")
    .option("--kappa <k>", "UCB exploration weight", "2")
    .option("-s, --seed <seed>", "seed of the candidate search", "0")
    .option("-f, --format <format>", "log format (default: detected)")
    .option("--objective <metric>", "objective metric")
    .option("-d, --direction <dir>", "minimize or maximize (default: from the log)")
    .action(async (path: string, o: { n?: string; space?: string; acquisition?: string; kappa?: string; seed?: string; format?: string; objective?: string; direction?: string }) => {
      if (o.acquisition !== "ei" && o.acquisition !== "ucb") throw new TunebookError(`--acquisition must be ei or ucb, not "${o.acquisition}"`);
      const kappa = Number(o.kappa);
      if (!(kappa > 0)) throw new TunebookError(`--kappa must be a positive number, not "${o.kappa}"`);
      const study = await loadStudy(path, { format: o.format as FormatName | undefined, objective: o.objective, direction: parseDirection(o.direction) });
      const sp = o.space ? await loadSpace(o.space) : study.space;
      if (!sp) throw new TunebookError("the study records no search space: give one with --space", path);
      const obs = studyObservations(study, sp);
      const n = parseIntOption("n", o.n, 1, 1);
      const res = suggestBo(sp, obs, n, { direction: study.objective.direction, acquisition: o.acquisition, kappa, seed: parseIntOption("seed", o.seed, 0), index: study.size, pending: obs.pending });
      const lines = res.suggestions.map((x, k) => stringifyJson({ suggestion: k, hparams: x.hparams, source: x.source, predicted: x.predicted, acquisition: x.acquisition, feasibility: x.feasibility }));
      process.stderr.write(`${res.observations.feasible} feasible and ${res.observations.infeasible} infeasible trials observed${res.observations.ignored ? `, ${res.observations.ignored} outside the space ignored` : ""}${obs.pending.length ? `, ${obs.pending.length} running treated as pending` : ""}; ${study.objective.direction} ${escapeTerminal(study.objective.metric)}\n`);
      process.stdout.write(escapeJsonForTerminal(lines.join("\n")) + "\n");
    });

  space
    .command("check")
    .description("validate a search space and describe it")
    .argument("<file>", "search space (.json, .yaml or .yml)")
    .action(async (file: string) => {
      const sp = await loadSpace(file);
      process.stdout.write(`ok: ${escapeTerminal(file)}\n${escapeTerminalBlock(describeSpace(sp))}\n`);
    });

  space
    .command("design")
    .description("plan a study: each scientific value gets the same quasi-random nuisance points")
    .argument("<file>", "search space (.json, .yaml or .yml)")
    .requiredOption("-b, --budget <trials>", "total number of trials")
    .option("--scientific <names>", "comma-separated scientific hyperparameters (default: role scientific in the space)")
    .option("-s, --seed <seed>", "seed", "0")
    .option("--apply-adam-advice", "fix the Adam hyperparameters the budget does not allow tuning")
    .option("--format <fmt>", "jsonl (one trial per line) or json (the whole plan)", "jsonl")
    .action(async (file: string, o: { budget: string; scientific?: string; seed?: string; applyAdamAdvice?: boolean; format?: string }) => {
      const sp = await loadSpace(file);
      const plan = designStudy({
        space: sp,
        budget: parseIntOption("budget", o.budget, 1, 1),
        scientific: o.scientific?.split(",").map((s) => s.trim()).filter(Boolean),
        seed: parseIntOption("seed", o.seed, 0),
        applyAdamAdvice: o.applyAdamAdvice === true,
      });
      if (o.format === "json") {
        process.stdout.write(escapeJsonForTerminal(JSON.stringify(plan, null, 2)) + "\n");
        return;
      }
      for (const f of plan.findings) process.stderr.write(`${f.severity}: ${escapeTerminal(f.message)}\n`);
      const lines = plan.trials.map((t) => JSON.stringify({ trial: t.trial, combination: t.combination, nuisance: t.nuisanceIndex, hparams: t.hparams }));
      if (lines.length) process.stdout.write(escapeJsonForTerminal(lines.join("\n")) + "\n");
    });
}
