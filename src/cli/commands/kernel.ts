import type { Command } from "commander";
import { installKernelSpec, uninstallKernelSpec, kernelsDir, DISPLAY_NAME, KERNEL_NAME } from "../../kernel/kernelspec.js";
import { hasTypes } from "../../kernel/resolve.js";
import { escapeTerminal } from "../../core/terminal.js";

interface LocOpts {
  user?: boolean;
  prefix?: string;
  sysPrefix?: boolean;
  name?: string;
  displayName?: string;
}

function location(o: LocOpts) {
  return { user: o.user, prefix: o.prefix, sysPrefix: o.sysPrefix };
}

export function register(program: Command): void {
  const kernel = program.command("kernel").description("install or remove the tunebook Jupyter kernel (TypeScript + tuning magics)");
  const where = (c: Command) =>
    c
      .option("--user", "the per-user kernels folder (default)")
      .option("--prefix <dir>", "<dir>/share/jupyter/kernels (e.g. a virtualenv, or a temporary JUPYTER_PATH)")
      .option("--sys-prefix", "python3's sys.prefix/share/jupyter/kernels (conda env, virtualenv)")
      .option("--name <name>", "kernelspec name", KERNEL_NAME);
  where(kernel.command("install").description(`write the "${DISPLAY_NAME}" kernelspec (runs this node and this package)`))
    .option("--display-name <text>", "name shown in Jupyter", DISPLAY_NAME)
    .action((o: LocOpts) => {
      const dir = installKernelSpec(location(o), { name: o.name, displayName: o.displayName });
      process.stdout.write(`installed kernelspec ${escapeTerminal(o.name ?? KERNEL_NAME)} in ${escapeTerminal(dir)}\n`);
      if (o.prefix) process.stdout.write(`(Jupyter finds it with JUPYTER_PATH=${escapeTerminal(o.prefix)}/share/jupyter)\n`);
      if (!hasTypes()) process.stdout.write("note: dist/ is not built: run `npm run build` so notebooks can import from \"tunebook\" with types\n");
      process.stdout.write("check with: jupyter kernelspec list\n");
    });
  where(kernel.command("uninstall").description("remove the kernelspec")).action((o: LocOpts) => {
    const dir = uninstallKernelSpec(location(o), { name: o.name });
    if (dir) process.stdout.write(`removed kernelspec ${escapeTerminal(o.name ?? KERNEL_NAME)} from ${escapeTerminal(dir)}\n`);
    else {
      process.stdout.write(`no kernelspec ${escapeTerminal(o.name ?? KERNEL_NAME)} in ${escapeTerminal(kernelsDir(location(o)))}\n`);
      process.exitCode = 1;
    }
  });
}
