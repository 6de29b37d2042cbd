#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` through the prepare script).
// Without dist/ (a checkout before `npm run build`), falls back to the TypeScript sources via tsx.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
let mod;
if (existsSync(dist)) {
  mod = await import(pathToFileURL(dist).href);
} else {
  await import("tsx/esm");
  mod = await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
process.exit(await mod.main(process.argv));
