/**
 * Real Optuna for the storage tests: Debian's python3-optuna via /usr/bin/python3 running
 * tests/fixtures/optuna/rdb.py, and the checks that compare a loaded study with Optuna's own view.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import type { Study } from "../../src/study/study.js";
import type { HpValue } from "../../src/study/types.js";
import { ROOT } from "./cli.js";

export const PY = "/usr/bin/python3";
export const SCRIPT = join(ROOT, "tests/fixtures/optuna/rdb.py");

/** Why Optuna cannot run here (undefined when it can). */
export const noOptuna = (() => {
  const r = spawnSync(PY, ["-c", "import optuna, sqlalchemy; print(optuna.__version__)"], { encoding: "utf8" });
  return r.status === 0 ? undefined : `Optuna is not importable by ${PY} (apt-get install python3-optuna): ${r.stderr.trim().split("\n").pop()}`;
})();

export function py(args: string[]): string {
  const r = spawnSync(PY, [SCRIPT, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`rdb.py ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

export type Num = number | "NaN" | "Infinity" | "-Infinity";
export interface OptunaTrial {
  number: number;
  state: string;
  values: Num[] | null;
  params: Record<string, HpValue>;
  distributions: Record<string, { name: string; attributes: Record<string, unknown> }>;
  intermediate_values: Array<[number, Num]>;
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
  datetime_start: string | null;
  datetime_complete: string | null;
}
export interface OptunaStudy {
  name: string;
  directions: string[];
  system_attrs: Record<string, unknown>;
  trials: OptunaTrial[];
}

export const num = (v: Num): number => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v);

export function dump(url: string): OptunaStudy[] {
  return JSON.parse(py(["dump", url])) as OptunaStudy[];
}

/**
 * The search-space entry an Optuna distribution stands for, written here from Optuna's
 * distribution semantics (not from the loader): log → log scale, a step → the grid low, low+step…
 * ≤ high, categorical → its choices (Python's None shown as "None").
 */
function expectedParam(name: string, d: { name: string; attributes: Record<string, unknown> }): Record<string, unknown> {
  const a = d.attributes;
  if (d.name === "CategoricalDistribution") return { name, type: "categorical", values: (a.choices as unknown[]).map((c) => (c === null ? "None" : c)) };
  const low = a.low as number;
  const high = a.high as number;
  const step = a.step as number | null;
  if (d.name === "FloatDistribution" && step !== null) {
    const values: number[] = [];
    for (let i = 0; low + i * step <= high + 1e-9; i++) values.push(low + i * step);
    return { name, type: "discrete", values };
  }
  if (d.name === "IntDistribution" && step !== 1 && !a.log) {
    const values: number[] = [];
    for (let v = low; v <= high; v += step!) values.push(v);
    return { name, type: "discrete", values };
  }
  return { name, type: d.name === "IntDistribution" ? "int" : "float", low, high, scale: a.log ? "log" : "linear" };
}

/**
 * The status tunebook gives a trial, from Optuna's state: PRUNED stays pruned, FAIL is failed,
 * RUNNING and WAITING are running; a COMPLETE trial whose objective or a reported value is NaN or
 * ±Infinity is diverged (tunebook's rule for non-finite results).
 */
function expectedStatus(t: OptunaTrial, obj: number): string {
  const values = [...(t.values ? [t.values[obj]!] : []), ...t.intermediate_values.map((x) => x[1])].map(num);
  const nonFinite = values.some((v) => !Number.isFinite(v));
  if (t.state === "FAIL") return "failed";
  if (t.state === "RUNNING" || t.state === "WAITING") return nonFinite ? "diverged" : "running";
  if (nonFinite) return "diverged";
  return t.state === "PRUNED" ? "pruned" : "complete";
}

/** Every trial, state, parameter, value, intermediate value, attribute and distribution of `o` in `study`. */
export function expectSameAsOptuna(study: Study, o: OptunaStudy, objective = 0, metricNames?: string[]): void {
  const names = metricNames ?? (o.directions.length === 1 ? ["value"] : o.directions.map((_, i) => `values_${i}`));
  expect(study.name).toBe(o.name);
  expect(study.objective).toEqual({ metric: names[objective], direction: o.directions[objective]!.toLowerCase() });
  expect(study.size).toBe(o.trials.length);
  const allParams = new Set(o.trials.flatMap((t) => Object.keys(t.params)));
  for (const t of o.trials) {
    const row = study.trial(String(t.number))!;
    expect(row, `trial ${t.number}`).toBeDefined();
    expect(row.attrs.state, `trial ${t.number} state`).toBe(t.state);
    expect(row.status, `trial ${t.number} status`).toBe(expectedStatus(t, objective));
    for (const p of allParams) {
      const want = p in t.params ? (t.params[p] === null ? "None" : t.params[p]) : null;
      expect(row.hparams[p], `trial ${t.number} ${p}`).toBe(want);
    }
    // The objective Optuna reports; a trial without one (running, failed) gets its last reported value.
    const v = t.values ? num(t.values[objective]!) : t.intermediate_values.length ? num(t.intermediate_values.at(-1)![1]) : null;
    expect(row.final, `trial ${t.number} value`).toBe(v);
    const curve = study.curve(String(t.number), names[objective]!);
    expect(curve.steps, `trial ${t.number} steps`).toEqual(t.intermediate_values.map((x) => x[0]));
    expect(curve.values, `trial ${t.number} intermediate values`).toEqual(t.intermediate_values.map((x) => num(x[1])));
    t.values?.forEach((x, j) => {
      if (j === objective) return;
      expect(row.attrs[names[j]!], `trial ${t.number} ${names[j]}`).toBe(num(x));
      expect(study.curve(String(t.number), names[j]!).values).toEqual([num(x)]);
    });
    expect(row.attrs.userAttrs ?? {}, `trial ${t.number} user attrs`).toEqual(t.user_attrs);
    expect(row.attrs.systemAttrs ?? {}, `trial ${t.number} system attrs`).toEqual(t.system_attrs);
    expect(row.attrs.datetimeStart ?? null).toBe(t.datetime_start);
    expect(row.attrs.datetimeComplete ?? null).toBe(t.datetime_complete);
  }
  // The space: one parameter per distribution Optuna recorded, with its scale or values.
  const dists = new Map<string, OptunaTrial["distributions"][string]>();
  for (const t of o.trials) for (const [k, d] of Object.entries(t.distributions)) if (!dists.has(k)) dists.set(k, d);
  expect(study.space!.params.map((p) => p.name).sort()).toEqual([...dists.keys()].sort());
  for (const p of study.space!.params) {
    const want = expectedParam(p.name, dists.get(p.name)!);
    const { condition: _c, ...got } = p;
    if (want.type === "discrete") {
      expect(got.type).toBe("discrete");
      const values = (got as { values: number[] }).values;
      expect(values.length).toBe((want.values as number[]).length);
      values.forEach((x, i) => expect(x).toBeCloseTo((want.values as number[])[i]!, 12));
    } else expect(got).toEqual(want);
  }
}

/**
 * Run `rdb.py live URL NAME N [options]` (see rdb.py) and resolve when it exits. `onTrial` is
 * called after each finished trial; with `pause=K`, `onPause` runs while Optuna waits in the middle
 * of trial K (RUNNING, one intermediate value stored), and the writer goes on once it resolved.
 */
export function liveWriter(
  url: string,
  name: string,
  n: number,
  onTrial: () => void | Promise<void>,
  options: string[] = [],
  onPause: () => void | Promise<void> = () => undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(PY, [SCRIPT, "live", url, name, String(n), ...options], { stdio: ["pipe", "pipe", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    let buf = "";
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf("\n")) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === "paused") void Promise.resolve(onPause()).then(() => p.stdin.write("go\n"), (e: unknown) => (p.kill(), reject(e)));
        else void onTrial();
      }
    });
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`live writer exited ${code}: ${err}`))));
  });
}

/** What one consistent snapshot of the live study must satisfy, whatever moment it was taken at. */
export function expectConsistent(study: Study): void {
  const ids = study.trialIds().map(Number);
  expect(ids).toEqual(ids.map((_, i) => i)); // numbers 0..n-1, none missing
  for (const r of study.trialRows()) {
    // Optuna writes a trial's state and value in one transaction: a finished trial has its value.
    if (r.attrs.state === "COMPLETE") expect(r.final, `trial ${r.id}`).not.toBeNull();
    if (r.attrs.state === "COMPLETE") expect(study.curve(r.id, "value").steps).toEqual([0, 1, 2, 3, 4]);
    if (r.status !== "running") expect(r.hparams.x).not.toBeNull();
  }
}

