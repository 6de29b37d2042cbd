/**
 * The bad-input corpus for the text formats (tests/fixtures/malformed/ plus files generated here):
 * each case gives a clear TunebookError naming file, line and field, or a partial study with
 * warnings — never an uncaught exception.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadStudy, type FormatName } from "../../src/study/load.js";
import type { Study } from "../../src/study/study.js";
import { TunebookError, type LoadIssue } from "../../src/study/types.js";
import { ROOT, runCli } from "../helpers/cli.js";

const DIR = `${ROOT}tests/fixtures/malformed/`;
const tmp = mkdtempSync(join(tmpdir(), "tunebook-malformed-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Deterministic "random" bytes: binary garbage (the .jsonl one also holds NUL bytes).
function garbage(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
writeFileSync(join(tmp, "binary-garbage.jsonl"), garbage(4096).map((v, i) => (i % 64 === 0 ? 0 : v)));
writeFileSync(join(tmp, "binary-garbage.csv"), garbage(4096));
writeFileSync(join(tmp, "binary-no-extension"), garbage(512));

type Fatal = { kind: "error"; message: RegExp; line?: number; field?: string; format?: FormatName };
type Partial = { kind: "partial"; check: (s: Study, w: LoadIssue[]) => void; format?: FormatName };
const warnAt = (w: LoadIssue[], line: number, field?: string) => w.find((x) => x.line === line && (field === undefined || x.field === field));

const CASES: Record<string, Fatal | Partial> = {
  "truncated-last-line.jsonl": {
    kind: "partial",
    check: (s, w) => {
      expect(s.measurementCount).toBe(3);
      expect(warnAt(w, 4)!.message).toMatch(/last line is truncated/);
    },
  },
  "wrong-type-step.jsonl": {
    kind: "partial",
    check: (s, w) => {
      expect(s.curve("a", "train/loss").steps).toEqual([1, 3]);
      expect(warnAt(w, 2, "step")!.message).toMatch(/expected a finite number.*"abc"/);
    },
  },
  "wrong-type-step.csv": { kind: "partial", check: (s, w) => (expect(s.curve("a", "loss").steps).toEqual([1, 3]), expect(warnAt(w, 3, "step")).toBeDefined()) },
  "value-not-number.csv": { kind: "partial", check: (s, w) => (expect(s.curve("a", "loss").values).toEqual([0.9, 0.7]), expect(warnAt(w, 3, "value")!.message).toMatch(/"abc"/)) },
  "nan-strings.jsonl": {
    kind: "partial",
    check: (s, w) => {
      expect(w).toEqual([]);
      expect(s.trial("ok")!.status).toBe("complete");
      for (const id of ["s1", "s2", "s3", "bare", "bare2", "bare3"]) expect(s.trial(id)!.status).toBe("diverged");
      const v = s.curve("s1", "loss").values;
      expect(Number.isNaN(v[1])).toBe(true);
      expect(s.curve("s2", "loss").values).toEqual([Infinity]);
      expect(s.curve("bare2", "loss").values).toEqual([-Infinity]);
      expect(s.trial("bare")!.attrs.note).toBe("NaN in a string stays");
    },
  },
  "nan-strings.csv": {
    kind: "partial",
    check: (s) => {
      expect(s.trial("t1")!.status).toBe("complete");
      for (const id of ["t2", "t3", "t4", "t5"]) expect(s.trial(id)!.status).toBe("diverged");
      expect(s.trial("t3")!.final).toBe(Infinity);
    },
  },
  "missing-step-column.csv": { kind: "error", message: /missing column "step"/, line: 1, field: "step" },
  "missing-objective-column.csv": { kind: "error", message: /no objective column/, line: 1, field: "objective" },
  "empty.jsonl": { kind: "error", message: /empty file/ },
  "empty.csv": { kind: "error", message: /empty file/ },
  "blank-lines.jsonl": { kind: "error", message: /only blank lines/ },
  "header-only.csv": { kind: "error", message: /no data rows/ },
  "all-lines-bad.jsonl": { kind: "error", message: /no valid records.*not valid JSON/, line: 1 },
  "not-json-objects.jsonl": {
    kind: "partial",
    check: (s, w) => {
      expect(s.measurementCount).toBe(2);
      expect(w.map((x) => x.line)).toEqual([2, 3, 4]);
      expect(w[1]!.message).toMatch(/expected a JSON object/);
    },
  },
  "bad-trial-id.jsonl": {
    kind: "partial",
    check: (s, w) => {
      expect(s.trialIds()).toEqual(["a"]);
      expect(s.curve("a", "loss").steps).toEqual([1, 5]);
      expect(w.map((x) => [x.line, x.field])).toEqual([[2, "trial"], [3, "trial"], [4, "trial"]]);
    },
  },
  "bad-quotes.csv": { kind: "partial", check: (s, w) => (expect(s.curve("a", "loss").values[0]).toBe(0.5), expect(w[0]!.message).toMatch(/Quote Not Closed/)) },
  "duplicated-header.csv": {
    kind: "partial",
    check: (s, w) => {
      expect(s.trialIds()).toEqual(["a", "b", "c"]);
      expect(s.trial("c")!.hparams.lr).toBe(0.3); // the first hp.lr column is kept
      expect(warnAt(w, 1, "hp.lr")!.message).toMatch(/appears twice/);
      expect(warnAt(w, 4)!.message).toMatch(/header repeats/);
    },
  },
  "ragged-rows.csv": {
    kind: "partial",
    check: (s, w) => {
      expect(s.curve("a", "loss").steps).toEqual([1, 4]); // trailing comma on line 5 is harmless
      expect(s.trial("b")).toBeDefined();
      expect(w.map((x) => x.line)).toEqual([3, 4]);
      expect(w[0]!.message).toMatch(/expected 4 fields.*found 3/);
    },
  },
  "bom-crlf.csv": { kind: "partial", check: (s, w) => (expect(w).toEqual([]), expect(s.trialIds()).toEqual(["a", "b"]), expect(s.curve("a", "loss").values).toEqual([0.5, 0.4])) },
  "bom-crlf.jsonl": { kind: "partial", check: (s, w) => (expect(w).toEqual([]), expect(s.trialIds()).toEqual(["a"]), expect(s.measurementCount).toBe(2)) },
  "unknown-status.csv": {
    kind: "partial",
    check: (s, w) => {
      expect(s.statusCounts()).toEqual({ complete: 2, pruned: 0, diverged: 1, failed: 1, oom: 1, running: 1 });
      expect(s.trial("b")!.attrs.rawStatus).toBe("zombie");
      expect(warnAt(w, 3, "status")!.message).toMatch(/unknown status "zombie"/);
    },
  },
  "proto-keys.jsonl": {
    kind: "partial",
    check: (s) => {
      expect(s.trialIds()).toEqual(["__proto__", "constructor", "prototype"]);
      const p = s.trial("__proto__")!;
      expect(Object.keys(p.hparams).sort()).toEqual(["__proto__.polluted", "constructor", "prototype"]);
      expect(p.hparams["__proto__.polluted"]).toBe("yes");
      const c = s.trial("constructor")!;
      expect(c.hparams["__proto__"]).toBe(7);
      expect(c.hparams["constructor"]).toBe("c");
      expect(c.hparams["prototype.polluted"]).toBe(1);
      expect(s.bestTrial()!.id).toBe("prototype");
    },
  },
  "proto-keys.csv": {
    kind: "partial",
    check: (s) => {
      expect(s.trialIds()).toEqual(["__proto__", "constructor", "prototype"]);
      const t = s.trial("__proto__")!;
      expect(Object.keys(t.hparams)).toEqual(["__proto__", "constructor", "prototype"]);
      expect([t.hparams["__proto__"], t.hparams["constructor"], t.hparams["prototype"]]).toEqual([1, 2, 3]);
      expect(t.attrs["__proto__"]).toBe("x");
      expect(Object.getPrototypeOf(t.hparams)).toBeNull();
      const row = s.toRows()[1]!;
      expect(row["hp.__proto__"]).toBe(4);
      expect(s.hyperparameters()).toEqual(["__proto__", "constructor", "prototype"]);
      expect(s.bestTrial()!.id).toBe("prototype");
    },
  },
  "wide-bad-value.csv": {
    kind: "partial",
    check: (s, w) => {
      expect(s.curve("r1", "validation/accuracy").steps).toEqual([100, 300]);
      expect(s.curve("r1", "train/loss").steps).toEqual([100, 200, 300]);
      expect(s.trial("r1")!.attrs.note).toBe("first");
      expect(warnAt(w, 3, "validation/accuracy")!.message).toMatch(/expected a number.*"oops"/);
    },
  },
  "binary-garbage.jsonl": { kind: "error", message: /binary data, not JSONL/, line: 1 },
  "binary-garbage.csv": { kind: "error", message: /binary data, not CSV/, line: 1 },
  "binary-garbage.csv --format jsonl": { kind: "error", message: /binary data/, format: "jsonl" },
  "binary-no-extension": { kind: "error", message: /cannot tell the log format/ },
};

const pathOf = (name: string) => {
  const f = name.split(" ")[0]!;
  return readdirSync(DIR).includes(f) ? DIR + f : join(tmp, f);
};

describe("malformed text inputs", () => {
  it("has at least 20 cases and covers every fixture file", () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(20);
    for (const f of readdirSync(DIR)) expect(Object.keys(CASES).map((c) => c.split(" ")[0])).toContain(f);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const path = pathOf(name);
      let study: Study | undefined;
      let error: unknown;
      try {
        study = await loadStudy(path, c.format ? { format: c.format } : {});
      } catch (err) {
        error = err;
      }
      if (c.kind === "error") {
        expect(error).toBeInstanceOf(TunebookError);
        const e = error as TunebookError;
        expect(e.message).toMatch(c.message);
        expect(e.file).toBe(path);
        expect(e.message.startsWith(path)).toBe(true);
        if (c.line !== undefined) expect(e.line).toBe(c.line);
        if (c.field !== undefined) {
          expect(e.field).toBe(c.field);
          expect(e.message).toContain(`field "${c.field}"`);
        }
      } else {
        expect(error).toBeUndefined();
        for (const w of study!.warnings) expect(w.file).toBe(path);
        c.check(study!, study!.warnings);
      }
    });
  }

  it("no prototype was polluted by any of it", () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("malformed inputs at the CLI", () => {
  it("fatal ones exit non-zero with one line on stderr and no stack trace", () => {
    for (const f of ["missing-step-column.csv", "all-lines-bad.jsonl"]) {
      const r = runCli(["load", DIR + f]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(f);
      expect(r.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError/);
    }
  });

  it("partial ones exit 0 with a summary and warning lines", () => {
    const r = runCli(["load", DIR + "ragged-rows.csv"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trials: 2/);
    expect(r.stdout).toMatch(/warning/);
    expect(r.stdout).toMatch(/ragged-rows\.csv:3: expected 4 fields/);
  });
});
