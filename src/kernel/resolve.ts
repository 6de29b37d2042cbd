/**
 * Make `import … from "tunebook"` work in a notebook anywhere on disk.
 *
 * - Types: tslab's compiler resolves packages from the notebook's folder. We forward lookups of
 *   `<cwd>/node_modules/tunebook/…` to this package (and of other packages the notebook folder
 *   lacks, e.g. `arquero`, to this package's node_modules), like tslab does for itself. `realpath`
 *   maps them back so their own imports resolve from where they really live.
 * - Runtime: the cell's `require` returns this very module instance for "tunebook" (so a Study
 *   made in a cell is the Study the magics know) and falls back to this package's node_modules.
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { ts } from "./tslab.js";

/** The tunebook package root (holds package.json), two levels above src/kernel or dist/kernel. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/[\\/]$/, "");

/** True when `dist/index.d.ts` exists, i.e. notebooks can type-check `import … from "tunebook"`. */
export function hasTypes(root = PACKAGE_ROOT): boolean {
  return existsSync(join(root, "dist", "index.d.ts"));
}

const norm = (p: string) => p.split(sep).join("/");

/**
 * Forward compiler file lookups under `<cwd>/node_modules/<pkg>` that do not exist there.
 * Returns a function mapping a path to its forwarded path (or undefined).
 */
export function installTypeForwarding(cwd: string, root = PACKAGE_ROOT): (p: string) => string | undefined {
  const nm = norm(join(cwd, "node_modules"));
  const sys = ts.sys;
  const orig = {
    fileExists: sys.fileExists.bind(sys),
    directoryExists: sys.directoryExists.bind(sys),
    readFile: sys.readFile.bind(sys),
    realpath: sys.realpath?.bind(sys),
    getDirectories: sys.getDirectories.bind(sys),
    readDirectory: sys.readDirectory.bind(sys),
  };
  const cache = new Map<string, string | null>();
  const pkgTarget = (pkg: string): string | null => {
    let t = cache.get(pkg);
    if (t !== undefined) return t;
    t = null;
    if (!pkg.startsWith("@types") && pkg !== "tslab" && !orig.directoryExists(`${nm}/${pkg}`)) {
      const cand = pkg === "tunebook" ? norm(root) : norm(join(root, "node_modules", pkg));
      if (orig.directoryExists(cand)) t = cand;
    }
    cache.set(pkg, t);
    return t;
  };
  const forward = (p: string): string | undefined => {
    const q = norm(p);
    if (!q.startsWith(nm + "/")) return undefined;
    const segs = q.slice(nm.length + 1).split("/");
    const n = segs[0]!.startsWith("@") ? 2 : 1;
    if (segs.length < n || !segs[n - 1]) return undefined;
    const target = pkgTarget(segs.slice(0, n).join("/"));
    return target === null ? undefined : [target, ...segs.slice(n)].join("/");
  };
  sys.fileExists = (p) => orig.fileExists(forward(p) ?? p);
  sys.directoryExists = (p) => orig.directoryExists(forward(p) ?? p);
  sys.readFile = (p, enc) => orig.readFile(forward(p) ?? p, enc);
  sys.getDirectories = (p) => orig.getDirectories(forward(p) ?? p);
  sys.readDirectory = (p, ...rest) => orig.readDirectory(forward(p) ?? p, ...rest);
  sys.realpath = (p) => {
    const f = forward(p);
    if (f) return orig.realpath ? orig.realpath(f) : f;
    return orig.realpath ? orig.realpath(p) : p;
  };
  return forward;
}

type Require = ((id: string) => unknown) & { resolve?: unknown; cache?: unknown };

/**
 * Wrap tslab's cell `require`: "tunebook" is `tunebook` (the loaded module namespace); packages
 * missing from the notebook's folder come from this package's node_modules.
 */
export function wrapCellRequire(orig: Require, tunebook: unknown, root = PACKAGE_ROOT): Require {
  const fromRoot = createRequire(join(root, "package.json"));
  const req: Require = (id: string) => {
    if (id === "tunebook") return tunebook;
    try {
      return orig(id);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "MODULE_NOT_FOUND" || id.startsWith(".") || id.startsWith("/")) throw e;
      try {
        return fromRoot(id);
      } catch {
        throw e;
      }
    }
  };
  req.resolve = orig.resolve;
  req.cache = orig.cache;
  return req;
}

/** Is `dir` a directory (helper for the installer and tests). */
export function isDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
