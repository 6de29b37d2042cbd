#!/usr/bin/env node
// The tunebook Jupyter kernel (started by Jupyter through the kernelspec `tunebook kernel install` writes).
// Runs the compiled kernel (dist/, built by `npm run build`); without dist/, falls back to the sources via tsx
// (magics work, but notebooks cannot type-check `import … from "tunebook"` until dist/ is built).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = fileURLToPath(new URL("../dist/kernel/main.js", import.meta.url));
let mod;
// TUNEBOOK_KERNEL_SOURCES=1 runs the TypeScript sources even when dist/ exists (development, tests).
if (existsSync(dist) && !process.env.TUNEBOOK_KERNEL_SOURCES) {
  mod = await import(pathToFileURL(dist).href);
} else {
  await import("tsx/esm");
  mod = await import(new URL("../src/kernel/main.ts", import.meta.url).href);
}
await mod.startKernel(process.argv.slice(2));
