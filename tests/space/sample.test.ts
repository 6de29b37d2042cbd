import { describe, expect, it } from "vitest";
import { gridSize, gridValues, haltonPoints, mapUnit, parseSpace, sample, sampleAt, unitToTrial, type Param } from "../../src/space/index.js";

const SPACE = parseSpace(`
name: t
parameters:
  learning_rate: {type: float, low: 1e-4, high: 1e-1, scale: log}
  optimizer: {type: categorical, values: [adam, sgd, momentum]}
  beta1: {type: float, low: 0.8, high: 0.99, when: {optimizer: adam}}
  nesterov: {type: categorical, values: [true, false], when: {optimizer: [sgd, momentum]}}
  damping: {type: float, low: 0, high: 1, when: {nesterov: true}}
  batch_size: {type: discrete, values: [32, 64, 128, 256]}
  layers: {type: int, low: 1, high: 4}
  width: {type: int, low: 16, high: 1024, scale: log}
  weight_decay: {type: fixed, value: 0}
`);

describe("mapping the unit cube into the space", () => {
  it("float: linear and log scale (log scale is uniform in log space)", () => {
    const lin: Param = { name: "x", type: "float", low: 2, high: 4, scale: "linear" };
    const log: Param = { name: "x", type: "float", low: 1e-4, high: 1e-0, scale: "log" };
    expect(mapUnit(lin, 0)).toBe(2);
    expect(mapUnit(lin, 0.25)).toBe(2.5);
    expect(mapUnit(log, 0.5)).toBeCloseTo(1e-2, 12);
    expect(mapUnit(log, 0.25)).toBeCloseTo(1e-3, 12);
    expect(mapUnit(log, 0)).toBe(1e-4);
  });

  it("int linear: floor(u·K), each of the K integers equally likely", () => {
    const p: Param = { name: "k", type: "int", low: 1, high: 4, scale: "linear" };
    expect([0, 0.249, 0.25, 0.5, 0.75, 0.999999].map((u) => mapUnit(p, u))).toEqual([1, 1, 2, 3, 4, 4]);
  });

  it("int log: log-uniform over [low−½, high+½] then rounded", () => {
    const p: Param = { name: "k", type: "int", low: 1, high: 1000, scale: "log" };
    const a = Math.log(0.5);
    const b = Math.log(1000.5);
    // Mass of m = ln((m+½)/(m−½)) / (b−a): 1 gets ln 3/(b−a) ≈ 14.5%, 1000 gets ≈ 0.01%.
    const counts = new Map<number, number>();
    const N = 200000;
    for (let i = 0; i < N; i++) {
      const v = mapUnit(p, (i + 0.5) / N) as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const m of [1, 2, 10, 100]) {
      expect((counts.get(m) ?? 0) / N).toBeCloseTo(Math.log((m + 0.5) / (m - 0.5)) / (b - a), 3);
    }
    expect(Math.min(...counts.keys())).toBe(1);
    expect(Math.max(...counts.keys())).toBe(1000);
  });

  it("categorical and discrete: values[floor(u·K)]; fixed as is", () => {
    const c: Param = { name: "c", type: "categorical", values: ["a", "b", "c"] };
    expect([0, 0.33, 0.34, 0.67, 0.99].map((u) => mapUnit(c, u))).toEqual(["a", "a", "b", "c", "c"]);
    expect(mapUnit({ name: "f", type: "fixed", value: "x" }, 0.7)).toBe("x");
  });
});

describe("sample()", () => {
  it("gives null-prototype records with keys in declaration order and inactive parameters absent", () => {
    const trials = sample(SPACE, { n: 600, seed: 4 });
    expect(trials).toHaveLength(600);
    for (const t of trials) {
      expect(Object.getPrototypeOf(t)).toBeNull();
      const opt = t.optimizer;
      expect("beta1" in t).toBe(opt === "adam");
      expect("nesterov" in t).toBe(opt !== "adam");
      expect("damping" in t).toBe(opt !== "adam" && t.nesterov === true);
      expect(t.weight_decay).toBe(0);
      const order = Object.keys(t);
      const decl = SPACE.params.map((p) => p.name).filter((n) => n in t);
      expect(order).toEqual(decl);
      expect(t.learning_rate as number).toBeGreaterThanOrEqual(1e-4);
      expect(t.learning_rate as number).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(t.width)).toBe(true);
    }
  });

  it("balances categorical frequencies (Halton: each value within ±1 per 3^k block)", () => {
    // optimizer is coordinate 1 (base 3): any 3^k aligned block holds exactly 3^(k-1) of each value.
    for (const seed of [0, 7]) {
      const trials = sample(SPACE, { n: 243, seed });
      const count = (v: string) => trials.filter((t) => t.optimizer === v).length;
      expect([count("adam"), count("sgd"), count("momentum")]).toEqual([81, 81, 81]);
      // batch_size is coordinate 4 (base 11): 4 values over 243 trials, near 60.75 each.
      for (const b of [32, 64, 128, 256]) {
        const c = trials.filter((t) => t.batch_size === b).length;
        expect(Math.abs(c - 243 / 4)).toBeLessThanOrEqual(3);
      }
    }
    // Uniform random is balanced only in expectation: check the law loosely over many draws.
    const r = sample(SPACE, { sampler: "random", n: 3000, seed: 1 });
    for (const v of ["adam", "sgd", "momentum"]) {
      expect(Math.abs(r.filter((t) => t.optimizer === v).length - 1000)).toBeLessThan(100);
    }
  });

  it("maps the Halton points coordinate by coordinate (fixed parameters own no coordinate)", () => {
    const pts = haltonPoints(5, 8, { seed: 2 });
    const trials = sample(SPACE, { n: 5, seed: 2 });
    for (let i = 0; i < 5; i++) {
      const u = pts.subarray(i * 8, i * 8 + 8);
      expect(trials[i]).toEqual(unitToTrial(SPACE, u));
      expect(trials[i]!.learning_rate).toBe(mapUnit(SPACE.params[0]!, u[0]!));
      expect(trials[i]!.width).toBe(mapUnit(SPACE.params[7]!, u[7]!));
    }
  });

  it("trial i alone equals trial i of a long run, for every sampler; start shards concatenate", () => {
    for (const sampler of ["halton", "random", "grid"] as const) {
      const all = sample(SPACE, { sampler, n: 300, seed: 11, gridPoints: 3 });
      for (const i of [0, 1, 77, 299]) expect(sampleAt(SPACE, i, { sampler, seed: 11, gridPoints: 3 })).toEqual(all[i]);
      const shards = [0, 100, 250].flatMap((s, k, a) => sample(SPACE, { sampler, seed: 11, start: s, n: (a[k + 1] ?? 300) - s, gridPoints: 3 }));
      expect(shards).toEqual(all);
    }
  });

  it("extending a study never changes its earlier trials, and seeds matter", () => {
    const a = sample(SPACE, { n: 50, seed: 3 });
    const b = sample(SPACE, { n: 80, seed: 3 });
    expect(b.slice(0, 50)).toEqual(a);
    expect(sample(SPACE, { n: 50, seed: 4 })).not.toEqual(a);
  });

  it("unscrambled Halton starts after the corner; skip 0 gives every lower bound first", () => {
    const first = sample(SPACE, { n: 1, scramble: false, skip: 0 })[0]!;
    expect(first.learning_rate).toBe(1e-4);
    expect(first.optimizer).toBe("adam");
    expect(first.beta1).toBe(0.8);
    const dflt = sample(SPACE, { n: 1, scramble: false })[0]!;
    expect(dflt.learning_rate).toBeCloseTo(Math.sqrt(1e-4 * 1e-1), 12); // u = 1/2 in log space
    expect(dflt.optimizer).toBe("sgd"); // u = 1/3
  });

  it("rejects bad options", () => {
    expect(() => sample(SPACE, { sampler: "bayes" as "grid" })).toThrow(/unknown sampler/);
    expect(() => sample(SPACE, {})).toThrow(/needs the number of trials/);
    expect(() => sample(SPACE, { n: 3, seed: -2 })).toThrow(/seed must be a non-negative integer/);
  });
});

describe("grid sampler", () => {
  it("grid values: ends included, log spacing, all small-int values, `grid` per param", () => {
    expect(gridValues({ name: "x", type: "float", low: 1e-3, high: 1e-1, scale: "log" }, 3).map((v) => +(v as number).toPrecision(12))).toEqual([0.001, 0.01, 0.1]);
    expect(gridValues({ name: "x", type: "float", low: 0, high: 1, scale: "linear", grid: 5 }, 3)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(gridValues({ name: "k", type: "int", low: 1, high: 4, scale: "linear" }, 5)).toEqual([1, 2, 3, 4]);
    expect(gridValues({ name: "k", type: "int", low: 0, high: 100, scale: "linear" }, 3)).toEqual([0, 50, 100]);
    expect(gridValues({ name: "x", type: "float", low: 0, high: 1, scale: "linear" }, 1)).toEqual([0.5]);
  });

  it("is the cartesian product over active parameters, without duplicates from inactive ones", () => {
    const s = parseSpace(`
parameters:
  opt: {type: categorical, values: [adam, sgd]}
  lr: {type: float, low: 1e-3, high: 1e-1, scale: log, grid: 3}
  beta1: {type: discrete, values: [0.9, 0.95], when: {opt: adam}}
  wd: {type: fixed, value: 0}
`);
    const g = sample(s, { sampler: "grid" });
    // adam: 3 lr × 2 beta1 = 6; sgd: 3 lr = 3.
    expect(g).toHaveLength(9);
    expect(gridSize(s)).toBe(9);
    expect(new Set(g.map((t) => JSON.stringify(t))).size).toBe(9);
    expect(g.filter((t) => t.opt === "sgd").every((t) => !("beta1" in t))).toBe(true);
    expect(g[0]).toEqual(Object.assign(Object.create(null), { opt: "adam", lr: 1e-3, beta1: 0.9, wd: 0 }));
    expect(sample(s, { sampler: "grid", start: 7 })).toHaveLength(2);
    expect(sample(s, { sampler: "grid", n: 100 })).toHaveLength(9);
    // A huge grid needs an explicit slice.
    const big = parseSpace({ params: Array.from({ length: 12 }, (_, k) => ({ name: `x${k}`, type: "float", low: 0, high: 1 })) });
    expect(() => sample(big, { sampler: "grid" })).toThrow(/the grid has up to 244140625 trials; pass n/);
    expect(sample(big, { sampler: "grid", n: 3, start: 5 }).map((t) => t.x11)).toEqual([0, 0.25, 0.5]);
  });
});
