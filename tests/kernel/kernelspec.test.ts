import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { installKernelSpec, kernelsDir, uninstallKernelSpec } from "../../src/kernel/kernelspec.js";

const tmp = mkdtempSync(join(tmpdir(), "tunebook-kspec-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function jupyterKernelspecs(env: Record<string, string>): Record<string, { resource_dir: string; spec: Record<string, unknown> }> | undefined {
  for (const jp of ["/usr/bin/jupyter", "jupyter"]) {
    const r = spawnSync(jp, ["kernelspec", "list", "--json"], { encoding: "utf8", env: { ...process.env, ...env } });
    if (r.status === 0) return (JSON.parse(r.stdout) as { kernelspecs: Record<string, { resource_dir: string; spec: Record<string, unknown> }> }).kernelspecs;
  }
  return undefined;
}

describe("tunebook kernel install / uninstall", () => {
  it("writes a kernelspec that starts this kernel with this node, and removes it", () => {
    const prefix = join(tmp, "prefix");
    const r = runCli(["kernel", "install", "--prefix", prefix]);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(prefix, "share", "jupyter", "kernels", "tunebook");
    expect(r.stdout).toContain(`installed kernelspec tunebook in ${dir}`);
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
    expect(spec.argv).toEqual([process.execPath, join(ROOT, "bin", "tunebook-kernel.js"), "--config-path", "{connection_file}"]);
    expect(spec.display_name).toBe("TypeScript (tunebook)");
    expect(spec.language).toBe("typescript");
    expect(existsSync(join(dir, "logo-64x64.png"))).toBe(true);

    const listed = jupyterKernelspecs({ JUPYTER_PATH: join(prefix, "share", "jupyter") });
    if (listed) {
      expect(listed.tunebook?.resource_dir).toBe(dir);
      expect(listed.tunebook?.spec.display_name).toBe("TypeScript (tunebook)");
    } else console.warn("jupyter kernelspec is not installed: skipped the `jupyter kernelspec list` check");

    const u = runCli(["kernel", "uninstall", "--prefix", prefix]);
    expect(u.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(u.stdout).toContain(`removed kernelspec tunebook from ${dir}`);
    expect(uninstallKernelSpec({ prefix })).toBeUndefined();
  });

  it("--user honours JUPYTER_DATA_DIR; conflicting flags and foreign kernelspecs are refused", () => {
    const data = join(tmp, "data");
    const saved = process.env.JUPYTER_DATA_DIR;
    process.env.JUPYTER_DATA_DIR = data;
    try {
      expect(kernelsDir({ user: true })).toBe(join(data, "kernels"));
      const dir = installKernelSpec({}, { name: "tb2", displayName: "TB two" });
      expect(dir).toBe(join(data, "kernels", "tb2"));
      expect(JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")).display_name).toBe("TB two");
      expect(uninstallKernelSpec({ user: true }, { name: "tb2" })).toBe(dir);
    } finally {
      if (saved === undefined) delete process.env.JUPYTER_DATA_DIR;
      else process.env.JUPYTER_DATA_DIR = saved;
    }
    expect(() => kernelsDir({ user: true, prefix: tmp })).toThrow("choose one of --user, --prefix and --sys-prefix");
    expect(() => installKernelSpec({ prefix: tmp }, { name: "../evil" })).toThrow(/may only contain/);

    const foreign = join(tmp, "p2", "share", "jupyter", "kernels", "tunebook");
    mkdirSync(foreign, { recursive: true });
    writeFileSync(join(foreign, "kernel.json"), JSON.stringify({ argv: ["python3", "-m", "ipykernel"], display_name: "x", language: "python" }));
    expect(() => uninstallKernelSpec({ prefix: join(tmp, "p2") })).toThrow("was not written by tunebook; not removing it");
    expect(existsSync(foreign)).toBe(true);
  });
});
