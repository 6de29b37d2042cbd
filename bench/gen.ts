/**
 * The shared synthetic study for benchmarks: 2,000 trials × 500 steps = 1,000,000 measurement
 * rows, as JSONL (one row per measurement, hyperparameters as hp.* keys) and CSV, fixed seed.
 * Usage: tsx bench/gen.ts [--trials 2000] [--steps 500]
 */
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { once } from "node:events";
import { DATA_DIR } from "./common.js";
import { mulberry32 } from "../src/util/random.js";


export interface GenOptions {
  trials?: number;
  steps?: number;
  seed?: number;
}

export async function generate(opts: GenOptions = {}): Promise<{ jsonl: string; csv: string; rows: number }> {
  const trials = opts.trials ?? 2000;
  const steps = opts.steps ?? 500;
  mkdirSync(DATA_DIR, { recursive: true });
  const jsonl = `${DATA_DIR}study-${trials}x${steps}.jsonl`;
  const csv = `${DATA_DIR}study-${trials}x${steps}.csv`;
  if (existsSync(jsonl) && existsSync(csv)) return { jsonl, csv, rows: trials * steps };
  const r = mulberry32(opts.seed ?? 42);
  const j = createWriteStream(jsonl);
  const c = createWriteStream(csv);
  c.write("trial,step,metric,value,hp.learning_rate,hp.weight_decay,hp.dropout,hp.activation\n");
  for (let t = 0; t < trials; t++) {
    const lr = 10 ** (-5 + 5 * r());
    const wd = 10 ** (-6 + 4 * r());
    const dropout = r() * 0.5;
    const act = ["relu", "gelu", "tanh"][Math.floor(r() * 3)]!;
    const floor = 0.1 + 0.2 * (Math.log10(lr) + 2.5) ** 2 + 0.1 * (Math.log10(wd) + 4) ** 2 + dropout * 0.3;
    const diverges = lr > 0.3;
    let buf = "";
    let cbuf = "";
    for (let s = 1; s <= steps; s++) {
      let v = floor + 2 * Math.exp(-s / 60) + 0.02 * (r() - 0.5);
      if (diverges && s > steps / 4) v = NaN;
      const id = `t${t}`;
      const vs = Number.isNaN(v) ? "NaN" : v.toPrecision(7);
      buf += `{"trial":"${id}","step":${s},"metric":"validation/loss","value":${Number.isNaN(v) ? '"NaN"' : vs},"hp.learning_rate":${lr},"hp.weight_decay":${wd},"hp.dropout":${dropout},"hp.activation":"${act}"}\n`;
      cbuf += `${id},${s},validation/loss,${vs},${lr},${wd},${dropout},${act}\n`;
    }
    if (!j.write(buf)) await once(j, "drain");
    if (!c.write(cbuf)) await once(c, "drain");
  }
  j.end();
  c.end();
  await Promise.all([once(j, "finish"), once(c, "finish")]);
  return { jsonl, csv, rows: trials * steps };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (n: string) => {
    const i = process.argv.indexOf(`--${n}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const r = await generate({ trials: arg("trials"), steps: arg("steps") });
  console.log(`wrote ${r.rows} rows: ${r.jsonl}, ${r.csv}`);
}
