import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SHARED = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));
export const DATA = fileURLToPath(new URL("../../datasets/", import.meta.url));

/** Run the CLI from the TypeScript sources (no build needed) and capture its output. */
export function runCli(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", `${ROOT}src/cli/run.ts`, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
