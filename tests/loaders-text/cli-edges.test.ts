/**
 * The edges of the CLI: bounds on counts, trial selections that select nothing, output folders
 * that do not exist, and user strings with control characters on the terminal.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it as vitestIt } from "vitest";
import { runCli } from "../helpers/cli.js";

const tmp = mkdtempSync(join(tmpdir(), "tunebook-cli-edges-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const put = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
// Each case starts the CLI a few times: give them room on a loaded machine.
const it = (name: string, fn: () => void) => vitestIt(name, fn, 240_000);
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const runs = put("runs.csv", "trial,step,metric,value\na,1,loss,0.5\na,2,loss,0.4\nb,1,loss,0.6\nb,2,loss,0.3\n");

describe("bounds and selections", () => {
  it("space sample --n 1e9 is refused with the bound, before any work", () => {
    const r = runCli(["space", "sample", "examples/spaces/mnist-adam.yaml", "--n", "1e9"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("tunebook: --n must be at most 10,000,000, not 1e9\n");
    const neg = runCli(["space", "sample", "examples/spaces/mnist-adam.yaml", "--n", "-3"]);
    expect(neg.stderr).toBe('tunebook: --n must be an integer ≥ 0, not "-3"\n');
  });

  it("plot curves --trials that match nothing warns that the figure is empty", () => {
    const out = join(tmp, "curves.html");
    const r = runCli(["plot", "curves", runs, "--trials", "zz,yy", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: none of the --trials is in the study: the figure is empty ("zz", "yy"; the study\'s trials include "a", "b")');
    const some = runCli(["plot", "curves", runs, "--trials", "a,zz", "--out", out]);
    expect(some.stderr).toContain('warning: --trials: 1 of 2 not in the study, left out ("zz"; the study\'s trials include "a", "b")');
    const none = runCli(["plot", "curves", runs, "--trials", " , ", "--out", out]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('tunebook: --trials: no trial ids in " , " (give comma-separated ids)\n');
  });

  it("report --out in a folder that does not exist creates nothing", () => {
    const root = join(tmp, "nonexistent");
    const r = runCli(["report", runs, "--out", join(root, "dir", "r.html")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tunebook: --out: the folder ${JSON.stringify(join(root, "dir"))} does not exist; create it first (tunebook creates no folders outside the output you name)\n`);
    expect(existsSync(root)).toBe(false);
  });
});

describe("control characters never reach the terminal raw", () => {
  it("load: ids and metric names with ESC, BEL and CR are printed escaped", () => {
    const p = put("esc.jsonl", JSON.stringify({ trial: "run\u001b]0;pwned\u0007", step: 1, metric: "loss\r0 warnings", value: 0.5 }) + "\n" + JSON.stringify({ trial: "x", step: "\u001b[2J", metric: "loss", value: 1 }) + "\n");
    const r = runCli(["load", p]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(CONTROL);
    expect(r.stdout).toContain("trial run\\e]0;pwned\\a");
    expect(r.stdout).toContain("loss\\r0 warnings");
    expect(r.stdout).toContain('found "\\u001b[2J"');
  });

  it("an error message quoting a column name with ESC is escaped", () => {
    const p = put("esc-header.csv", "trial,hp.lr,note\u001b[31m\na,0.1,x\n");
    const r = runCli(["load", p]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr).toContain("note\\e[31m");
  });

  it("review: findings naming a trial id with a newline stay one line each", () => {
    const lines = ["trial,hp.lr,objective"];
    for (let i = 0; i < 12; i++) lines.push(`"t${i}\n0 warnings",${10 ** (-1 - i / 4)},${Math.abs(i - 11) / 10 + 0.1}`);
    const r = runCli(["review", put("nl.csv", lines.join("\n") + "\n")]);
    expect(r.stdout).not.toMatch(CONTROL);
    expect(r.stdout.split("\n").some((l) => l.trim() === "0 warnings")).toBe(false);
  });
});

describe("a YAML alias bomb names the file", () => {
  it("space check bomb.yaml", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    const p = put("bomb.yaml", levels.join("\n") + "\nparameters: *i\n");
    const r = runCli(["space", "check", p]);
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith(`tunebook: ${p}: invalid YAML: `)).toBe(true);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readFileSync(p, "utf8")).toContain("*h");
  });
});
