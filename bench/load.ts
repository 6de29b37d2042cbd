/**
 * Load 1,000,000 measurement rows (JSONL and CSV) into a study vs pandas read_json(lines=True) /
 * read_csv (goals: JSONL 10×, CSV 2× faster; issue 20), and best value per trial vs pandas groupby-min (goal: ≥ 1×).
 */
import { loadStudy } from "../src/study/load.js";
import { generate } from "./gen.js";
import { peer, report, time } from "./common.js";

const { jsonl, csv, rows } = await generate();
const p = peer("load", [jsonl, csv]);
let study = await loadStudy(jsonl);
if (study.measurementCount !== rows) throw new Error(`loaded ${study.measurementCount} rows, expected ${rows}`);
const tJson = await time(async () => (study = await loadStudy(jsonl)), 3, false);
const tCsv = await time(async () => void (await loadStudy(csv)), 3, false);
report("load 1M rows JSONL", tJson, "pandas read_json(lines=True)", p?.read_json, "10×");
report("load 1M rows CSV", tCsv, "pandas read_csv", p?.read_csv, "2×");
let best = new Map<string, number>();
const tBest = await time(() => (best = study.bestPerTrial("validation/loss", "minimize")), 5);
if (p && best.size !== p.trials - 0 && best.size > p.trials) throw new Error("best-per-trial count disagrees with pandas");
report("best value per trial (1M rows)", tBest, "pandas groupby-min", p?.groupby_min, "1×");
