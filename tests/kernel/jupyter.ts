/**
 * Test helpers: find a Python with Jupyter (Debian's python3-nbclient / python3-jupyter-client),
 * install the kernelspec into a temporary prefix (JUPYTER_PATH), make sure dist/ types exist.
 * The kernel runs from dist/ when it is current, else from the TypeScript sources (tsx).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelSpec } from "../../src/kernel/kernelspec.js";
import { ROOT } from "../helpers/cli.js";

/** A python3 that can import nbclient and jupyter_client, or undefined (tests then skip). */
export function jupyterPython(): string | undefined {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import nbclient, nbformat, jupyter_client"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return undefined;
}

export const SKIP_MESSAGE = "skipped: Jupyter is not installed (apt-get install python3-nbclient python3-nbconvert python3-jupyter-client jupyter-nbconvert python3-ipykernel)";

/**
 * Install the kernel under a fresh temporary prefix; returns the environment that makes Jupyter
 * find it. Notebooks' `import … from "tunebook"` types come from dist/ (built here once if missing).
 */
export function installTestKernel(name = "tunebook-test"): { env: Record<string, string>; name: string; prefix: string } {
  const prefix = mkdtempSync(join(tmpdir(), "tunebook-jupyter-"));
  // Removed when the test process ends (kernels are shut down by then).
  process.once("exit", () => rmSync(prefix, { recursive: true, force: true }));
  ensureTypes();
  // The compiled kernel when dist/ is current (CI: built by `npm ci`), else the sources through tsx.
  installKernelSpec({ prefix }, { name, env: distIsCurrent() ? {} : { TUNEBOOK_KERNEL_SOURCES: "1" } });
  const env = { JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: join(prefix, "data"), JUPYTER_RUNTIME_DIR: join(prefix, "runtime"), JUPYTER_PLATFORM_DIRS: "1" };
  return { env, name, prefix };
}

/** dist/kernel/main.js is newer than every source file. */
export function distIsCurrent(): boolean {
  const entry = join(ROOT, "dist", "kernel", "main.js");
  if (!existsSync(entry)) return false;
  const built = statSync(entry).mtimeMs;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
    }, 0);
  return newest(join(ROOT, "src")) <= built;
}

function ensureTypes(): void {
  if (existsSync(join(ROOT, "dist", "index.d.ts"))) return;
  // `npm ci` builds dist/ (prepare script); a bare checkout may not have it yet.
  spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")], { cwd: ROOT, stdio: "ignore" });
}
