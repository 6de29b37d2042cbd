import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DATA, ROOT } from "../helpers/cli.js";

/** A consumer project elsewhere on disk with `tunebook` installed as a dependency (a symlink, like npm link). */
function consumer(): string {
  const dir = mkdtempSync(join(tmpdir(), "tunebook-consumer-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT.replace(/\/$/, ""), join(dir, "node_modules/tunebook"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
  return dir;
}

describe("the tunebook package", () => {
  beforeAll(() => {
    // CI builds dist/ in `npm ci` (the prepare script); build here only when it is missing.
    if (!existsSync(join(ROOT, "dist/index.js"))) execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
  }, 300_000);

  it("imports as `tunebook` from another package and loads a study", () => {
    const dir = consumer();
    writeFileSync(
      join(dir, "main.mjs"),
      `import { loadStudy, summarizeStudy } from "tunebook";
       const s = await loadStudy(${JSON.stringify(join(DATA, "algoperf_v05/raw_logdir/prize_qualification_baseline"))});
       console.log(JSON.stringify({ trials: s.size, summary: typeof summarizeStudy }));`,
    );
    const r = spawnSync(process.execPath, ["main.mjs"], { cwd: dir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ trials: 10, summary: "function" });
  }, 60_000);

  it("ships types: a TypeScript consumer type-checks against dist/index.d.ts", () => {
    const dir = consumer();
    writeFileSync(
      join(dir, "main.ts"),
      `import { loadStudy, type Study, type Finding } from "tunebook";
       export async function n(p: string): Promise<number> { const s: Study = await loadStudy(p); return s.size; }
       export const f: Finding = { severity: "warn", code: "x", message: "m", evidence: {} };
       // @ts-expect-error loadStudy takes a path string
       loadStudy(42);`,
    );
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", noEmit: true, skipLibCheck: true, types: [] }, files: ["main.ts"] }));
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);

  it("exports what the docs show and keeps internals private; statistics are the tunebook/stats subpath", () => {
    const dir = consumer();
    writeFileSync(
      join(dir, "main.mjs"),
      `import * as tb from "tunebook";
       import { median, studentTCdf } from "tunebook/stats";
       console.log(JSON.stringify({
         public: ["loadStudy", "review", "ANALYSES", "defineAnalysis", "buildFigure", "writeReport", "TunebookError"].filter((k) => typeof tb[k] === "undefined"),
         internal: ["maskedCrc32c", "frameRecord", "tensorboardProto", "lnGamma", "jitter", "escapeMd", "panelGrid"].filter((k) => k in tb),
         median: median([3, 1, 2]), t: studentTCdf(0, 5),
       }));`,
    );
    const r = spawnSync(process.execPath, ["main.mjs"], { cwd: dir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ public: [], internal: [], median: 2, t: 0.5 });
  }, 60_000);

  it("installs the `tunebook` bin", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/tunebook.js"), "--version"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
