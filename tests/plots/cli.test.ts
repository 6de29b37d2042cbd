import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { plotList } from "../../src/cli/commands/plot.js";
import { DATA, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tunebook-plot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunebook plot", () => {
  it("lists every kind (what `tunebook plot list` prints)", () => {
    const out = plotList();
    for (const k of ["axis", "isolation", "curves", "clipping", "batch-size", "contour"]) expect(out).toMatch(new RegExp(`^${k}\\s`, "m"));
  });
  it("writes a self-contained HTML isolation plot of the DeepCAVE study", () => {
    const out = join(dir, "iso.html");
    const r = runCli(["plot", "isolation", `${DATA}deepcave_mnist/run_1`, "--scientific", "model", "--out", out]);
    expect(r.stderr).toContain("wrote");
    expect(r.code).toBe(0);
    const html = readFileSync(out, "utf8");
    const json = JSON.parse(html.match(/<script type="application\/json" id="figure-data">([\s\S]*?)<\/script>/)![1]!);
    const line = json.data.find((d: { meta?: { role?: string } }) => d.meta?.role === "isolation");
    expect(line.x).toHaveLength(2); // mlp, cnn
  }, 60_000);
  it("bad input gives one clear line, no stack trace", () => {
    const r = runCli(["plot", "axis", `${DATA}deepcave_mnist/run_1`, "--out", join(dir, "a.jpg")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.png, \.svg or \.html/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);
});
