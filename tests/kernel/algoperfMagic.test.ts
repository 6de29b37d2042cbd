/** `%algoperf` run directly (the kernel's dispatch is covered by kernel.test.ts). */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAGICS } from "../../src/kernel/magics.js";
import { figureBundle, type MimeBundle } from "../../src/notebook/display.js";
import type { Figure } from "../../src/plots/theme.js";
import type { AlgoPerfScoreResult } from "../../src/analysis/algoperfScore.js";
import { DATA } from "../helpers/cli.js";

function ctx(shown: MimeBundle[]) {
  return { locals: {}, signal: new AbortController().signal, endOnInterrupt: <T>(work: () => Promise<T>) => work(), runtime: {} as never, show: (b: MimeBundle) => void shown.push(b), showFigure: async (f: Figure) => void shown.push(figureBundle(f)), newDisplay: () => () => {}, print: () => {} };
}

describe("%algoperf", () => {
  it("is registered and shows leaderboard, figures and findings; returns the scores", async () => {
    const m = MAGICS.algoperf!;
    expect(m.kind).toBe("line");
    const shown: MimeBundle[] = [];
    const r = (await m.run({ positional: [join(DATA, "algoperf_v05")], options: { ruleset: "self", figures: "profile,table" } }, ctx(shown))) as AlgoPerfScoreResult;
    expect(r.submissions[0]).toBe("schedule_free_adamw");
    expect(shown).toHaveLength(4);
    expect(String(shown[0]!["text/html"])).toContain("self-tuning leaderboard");
    expect(String(shown[0]!["text/html"])).toContain("0.8542");
    expect(shown[1]!["application/vnd.plotly.v1+json"]).toBeDefined();
    expect(String(shown[3]!["text/plain"])).toContain("algoperf.variant_missed");
  });

  it("rejects bad options with a usage message", async () => {
    await expect(MAGICS.algoperf!.run({ positional: [join(DATA, "algoperf_v05")], options: { figures: "pie" } }, ctx([]))).rejects.toThrow('--figures: unknown figure "pie" (known: profile, table, spread)');
    await expect(MAGICS.algoperf!.run({ positional: [join(DATA, "algoperf_v05")], options: { ruleset: "both" } }, ctx([]))).rejects.toThrow('--ruleset must be "external" or "self"');
  });
});
