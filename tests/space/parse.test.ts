import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findParam, loadSpace, paramScale, parseSpace } from "../../src/space/index.js";
import { TunebookError } from "../../src/study/types.js";
import { ROOT } from "../helpers/cli.js";

const EXAMPLE = `name: mnist-adam
parameters:
  learning_rate: {type: float, low: 1e-4, high: 1e-1, scale: log, role: nuisance}
  optimizer: {type: categorical, values: [adam, sgd], role: scientific}
  beta1: {type: float, low: 0.8, high: 0.99, role: nuisance, when: {optimizer: adam}}
  batch_size: {type: discrete, values: [32, 64, 128]}
  weight_decay: {type: fixed, value: 0}
`;

/** The message of the TunebookError thrown by f. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TunebookError);
    return (e as Error).message;
  }
  throw new Error("expected a TunebookError");
}

describe("parseSpace: the friendly format", () => {
  it("parses the map form with roles, scales and conditions", () => {
    const s = parseSpace(EXAMPLE, "s.yaml");
    expect(s.name).toBe("mnist-adam");
    expect(s.params.map((p) => p.name)).toEqual(["learning_rate", "optimizer", "beta1", "batch_size", "weight_decay"]);
    expect(s.params[0]).toEqual({ name: "learning_rate", type: "float", low: 1e-4, high: 0.1, scale: "log", role: "nuisance" });
    expect(findParam(s, "beta1")?.condition).toEqual({ parent: "optimizer", in: ["adam"] });
    expect(findParam(s, "batch_size")?.role).toBe("nuisance");
    expect(findParam(s, "weight_decay")).toEqual({ name: "weight_decay", type: "fixed", value: 0, role: "fixed" });
    expect(paramScale(s.params[0]!)).toBe("log");
    expect(paramScale(findParam(s, "optimizer")!)).toBe("categorical");
  });

  it("accepts the array form (JSON), the TS condition form, shorthand constants and aliases", () => {
    const s = parseSpace(
      JSON.stringify({
        params: [
          { name: "opt", type: "choice", values: ["adam", "nadam", "sgd"] },
          { name: "eps", type: "float", low: 1e-10, high: 1e-6, scale: "log", condition: { parent: "opt", in: ["adam", "nadam"] } },
          { name: "layers", type: "integer", low: 1, high: 8, grid: 4 },
        ],
      }),
      "s.json",
    );
    expect(s.params.map((p) => p.type)).toEqual(["categorical", "float", "int"]);
    expect(s.params[1]!.condition).toEqual({ parent: "opt", in: ["adam", "nadam"] });
    expect(s.params[2]).toMatchObject({ grid: 4, scale: "linear" });
    const t = parseSpace("parameters:\n  dropout: 0.1\n  opt: {type: categorical, values: [a, b]}\n  x: {type: float, low: 0, high: 1, when: {opt: [a, b]}}\n");
    expect(t.params[0]).toEqual({ name: "dropout", type: "fixed", value: 0.1, role: "fixed" });
    expect(t.params[2]!.condition!.in).toEqual(["a", "b"]);
  });

  it("round-trips a SearchSpace object", () => {
    const s = parseSpace(EXAMPLE);
    expect(parseSpace(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it("loads the shipped examples", async () => {
    const a = await loadSpace(join(ROOT, "examples/spaces/mnist-adam.yaml"));
    expect(findParam(a, "optimizer")?.role).toBe("scientific");
    const b = await loadSpace(join(ROOT, "examples/spaces/warmup.json"));
    expect(b.params).toHaveLength(4);
  });
});

describe("parseSpace: validation messages name the file, line and field", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["lower ≥ upper", "parameters:\n  lr: {type: float, low: 0.1, high: 0.01}\n", /s\.yaml:2: field "parameters\.lr\.low": low \(0\.1\) must be < high \(0\.01\)/],
    ["log with bound ≤ 0", "parameters:\n  lr: {type: float, low: 0, high: 1, scale: log}\n", /field "parameters\.lr\.low": log scale needs low > 0/],
    ["log int below 1", "parameters:\n  n: {type: int, low: 0, high: 10, scale: log}\n", /log-scaled int needs low ≥ 1/],
    ["non-integer int bound", "parameters:\n  n: {type: int, low: 1.5, high: 10}\n", /field "parameters\.n\.low": must be an integer/],
    ["empty values", "parameters:\n  opt: {type: categorical, values: []}\n", /field "parameters\.opt\.values": is empty/],
    ["duplicate value", "parameters:\n  bs: {type: discrete, values: [32, 64, 32]}\n", /duplicate value 32/],
    ["non-number discrete", "parameters:\n  bs: {type: discrete, values: [32, big]}\n", /must be a finite number/],
    ["unknown type", "parameters:\n  x: {type: floaty, low: 0, high: 1}\n", /field "parameters\.x\.type": unknown type "floaty"/],
    ["missing type", "parameters:\n  x: {low: 0, high: 1}\n", /field "parameters\.x\.type": missing/],
    ["unknown key (typo)", "parameters:\n  x: {type: float, low: 0, hihg: 1}\n", /field "parameters\.x\.hihg": unknown key/],
    ["bad role", "parameters:\n  x: {type: float, low: 0, high: 1, role: boring}\n", /field "parameters\.x\.role": must be one of scientific, nuisance, fixed/],
    ["unknown condition parent", "parameters:\n  b1: {type: float, low: 0, high: 1, when: {optimiser: adam}}\n", /s\.yaml:2: field "parameters\.b1\.when\.optimiser": unknown condition parent "optimiser"/],
    [
      "condition value not among the parent's values",
      "parameters:\n  opt: {type: categorical, values: [adam, sgd]}\n  b1:\n    type: float\n    low: 0\n    high: 1\n    when: {opt: adamw}\n",
      /s\.yaml:7: field "parameters\.b1\.when\.opt": "adamw" is not among opt \[adam, sgd\]/,
    ],
    ["float parent", "parameters:\n  lr: {type: float, low: 0, high: 1}\n  b: {type: float, low: 0, high: 1, when: {lr: 0.5}}\n", /a parent needs a finite set of values/],
    ["self condition", "parameters:\n  a: {type: categorical, values: [x], when: {a: x}}\n", /cannot be conditioned on itself/],
    ["default outside range", "parameters:\n  b1: {type: float, low: 0.8, high: 0.99, default: 1.5}\n", /field "parameters\.b1\.default": 1\.5 is not a value of b1/],
    ["fixed with another role", "parameters:\n  wd: {type: fixed, value: 0, role: scientific}\n", /type fixed has role fixed/],
    ["no parameters", "name: x\n", /missing `parameters`/],
    ["unknown top key", "parameter:\n  x: 1\nparams: [{name: y, type: fixed, value: 1}]\n", /field "parameter": unknown key/],
    ["YAML syntax", "parameters:\n  x: {type: float\n", /s\.yaml:\d+: invalid YAML/],
    ["duplicate YAML key", "parameters:\n  x: 1\n  x: 2\n", /s\.yaml:3: invalid YAML: Map keys must be unique/],
  ];
  for (const [what, text, re] of cases) {
    it(what, () => expect(errorOf(() => parseSpace(text, "s.yaml"))).toMatch(re));
  }

  it("duplicate names in the array form", () => {
    const msg = errorOf(() => parseSpace({ params: [{ name: "a", type: "fixed", value: 1 }, { name: "a", type: "fixed", value: 2 }] }, "s.json"));
    expect(msg).toMatch(/field "params\[1\]\.name": duplicate parameter name "a" \(first at params\[0\]\)/);
  });

  it("cyclic conditions", () => {
    const msg = errorOf(() =>
      parseSpace(
        "parameters:\n  a: {type: categorical, values: [x, y], when: {b: u}}\n  b: {type: categorical, values: [u, v], when: {a: x}}\n",
        "s.yaml",
      ),
    );
    expect(msg).toMatch(/cyclic conditions: a → b → a/);
  });

  it("reports every problem at once, each with its line", () => {
    const msg = errorOf(() =>
      parseSpace("parameters:\n  a: {type: float, low: 2, high: 1}\n  b: {type: categorical, values: []}\n  c: {type: int, low: 1, high: 3, when: {zz: 1}}\n", "s.yaml"),
    );
    expect(msg).toMatch(/^3 problems in the search space:/);
    expect(msg).toMatch(/s\.yaml:2: field "parameters\.a\.low"/);
    expect(msg).toMatch(/s\.yaml:3: field "parameters\.b\.values"/);
    expect(msg).toMatch(/s\.yaml:4: field "parameters\.c\.when\.zz"/);
  });

  it("JSON errors and file-level errors", async () => {
    expect(errorOf(() => parseSpace('{"params": [', "s.json"))).toMatch(/^s\.json: invalid JSON/);
    const dupJson = '{"parameters": {\n  "lr": {"type": "fixed", "value": 1},\n  "lr": {"type": "fixed", "value": 2}\n}}';
    expect(errorOf(() => parseSpace(dupJson, "s.json"))).toMatch(/^s\.json:3: invalid JSON: Map keys must be unique/);
    const dir = mkdtempSync(join(tmpdir(), "tb-space-"));
    writeFileSync(join(dir, "s.txt"), "x");
    await expect(loadSpace(join(dir, "s.txt"))).rejects.toThrow(/must be a \.json, \.yaml or \.yml file/);
    await expect(loadSpace(join(dir, "missing.yaml"))).rejects.toThrow(/cannot read the file/);
    const p = join(dir, "bad.json");
    writeFileSync(p, JSON.stringify({ params: [{ name: "lr", type: "float", low: 1, high: 1 }] }, null, 2));
    await expect(loadSpace(p)).rejects.toThrow(/bad\.json:\d+: field "params\[0\]\.low": low \(1\) must be < high \(1\)/);
  });

  it("user keys such as __proto__ stay plain data", () => {
    const s = parseSpace("parameters:\n  __proto__: {type: categorical, values: [a, b]}\n  constructor: 3\n");
    expect(s.params.map((p) => p.name)).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>).type).toBeUndefined();
  });
});
