/**
 * `%algoperf <path> [as NAME]`: score AlgoPerf logs as the benchmark does and show the
 * leaderboard, the performance profiles, the per-workload time-to-target table, the study-to-study
 * spread and the findings. Kept apart from magics.ts so the AlgoPerf pieces stay together.
 */
import type { Magic } from "./magicTypes.js";
import { UsageError } from "./args.js";
import { findingsBundle } from "./render.js";
import { tableBundle } from "../notebook/display.js";

const FIGURES = ["profile", "table", "spread"] as const;

export const algoperfMagic: Magic = {
  name: "algoperf",
  kind: "line",
  summary: "AlgoPerf benchmark scores, performance profiles and time-to-target table of a folder of AlgoPerf logs",
  usage: "%algoperf <path> [as NAME] [--ruleset external|self] [--figures profile,table,spread] [--trial-choice fewestEvals|fastest] [--max-runtime runner|enforce]",
  description:
    "Scores every submission in an AlgoPerf log folder (or the bundled datasets/algoperf_v05) as the benchmark's scoring code does: time to target per study, median over studies, held-out variants, the 4× rule, ρ(τ) and its normalized area. Shows the leaderboard, the figures and the findings; `as NAME` keeps the result (for studySpeedMatrices and compareAlgorithms).",
  examples: ["%algoperf ../datasets/algoperf_v05", "%algoperf ../datasets/algoperf_v05 as selfTuning --ruleset self --figures profile", "%algoperf runs/my_algoperf_logs"],
  args: {
    positional: ["path"],
    required: 1,
    options: {
      ruleset: { type: "string", help: "external (default) or self" },
      figures: { type: "string", help: "comma-separated subset of profile,table,spread (default: all)" },
      "trial-choice": { type: "string", help: "fewestEvals (default, as the benchmark's code) or fastest" },
      "max-runtime": { type: "string", help: "runner (default) or enforce" },
    },
  },
  run: async (a, ctx) => {
    const path = a.positional[0];
    if (typeof path !== "string") throw new UsageError(`<path> must be text, got a ${typeof path}`);
    const ruleset = (a.options.ruleset as string | undefined) ?? "external";
    if (ruleset !== "external" && ruleset !== "self") throw new UsageError(`--ruleset must be "external" or "self", not ${JSON.stringify(ruleset)}`);
    const tc = a.options["trial-choice"] as string | undefined;
    if (tc !== undefined && tc !== "fewestEvals" && tc !== "fastest") throw new UsageError(`--trial-choice must be "fewestEvals" or "fastest", not ${JSON.stringify(tc)}`);
    const mr = a.options["max-runtime"] as string | undefined;
    if (mr !== undefined && mr !== "runner" && mr !== "enforce") throw new UsageError(`--max-runtime must be "runner" or "enforce", not ${JSON.stringify(mr)}`);
    const figs = a.options.figures === undefined ? [...FIGURES] : String(a.options.figures).split(",").map((s) => s.trim()).filter(Boolean);
    for (const f of figs) if (!(FIGURES as readonly string[]).includes(f)) throw new UsageError(`--figures: unknown figure "${f}" (known: ${FIGURES.join(", ")})`);
    const { readAlgoPerfLogs } = await import("../study/formats/algoperfEvals.js");
    const { algoperfScore } = await import("../analysis/algoperfScore.js");
    const plots = await import("../plots/algoperf.js");
    const r = algoperfScore(await readAlgoPerfLogs(path, { ruleset }), { trialChoice: tc as "fewestEvals" | "fastest" | undefined, maxRuntime: mr as "runner" | "enforce" | undefined });
    ctx.show(
      tableBundle(
        Object.values(r.scores).map((s) => ({ rank: s.rank, submission: s.submission, score: Number(s.score.toFixed(4)), solved: `${s.workloadsSolved}/${r.baseWorkloads.length}`, "without held-out rule": Number(s.scoreWithoutHeldOutRule.toFixed(4)), "fastest on": s.fastestOn.join(", ") })),
        { caption: `AlgoPerf ${ruleset}-tuning leaderboard` },
      ),
    );
    if (figs.includes("profile")) await ctx.showFigure(plots.algoperfProfileFigure(r));
    if (figs.includes("table")) await ctx.showFigure(plots.algoperfTimeTable(r));
    if (figs.includes("spread")) await ctx.showFigure(plots.algoperfStudySpreadFigure(r));
    ctx.show(findingsBundle(r.findings, "AlgoPerf scoring"));
    return r;
  },
};
