/**
 * `npm run bench`: install the peers, generate the shared synthetic study, then run every
 * benchmark in its own process (so one's memory does not slow the next) and print each ratio.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { BENCH_DIR } from "./common.js";
import { generate } from "./gen.js";

const t0 = Date.now();
// `npm run bench -- NAME… [--flag value…]`: names pick benchmarks (prefixes); the first argument
// starting with "-" and everything after it go to each benchmark (e.g. `scale --sizes 10M`).
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith("-"));
const only = firstFlag < 0 ? args : args.slice(0, firstFlag);
const passOn = firstFlag < 0 ? [] : args.slice(firstFlag);
// The findings, fuzz and report-size benchmarks need neither peers nor the synthetic study: skip both when they run alone.
const needsPeers = !only.length || only.some((o) => o !== "findings" && o !== "fuzz" && o !== "report-size");
// scale writes its own studies (and takes minutes and gigabytes of disk): it runs only when named.
const needsStudy = !only.length || only.some((o) => o !== "findings" && o !== "fuzz" && o !== "report-size" && o !== "scale");
if (needsPeers) {
  const install = spawnSync("bash", [`${BENCH_DIR}peers.sh`], { stdio: "inherit" });
  if (install.status !== 0) process.stderr.write("bench: could not install every peer; ratios for missing peers print n/a\n");
}
if (needsStudy) await generate();
const order = ["load", "halton", "figure", "review", "train-step", "runner"];
const files = readdirSync(BENCH_DIR).filter((f) => f.endsWith(".ts") && !["run.ts", "common.ts", "gen.ts"].includes(f));
files.sort((a, b) => (order.indexOf(a.replace(/\.ts$/, "")) + 100) % 100 - (order.indexOf(b.replace(/\.ts$/, "")) + 100) % 100);
let failed = 0;
for (const f of files) {
  if (only.length ? !only.some((o) => f.startsWith(o)) : f === "scale.ts") continue;
  process.stdout.write(`\n# ${f}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `${BENCH_DIR}${f}`, ...passOn], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${f}: failed (exit ${r.status})\n`);
  }
}
process.stdout.write(`\nbench: done in ${((Date.now() - t0) / 1000).toFixed(0)} s on ${process.platform} ${process.arch}, node ${process.version}${failed ? `, ${failed} failed` : ""}\n`);
process.exit(failed ? 1 : 0);
