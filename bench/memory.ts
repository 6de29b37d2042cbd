/**
 * Heap bytes per measurement row of a loaded study (goal ≤ 16): the bench's 1,000,000-row CSV
 * (2,000 trials × 500 steps) loaded into a Study, measured with process.memoryUsage() after a full
 * GC before and after the load (V8 heap plus the typed arrays' backing stores, which V8 counts as
 * `arrayBuffers`, outside `heapUsed`). Re-runs itself with --expose-gc when started without it.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const { loadStudy } = await import("../src/study/load.js");
const { generate } = await import("./gen.js");

const gc = globalThis.gc as () => void;
// ArrayBuffer backing stores are freed after the GC that finds them dead: collect, yield, repeat.
const used = async (): Promise<number> => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const { csv, jsonl, rows } = await generate();
// Warm the loaders' modules first (a small load), so the measured delta is the study alone.
const small = `${(await import("./common.js")).DATA_DIR}memory-warmup.csv`;
(await import("node:fs")).writeFileSync(small, "trial,step,metric,value\na,1,loss,0.5\n");
await loadStudy(small);
// Every study stays alive to the end, so the next one's "before" does not drop the last one.
const alive: unknown[] = [];
for (const [name, file] of [["CSV", csv], ["JSONL", jsonl]] as const) {
  const before = await used();
  const study = await loadStudy(file);
  const after = await used();
  if (study.measurementCount !== rows) throw new Error(`loaded ${study.measurementCount} rows, expected ${rows}`);
  const perRow = (after - before) / rows;
  const cols = study.measurementColumns().bytes / rows;
  process.stdout.write(
    `study heap per measurement row (${name}, ${rows.toLocaleString("en-US")} rows, ${study.size} trials): ${perRow.toFixed(2)} bytes (columns ${cols.toFixed(2)}; trials and the rest ${(perRow - cols).toFixed(2)}) (goal ≤ 16: ${perRow <= 16 ? "met" : "missed"})\n`,
  );
  alive.push(study);
}
if (alive.length !== 2) throw new Error("studies were not kept");
