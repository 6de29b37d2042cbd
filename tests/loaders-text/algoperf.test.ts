import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../../src/study/formats/index.js";
import { detectFormat, loadStudy } from "../../src/study/load.js";
import { algoperfTarget, splitByGroup, splitByWorkload } from "../../src/study/formats/algoperf.js";
import type { Study } from "../../src/study/study.js";
import { DATA } from "../helpers/cli.js";

const RAW = `${DATA}algoperf_v05/raw_logdir/prize_qualification_baseline`;
const CURVES = `${DATA}algoperf_v05/curves_baseline_nadamw/prize_qualification_baseline`;

/** Independent CSV reader (these files have no quoted fields). */
function readCsv(path: string): Array<Record<string, string>> {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const header = lines[0]!.split(",");
  return lines.slice(1).map((l) => {
    const c = l.split(",");
    return Object.fromEntries(header.map((h, i) => [h, c[i] ?? ""]));
  });
}

function trialDirs(root: string): Array<{ id: string; dir: string }> {
  const out: Array<{ id: string; dir: string }> = [];
  for (const s of readdirSync(root).filter((x) => x.startsWith("study_")))
    for (const w of readdirSync(join(root, s)))
      for (const t of readdirSync(join(root, s, w)).filter((x) => x.startsWith("trial_")))
        out.push({ id: `${s}/${w}/${t}`, dir: join(root, s, w, t) });
  return out;
}

let raw: Study;
beforeAll(async () => {
  raw = await loadStudy(RAW);
});

describe("AlgoPerf raw log folders", () => {
  it("is detected at every level and loads 10 trials over 2 studies", async () => {
    expect(await detectFormat(RAW)).toBe("algoperf");
    expect(await detectFormat(`${DATA}algoperf_v05/raw_logdir`)).toBe("algoperf");
    expect(await detectFormat(`${RAW}/study_0/imagenet_resnet_jax/trial_2`)).toBe("algoperf");
    expect(raw.size).toBe(10);
    expect(raw.source.format).toBe("algoperf");
    expect(new Set(raw.trialRows().map((t) => t.attrs.study))).toEqual(new Set(["study_0", "study_1"]));
    expect(new Set(raw.trialRows().map((t) => t.group))).toEqual(new Set(["study_0/imagenet_resnet_jax", "study_1/imagenet_resnet_jax"]));
    expect(raw.trialIds().sort()).toEqual(trialDirs(RAW).map((t) => t.id).sort());
    expect(raw.objective).toEqual({ metric: "validation/accuracy", direction: "maximize" });
    expect(raw.warnings).toEqual([]);
  });

  it("has the step counts, grad_norm per step and hyperparameters of the CSV/JSON files", () => {
    for (const { id, dir } of trialDirs(RAW)) {
      const evals = readCsv(join(dir, "eval_measurements.csv"));
      const meas = readCsv(join(dir, "measurements.csv"));
      const t = raw.trial(id)!;
      const lastStep = Math.max(...evals.map((r) => Number(r.global_step)), ...meas.map((r) => Number(r.global_step)));
      expect(t.steps).toBe(lastStep);
      // grad_norm: one measurement per row of measurements.csv that has it, same values.
      const gn = meas.filter((r) => r.grad_norm !== "");
      const curve = raw.curve(id, "grad_norm");
      expect(curve.steps).toEqual(gn.map((r) => Number(r.global_step)).sort((a, b) => a - b));
      expect(curve.values).toEqual([...gn].sort((a, b) => Number(a.global_step) - Number(b.global_step)).map((r) => Number(r.grad_norm)));
      expect(raw.curve(id, "loss").steps.length).toBe(meas.filter((r) => r.loss !== "").length);
      // Evaluations: every eval row once, not twice (measurements.csv repeats them).
      const acc = raw.curve(id, "validation/accuracy");
      expect(acc.steps).toEqual(evals.map((r) => Number(r.global_step)));
      expect(acc.values).toEqual(evals.map((r) => Number(r["validation/accuracy"])));
      const best = Math.max(...evals.map((r) => Number(r["validation/accuracy"])));
      expect(t.best).toBe(best);
      expect(t.final).toBe(Number(evals.at(-1)!["validation/accuracy"]));
      expect(t.hparams).toEqual(Object.assign(Object.create(null), JSON.parse(readFileSync(join(dir, "hparams.json"), "utf8"))));
      expect(t.attrs.workload).toBe("imagenet_resnet_jax");
      expect(t.attrs.framework).toBe("jax");
    }
    // No (trial, step, metric) appears twice.
    const { trial, step, metric } = raw.measurementColumns().toArrays();
    const keys = new Set(trial.map((t, i) => `${t}|${step[i]}|${metric[i]}`));
    expect(keys.size).toBe(trial.length);
  });

  it("loads a single trial, a workload and a study folder", async () => {
    const one = await loadStudy(`${RAW}/study_1/imagenet_resnet_jax/trial_3`);
    expect(one.trialIds()).toEqual(["study_1/imagenet_resnet_jax/trial_3"]);
    const wl = await loadStudy(`${RAW}/study_0/imagenet_resnet_jax`);
    expect(wl.trialIds()).toEqual([1, 2, 3, 4, 5].map((n) => `study_0/imagenet_resnet_jax/trial_${n}`));
    const st = await loadStudy(`${RAW}/study_1`);
    expect(st.size).toBe(5);
  });

  it("lets --objective override the workload target", async () => {
    const s = await loadStudy(RAW, { objective: "validation/loss" });
    expect(s.objective).toEqual({ metric: "validation/loss", direction: "minimize" });
    const { id, dir } = trialDirs(RAW)[0]!;
    const evals = readCsv(join(dir, "eval_measurements.csv"));
    expect(s.trial(id)!.best).toBe(Math.min(...evals.map((r) => Number(r["validation/loss"]))));
  });
});

describe("AlgoPerf baseline curves (18 workloads)", () => {
  let curves: Study;
  beforeAll(async () => {
    curves = await loadStudy(CURVES);
  });

  it("loads 396 trials over 18 workloads and 5 studies", () => {
    expect(curves.size).toBe(396);
    expect(new Set(curves.trialRows().map((t) => t.attrs.workload)).size).toBe(18);
    expect(new Set(curves.trialRows().map((t) => t.attrs.study)).size).toBe(5);
  });

  it("uses each workload's target as in trials_summary.csv, and splits by workload", () => {
    const summary = readCsv(`${DATA}algoperf_v05/trials_summary.csv`);
    const target = new Map(summary.map((r) => [r.workload, { metric: `validation/${r.target_metric}`, direction: r.higher_is_better === "True" ? "maximize" : "minimize" }]));
    const dirs = trialDirs(CURVES);
    expect(dirs.length).toBe(396);
    for (const { id, dir } of dirs.filter((_, i) => i % 7 === 0)) {
      const t = curves.trial(id)!;
      const want = target.get(t.attrs.workload as string)!;
      expect(algoperfTarget(t.attrs.workload as string)).toEqual(want);
      expect(t.attrs.objectiveMetric).toBe(want.metric);
      const vals = readCsv(join(dir, "eval_measurements.csv")).map((r) => Number(r[want.metric])).filter(Number.isFinite);
      expect(t.best).toBe(want.direction === "maximize" ? Math.max(...vals) : Math.min(...vals));
    }
    const byWorkload = splitByWorkload(curves);
    expect(byWorkload.size).toBe(18);
    for (const [w, sub] of byWorkload) expect(sub.objective).toEqual(target.get(w));
    const byGroup = splitByGroup(curves);
    expect(byGroup.size).toBe(new Set(dirs.map((d) => d.id.split("/").slice(0, 2).join("/"))).size);
    expect(curves.warnings.some((w) => /mix workloads/.test(w.message))).toBe(true);
  });
});

describe("AlgoPerf folders with missing or broken files", () => {
  const tmp = mkdtempSync(join(tmpdir(), "tunebook-algoperf-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("warns and keeps loading", async () => {
    const root = join(tmp, "sub");
    cpSync(`${RAW}/study_0/imagenet_resnet_jax/trial_1`, join(root, "study_0/imagenet_resnet_jax/trial_1"), { recursive: true });
    cpSync(`${RAW}/study_0/imagenet_resnet_jax/trial_2`, join(root, "study_0/imagenet_resnet_jax/trial_2"), { recursive: true });
    cpSync(`${RAW}/study_0/imagenet_resnet_jax/trial_3`, join(root, "study_0/imagenet_resnet_jax/trial_3"), { recursive: true });
    const t1 = join(root, "study_0/imagenet_resnet_jax/trial_1");
    const t2 = join(root, "study_0/imagenet_resnet_jax/trial_2");
    const t3 = join(root, "study_0/imagenet_resnet_jax/trial_3");
    rmSync(join(t1, "hparams.json"));
    rmSync(join(t2, "eval_measurements.csv"));
    rmSync(join(t2, "measurements.csv"));
    writeFileSync(join(t3, "eval_measurements.csv"), "step_count,validation/accuracy\n1,0.5\n");
    writeFileSync(join(t3, "flags_0.json"), "{not json");
    expect(existsSync(join(t2, "hparams.json"))).toBe(true);
    const s = await loadStudy(root);
    expect(s.size).toBe(3);
    const w = s.warnings.map((x) => `${x.file} ${x.field ?? ""} ${x.message}`);
    expect(w.some((m) => m.includes(join(t1, "hparams.json")) && /missing hparams\.json/.test(m))).toBe(true);
    expect(s.trial("study_0/imagenet_resnet_jax/trial_1")!.steps).toBeGreaterThan(180000);
    expect(Object.keys(s.trial("study_0/imagenet_resnet_jax/trial_1")!.hparams)).toEqual([]);
    expect(s.trial("study_0/imagenet_resnet_jax/trial_2")!.status).toBe("failed");
    expect(w.some((m) => m.includes(t2) && /no readable eval_measurements/.test(m))).toBe(true);
    expect(w.some((m) => m.includes(join(t3, "eval_measurements.csv")) && /global_step/.test(m))).toBe(true);
    expect(w.some((m) => m.includes(t3) && /flags_0\.json is not valid JSON/.test(m))).toBe(true);
    // trial_3 still has its per-step measurements.csv (evaluations included).
    expect(s.curve("study_0/imagenet_resnet_jax/trial_3", "validation/accuracy").steps.length).toBeGreaterThan(100);
  });

  it("keeps two copies of the same submission apart, and warns about an empty CSV", async () => {
    const root = join(tmp, "two");
    const src = `${RAW}/study_1/imagenet_resnet_jax/trial_4`;
    cpSync(src, join(root, "a/prize_qualification_baseline/study_1/imagenet_resnet_jax/trial_4"), { recursive: true });
    cpSync(src, join(root, "b/prize_qualification_baseline/study_1/imagenet_resnet_jax/trial_4"), { recursive: true });
    writeFileSync(join(root, "b/prize_qualification_baseline/study_1/imagenet_resnet_jax/trial_4/eval_measurements.csv"), "");
    const s = await loadStudy(root);
    expect(s.trialIds()).toEqual([
      "a/prize_qualification_baseline/study_1/imagenet_resnet_jax/trial_4",
      "b/prize_qualification_baseline/study_1/imagenet_resnet_jax/trial_4",
    ]);
    const [a, b] = s.trialRows();
    expect(b!.best).toBe(a!.best); // b's evaluations still come from measurements.csv
    expect(s.warnings.some((w) => w.file.endsWith("b/prize_qualification_baseline/study_1/imagenet_resnet_jax/trial_4/eval_measurements.csv") && /no data rows/.test(w.message))).toBe(true);
  });

  it("throws a clear error for a folder with no trials", async () => {
    const empty = join(tmp, "empty");
    cpSync(`${DATA}algoperf_v05/search_spaces`, empty, { recursive: true });
    await expect(loadStudy(empty, { format: "algoperf" })).rejects.toThrow(/no AlgoPerf trial folders found/);
  });
});
