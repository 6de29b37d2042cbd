/**
 * Entry point of the tunebook Jupyter kernel: `node bin/tunebook-kernel.js --config-path <connection file>`
 * (what the installed kernelspec runs). Starts tslab's ZeroMQ server with the tunebook handler.
 */
import { TunebookKernel } from "./kernel.js";
import { createServer, TunebookHandler } from "./server.js";
import { InterruptedError } from "./runtime.js";

/** Parse `--config-path <file>` (or `--config-path=<file>`, or a bare path). */
export function parseKernelArgs(argv: string[]): { configPath: string } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--config-path" || a === "-f") return { configPath: argv[i + 1] ?? "" };
    if (a.startsWith("--config-path=")) return { configPath: a.slice("--config-path=".length) };
  }
  const bare = argv.find((a) => a.endsWith(".json"));
  return { configPath: bare ?? "" };
}

/**
 * Call `onGone` once the process that started the kernel is gone (like ipykernel's parent
 * poller): its parent PID changed (re-parented to init or a subreaper), or the process Jupyter
 * named in JPY_PARENT_PID no longer exists. Checked every second; does not keep the process alive.
 *
 * @example
 * watchParent(() => process.exit(0));
 */
export function watchParent(onGone: () => void, intervalMs = 1000): () => void {
  const ppid = process.ppid;
  const named = Number(process.env.JPY_PARENT_PID);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM";
    }
  };
  const timer = setInterval(() => {
    if (process.ppid !== ppid || (Number.isInteger(named) && named > 1 && !alive(named))) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Start the kernel (never returns until Jupyter shuts it down).
 *
 * @example
 * await startKernel(["--config-path", "/run/user/1000/jupyter/kernel-1234.json"]);
 */
export async function startKernel(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { configPath } = parseKernelArgs(argv);
  if (!configPath) {
    process.stderr.write("usage: tunebook-kernel --config-path <connection file>\n(Jupyter starts this; install it with `tunebook kernel install`)\n");
    process.exit(2);
  }
  // The notebook's `import … from "tunebook"` gets this module instance.
  // A broken build must not kill the kernel: cells then get the import error, magics still run.
  let tunebook: unknown;
  try {
    tunebook = await import("../index.js");
  } catch (e) {
    process.stderr.write(`tunebook kernel: could not load the tunebook library: ${(e as Error).message}\n`);
    tunebook = new Proxy({}, { get: (_t, p) => { if (p === "then") return undefined; throw e; } });
  }
  const kernel = new TunebookKernel(process.cwd(), tunebook);
  // Chromium for static figure images starts now, while the user reads the first cells.
  kernel.runtime.figures.warm();
  const exit = (code: number) => {
    // The browser is a child process: close it, then leave (at most a second later either way).
    setTimeout(() => process.exit(code), 1000).unref();
    void kernel.runtime.figures.close().finally(() => process.exit(code));
  };
  const server = createServer(new TunebookHandler(kernel, () => exit(0)), configPath);
  watchParent(() => exit(0));
  process.on("SIGINT", () => kernel.interrupt());
  // Keep the kernel alive whatever a cell leaves behind.
  process.on("uncaughtException", (err) => console.error("uncaught exception:", err));
  process.on("unhandledRejection", (reason) => {
    // An interrupted cell's promise rejects after the cell already ended: nothing to report.
    if (reason instanceof InterruptedError) return;
    console.error("unhandled promise rejection:", reason);
  });
  await server.init();
}
