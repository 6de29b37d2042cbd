/**
 * Install and remove the tunebook kernelspec (a folder with kernel.json and logos) where Jupyter
 * looks for kernels, without needing Jupyter itself: `--user` (the default), `--prefix P`
 * (P/share/jupyter/kernels) or `--sys-prefix` (python3's sys.prefix).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { TunebookError } from "../study/types.js";
import { PACKAGE_ROOT } from "./resolve.js";

export const KERNEL_NAME = "tunebook";
export const DISPLAY_NAME = "TypeScript (tunebook)";

export interface SpecLocation {
  user?: boolean;
  prefix?: string;
  sysPrefix?: boolean;
}

/** Jupyter's per-user data dir (JUPYTER_DATA_DIR, else the platform default, like jupyter_core). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

function sysPrefix(): string {
  for (const py of ["python3", "python"]) {
    try {
      return execFileSync(py, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      /* try the next interpreter */
    }
  }
  throw new TunebookError("--sys-prefix needs python3 on PATH (to ask for sys.prefix); use --user or --prefix instead");
}

/**
 * The kernels folder a location flag means.
 *
 * @example
 * kernelsDir({ prefix: "/tmp/jp" }); // "/tmp/jp/share/jupyter/kernels"
 */
export function kernelsDir(loc: SpecLocation): string {
  const n = [loc.user, loc.prefix !== undefined, loc.sysPrefix].filter(Boolean).length;
  if (n > 1) throw new TunebookError("choose one of --user, --prefix and --sys-prefix");
  if (loc.prefix !== undefined) return join(loc.prefix, "share", "jupyter", "kernels");
  if (loc.sysPrefix) return join(sysPrefix(), "share", "jupyter", "kernels");
  return join(userDataDir(), "kernels");
}

/**
 * The kernel.json contents: this node and this package's kernel entry, absolute paths, so the
 * kernel starts the same code whatever the notebook's folder or PATH.
 *
 * @example
 * kernelJson().argv; // ["/usr/bin/node", "/…/tunebook/bin/tunebook-kernel.js", "--config-path", "{connection_file}"]
 */
export function kernelJson(opts: { displayName?: string; node?: string; root?: string; env?: Record<string, string> } = {}): Record<string, unknown> {
  const root = opts.root ?? PACKAGE_ROOT;
  return {
    ...(opts.env ? { env: opts.env } : {}),
    argv: [opts.node ?? process.execPath, join(root, "bin", "tunebook-kernel.js"), "--config-path", "{connection_file}"],
    display_name: opts.displayName ?? DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { tunebook: { root } },
  };
}

/**
 * Write the kernelspec. Returns the folder written.
 *
 * @example
 * installKernelSpec({ prefix: "/tmp/jp" }); // "/tmp/jp/share/jupyter/kernels/tunebook"
 */
export function installKernelSpec(loc: SpecLocation = {}, opts: { name?: string; displayName?: string; env?: Record<string, string> } = {}): string {
  const name = opts.name ?? KERNEL_NAME;
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new TunebookError(`kernel name "${name}" may only contain letters, digits, ".", "_" and "-"`);
  const dir = join(kernelsDir(loc), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelJson({ displayName: opts.displayName, env: opts.env }), null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) {
    const src = join(PACKAGE_ROOT, "kernel", logo);
    if (existsSync(src)) copyFileSync(src, join(dir, logo));
  }
  return dir;
}

/**
 * Remove the kernelspec. Returns the folder removed, or undefined when there was none.
 * Refuses to delete a folder whose kernel.json is not a tunebook kernel's.
 */
export function uninstallKernelSpec(loc: SpecLocation = {}, opts: { name?: string } = {}): string | undefined {
  const dir = join(kernelsDir(loc), opts.name ?? KERNEL_NAME);
  const spec = join(dir, "kernel.json");
  if (!existsSync(spec)) return undefined;
  let argv: unknown;
  try {
    argv = (JSON.parse(readFileSync(spec, "utf8")) as { argv?: unknown }).argv;
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv) || !argv.some((a) => typeof a === "string" && a.endsWith("tunebook-kernel.js")))
    throw new TunebookError("this kernelspec was not written by tunebook; not removing it", spec);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
