import { describe, expect, it } from "vitest";
import { preprocessCell, tokenize, isMagicLine } from "../../src/kernel/preprocess.js";
import { parseArgs, UsageError } from "../../src/kernel/args.js";

describe("preprocessCell", () => {
  it("keeps one line per input line, so compiler line numbers stay right", () => {
    const src = "const a = 1;\n%load runs/x as s --format jsonl\n\n%isolation lr\nconst b: string = a;";
    const out = preprocessCell(src).code.split("\n");
    expect(out).toHaveLength(5);
    expect(out[0]).toBe("const a = 1;");
    expect(out[4]).toBe("const b: string = a;");
    expect(out[1]).toMatch(/^let s = \(await Reflect\.get\(globalThis, "tunebook\$k"\)\.run\("load", \["runs\/x", "--format", "jsonl"\], 2, "s"\)\);$/);
    expect(out[3]).toBe('await Reflect.get(globalThis, "tunebook$k").run("isolation", ["lr"], 4);');
  });

  it("turns $name and {expression} into code evaluated in the cell, not text", () => {
    const { code, magics } = preprocessCell("%isolation $sci --study {studies[0]} --out runs/$dir/x");
    expect(magics[0]!.args).toHaveLength(5);
    expect(code).toContain('run("isolation", [(sci), "--study", (studies[0]), "--out", "runs/" + String(dir) + "/x"], 1)');
  });

  it("types bindings when asked and applies default bindings", () => {
    const { code } = preprocessCell("%load a.csv", { bindTypes: { load: 'import("tunebook").Study' }, defaultBind: { load: "study" } });
    expect(code).toBe('let study = (await Reflect.get(globalThis, "tunebook$k").run("load", ["a.csv"], 1, "study")) as import("tunebook").Study;');
  });

  it("blanks a cell magic's body and passes it as a string", () => {
    const src = "%%space sp\nparameters:\n  lr: {type: float, low: 0.001, high: 0.1, scale: log}";
    const { code, magics, masked } = preprocessCell(src);
    expect(preprocessCell("%%space\na: 1", { defaultBind: { "%%space": "space" } }).magics[0]!.bind).toBe("space");
    expect(preprocessCell("%%space as sp2\na: 1").magics[0]).toMatchObject({ bind: "sp2", args: [] });
    expect(preprocessCell("%space", { defaultBind: { "%%space": "space" } }).magics[0]!.bind).toBeUndefined();
    expect(code.split("\n")).toEqual([expect.stringContaining('.cell("space", [], "parameters:\\n  lr: {type: float, low: 0.001, high: 0.1, scale: log}", 1, "sp")'), "", ""]);
    expect(magics[0]).toMatchObject({ kind: "cell", name: "space", bind: "sp" });
    expect(masked.length).toBe(src.length);
  });

  it("help and quoting", () => {
    expect(preprocessCell("%load?").code).toBe('Reflect.get(globalThis, "tunebook$k").help("load");');
    expect(tokenize(`'a b' "c $d" \\$e '$f'`).map((t) => t.parts)).toEqual([[{ text: "a b" }], [{ text: "c " }, { expr: "d" }], [{ text: "$e" }], [{ text: "$f" }]]);
    expect(preprocessCell("%bootstrap as b --budgets 1,5").magics[0]).toMatchObject({ bind: "b", args: [{ parts: [{ text: "--budgets" }] }, { parts: [{ text: "1,5" }] }] });
    // A quoted "as" is a path, not a binding.
    expect(preprocessCell(`%load 'as' x`).magics[0]!.bind).toBeUndefined();
  });

  it("leaves TypeScript alone: modulo, template strings and %% inside code", () => {
    const src = "const r = 7 % 3;\nconst s = `%load x`;";
    expect(preprocessCell(src).code).toBe(src);
    expect(isMagicLine("  %axis lr")).toBe(true);
    expect(isMagicLine("x % y")).toBe(false);
  });
});

describe("parseArgs", () => {
  const spec = {
    positional: ["scientific"],
    required: 1,
    options: { nuisance: { type: "list" as const, help: "" }, budgets: { type: "numbers" as const, help: "" }, workers: { type: "int" as const, help: "", alias: "w" }, resume: { type: "flag" as const, help: "" } },
  };
  it("splits options and converts their values", () => {
    expect(parseArgs(["lr", "--nuisance=wd,b1", "--budgets", [1, 5], "-w", "2", "--resume"], spec)).toEqual({
      positional: ["lr"],
      options: { nuisance: ["wd", "b1"], budgets: [1, 5], workers: 2, resume: true },
    });
  });
  it("says what is wrong", () => {
    expect(() => parseArgs([], spec)).toThrow(/missing <scientific>/);
    expect(() => parseArgs(["lr", "--nope"], spec)).toThrow(/unknown option --nope \(options: --nuisance, --budgets, --workers, --resume\)/);
    expect(() => parseArgs(["lr", "--workers", "two"], spec)).toThrow(UsageError);
    expect(() => parseArgs(["lr", "--budgets", "1,x"], spec)).toThrow(/"x" is not a number/);
    expect(() => parseArgs(["lr", "extra"], spec)).toThrow(/unexpected argument "extra"/);
  });
});
