/**
 * Safe text out: a study whose ids, hyperparameter names and values and metric names hold ESC
 * sequences, CR, C1 controls and bidirectional overrides goes through every CLI command that prints
 * (text and JSON) and through the kernel's text/plain views and prints. Rule checked on every
 * output: no character a terminal acts on (C0 controls other than newline and tab, DEL, C1
 * controls, bidi marks and overrides, line/paragraph separators) is printed raw; the user strings
 * are still there, escaped (text) or with their exact values (JSON, parsed back).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { MagicRuntime } from "../../src/kernel/runtime.js";
import { jupyter } from "../../src/kernel/tslab.js";
import { display, setDisplaySink, type MimeBundle } from "../../src/notebook/display.js";
import { DATA } from "../helpers/cli.js";

const TMP = mkdtempSync(join(tmpdir(), "tunebook-tty-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** What a terminal acts on, except the newline and tab the program itself prints. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const rawIn = (s: string): string | undefined => {
  const m = RAW.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).padStart(4, "0")} at ${m.index}: ${JSON.stringify(s.slice(Math.max(0, m.index - 30), m.index + 10))}` : undefined;
};

// The hostile strings: an OSC title sequence and BEL, a CR that would fake a line, a CSI as the
// one-byte C1 control, a right-to-left override, a clear-screen.
const ID = (i: number) => `run\u001b]0;pwned\u0007-${i}`;
const HP_NAME = "opt\u202etxt";
const HP_VALUES = ["ad\u001b[2Jam", "sgd\r0 warnings"];
const METRIC = "train\u009b31m/loss";

const study = join(TMP, "hostile.jsonl");
beforeAll(() => {
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) {
    const lr = 10 ** (-4 + (3 * i) / 11);
    for (let step = 1; step <= 5; step++) {
      const row = { trial: ID(i), step, [`hp.${HP_NAME}`]: HP_VALUES[i % 2], "hp.lr": lr, "validation/loss": 1 / step + Math.abs(Math.log10(lr) + 2.5), [METRIC]: 2 / step };
      lines.push(JSON.stringify(row));
    }
  }
  // A value that is not a number: its warning quotes it.
  lines.push(JSON.stringify({ trial: ID(0), step: 6, [`hp.${HP_NAME}`]: HP_VALUES[0], "hp.lr": 1e-4, "validation/loss": "\u001b[31mred" }));
  writeFileSync(study, lines.join("\n") + "\n");
});

/** Run the CLI in this process (fast) and capture what it prints. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  const cap = (add: (s: string) => void) =>
    ((s: string | Uint8Array, ...rest: unknown[]) => {
      add(typeof s === "string" ? s : Buffer.from(s).toString("utf8"));
      const cb = rest.find((x) => typeof x === "function") as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = cap((s) => (out += s));
  process.stderr.write = cap((s) => (err += s));
  try {
    const code = await main(["node", "tunebook", ...args]);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
    process.exitCode = undefined;
  }
}

const expectSafe = (what: string, text: string) => expect(rawIn(text), `${what} prints a raw control character`).toBeUndefined();

describe("every CLI command escapes user strings in what it prints", () => {
  const outDir = () => {
    const d = join(TMP, `out\u001b[31m-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(d);
    return d;
  };

  it("load, review, analyze (text): ids, names and values escaped, still readable", async () => {
    for (const args of [["load", study], ["review", study], ["analyze", "boundaries", study], ["analyze", "axis", study]]) {
      const r = await cli(...args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
      expectSafe(args.join(" "), r.out + r.err);
    }
    const load = await cli("load", study);
    // The summary names the hyperparameter and metric, escaped; the warning quotes the value, escaped.
    expect(load.out).toContain("opt\\u202etxt");
    expect(load.out).toContain("train\\x9b31m/loss");
    expect(load.out).toMatch(/hostile\.jsonl:61: field "validation\/loss": expected a number \(or NaN\/Infinity\), found "\\u001b\[31mred"/);
    const review = await cli("review", study);
    expect(review.out).toContain("run\\e]0;pwned\\a-");
  }, 120_000);

  it("load, review, analyze --json: valid JSON with the exact strings, nothing raw", async () => {
    for (const args of [["load", study, "--json"], ["review", study, "--json"], ["analyze", "axis", study, "--json"]]) {
      const r = await cli(...args);
      expect(r.code, r.err).toBe(0);
      expectSafe(args.join(" "), r.out + r.err);
      const text = JSON.stringify(JSON.parse(r.out));
      expect(text.includes(JSON.stringify(HP_NAME).slice(1, -1)) || text.includes(JSON.stringify(ID(0)).slice(1, -1)), args.join(" ")).toBe(true);
    }
    const loaded = JSON.parse((await cli("load", study, "--json")).out) as { hyperparameters: Record<string, unknown>; metrics: string[] };
    expect(Object.keys(loaded.hyperparameters)).toContain(HP_NAME);
    expect(loaded.metrics).toContain(METRIC);
  }, 120_000);

  it("plot, report, export: the paths they name are escaped", async () => {
    const d = outDir();
    const plot = await cli("plot", "axis", study, "--out", join(d, "axis.html"));
    expect(plot.code, plot.err).toBe(0);
    expectSafe("plot", plot.out + plot.err);
    expect(plot.err).toContain("out\\e[31m-");
    const report = await cli("report", study, "--out", join(d, "r.html"));
    expect(report.code, report.err).toBe(0);
    expectSafe("report", report.out + report.err);
    expect(report.out).toContain("out\\e[31m-");
    const exp = await cli("export", study, "--format", "parquet", "--out", join(d, "pq"));
    expectSafe("export", exp.out + exp.err);
    expect(exp.out + exp.err).toContain("out\\e[31m-");
  }, 180_000);

  it("space check, sample (JSONL and CSV), design: names and categorical values escaped; JSON keeps them exact", async () => {
    const file = join(TMP, "space.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "sp\u001b]0;x\u0007",
        parameters: { "lr\u202e": { type: "float", low: 1e-4, high: 1e-1, scale: "log", role: "nuisance" }, [HP_NAME]: { type: "categorical", values: HP_VALUES, role: "scientific" } },
      }),
    );
    const check = await cli("space", "check", file);
    expect(check.code, check.err).toBe(0);
    expectSafe("space check", check.out + check.err);
    expect(check.out).toContain("sp\\e]0;x\\a");
    const jsonl = await cli("space", "sample", file, "--n", "4");
    expect(jsonl.code, jsonl.err).toBe(0);
    expectSafe("space sample", jsonl.out + jsonl.err);
    const rows = jsonl.out.trim().split("\n").map((l) => JSON.parse(l) as { hparams: Record<string, unknown> });
    expect(new Set(rows.map((r) => r.hparams[HP_NAME]))).toEqual(new Set(HP_VALUES));
    const csv = await cli("space", "sample", file, "--n", "4", "--format", "csv");
    expect(csv.code, csv.err).toBe(0);
    expectSafe("space sample --format csv", csv.out + csv.err);
    expect(csv.out.split("\n")[0]).toBe("trial,lr\\u202e,opt\\u202etxt");
    expect(csv.out).toContain("ad\\e[2Jam");
    expect(csv.out).toContain('"sgd\\r0 warnings"'.replace(/"/g, "")); // the CR cannot return to the line start
    const design = await cli("space", "design", file, "--budget", "4");
    expect(design.code, design.err).toBe(0);
    expectSafe("space design", design.out + design.err);
    const designJson = await cli("space", "design", file, "--budget", "4", "--format", "json");
    expectSafe("space design --format json", designJson.out);
    expect(JSON.stringify(JSON.parse(designJson.out))).toContain(JSON.stringify(HP_VALUES[1]).slice(1, -1));
  }, 120_000);

  it("status and space suggest on a study folder with a hostile name; algoperf score with a hostile submission folder", async () => {
    const dir = join(TMP, "study");
    cpSync(join(DATA, "mnist_tunebook/study"), dir, { recursive: true });
    const manifest = join(dir, "study.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace(/"name": "mnist-bundled"/, '"name": "mnist\\u001b]0;pwned\\u0007\\r0 trials"'));
    const status = await cli("status", dir);
    expect(status.code, status.err).toBe(0);
    expectSafe("status", status.out + status.err);
    expect(status.out).toContain("mnist\\e]0;pwned\\a\\r0 trials");
    const statusJson = await cli("status", dir, "--json");
    expectSafe("status --json", statusJson.out);
    const suggest = await cli("space", "suggest", dir, "--objective", "validation/accuracy\u001b[8m");
    expectSafe("space suggest", suggest.out + suggest.err);
    const ap = join(TMP, "ap", "sub\u001b[41mmission");
    cpSync(join(DATA, "algoperf_v05/raw_logdir/prize_qualification_baseline"), ap, { recursive: true });
    const score = await cli("algoperf", "score", join(TMP, "ap"));
    expect(score.code, score.err).toBe(0);
    expectSafe("algoperf score", score.out + score.err);
    expect(score.out).toContain("sub\\e[41mmission");
    const scoreJson = await cli("algoperf", "score", join(TMP, "ap"), "--json");
    expectSafe("algoperf score --json", scoreJson.out);
    expect(Object.keys((JSON.parse(scoreJson.out) as { scores: object }).scores)).toContain("sub\u001b[41mmission");
  }, 240_000);

  it("errors: a message quoting a hostile path or value is one escaped line", async () => {
    const r = await cli("load", join(TMP, "no\u001b[2Jsuch\rfile.csv"));
    expect(r.code).toBe(1);
    expectSafe("load error", r.err);
    expect(r.err).toBe(`tunebook: ${TMP}/no\\e[2Jsuch\\rfile.csv: no such file or folder\n`);
  });
});

describe("the kernel's text/plain views and prints escape user strings", () => {
  let shown: MimeBundle[] = [];
  let printed = "";
  const origWrite = process.stdout.write.bind(process.stdout);
  const locals: Record<string, unknown> = {};
  const runtime = new MagicRuntime(locals);
  async function magic(run: () => Promise<unknown>): Promise<void> {
    shown = [];
    printed = "";
    jupyter.lastWriteDisplayData = (d) => void shown.push(d.data as MimeBundle);
    process.stdout.write = ((s: string | Uint8Array) => {
      printed += String(s);
      return true;
    }) as typeof process.stdout.write;
    try {
      await run();
      await runtime.settle();
    } finally {
      process.stdout.write = origWrite;
      jupyter.lastWriteDisplayData = null;
    }
  }
  const texts = () => shown.map((b) => String(b["text/plain"] ?? ""));
  afterAll(() => runtime.figures.close());

  it("%load, %review, an analysis magic, %%space, %lsmagic and help: no raw control character in text/plain or prints", async () => {
    // The generated cell code stores a bound result in the variable: done here by hand.
    await magic(async () => void (locals.s = await runtime.run("load", [study], 1, "s")));
    expect(texts().length).toBe(1);
    expectSafe("%load text/plain", texts()[0]!);
    expect(texts()[0]).toContain("opt\\u202etxt");
    await magic(() => runtime.run("review", [], 1));
    expect(texts().length).toBeGreaterThan(0);
    for (const t of texts()) expectSafe("%review text/plain", t);
    expect(texts().join("\n")).toContain("run\\e]0;pwned\\a-");
    await magic(() => runtime.run("boundaries", [], 1));
    for (const t of texts()) expectSafe("%boundaries text/plain", t);
    await magic(() => runtime.cell("space", [], `parameters:\n  "lr\\u202e": {type: float, low: 0.001, high: 0.1, scale: log}\n  "${HP_NAME}": {type: categorical, values: ["ad\\e[2Jam", "sgd\\r0"]}\n`, 1, "sp"));
    expect(texts().length).toBe(1);
    expectSafe("%%space text/plain", texts()[0]!);
    expect(texts()[0]).toContain("ad\\e[2Jam");
    await magic(async () => runtime.help("no\u001b]0;x\u0007pe"));
    expectSafe("%name? print", printed);
    expect(printed).toContain("unknown magic %no\\e]0;x\\ape");
  }, 120_000);

  it("display(): a table of hostile rows has a text view with one line per row", () => {
    const got: MimeBundle[] = [];
    setDisplaySink((b) => got.push(b));
    try {
      display([{ trial: ID(1), [HP_NAME]: HP_VALUES[1] }, { trial: ID(2), [HP_NAME]: HP_VALUES[0] }]);
      display(`a note\u001b]0;t\u0007 with a title sequence`);
    } finally {
      setDisplaySink(undefined);
    }
    const table = String(got[0]!["text/plain"]);
    expectSafe("table text/plain", table);
    expect(table.split("\n")).toHaveLength(3);
    expect(table).toContain("sgd\\r0 warnings");
    expect(String(got[1]!["text/plain"])).toBe("a note\\e]0;t\\a with a title sequence");
  });
});
