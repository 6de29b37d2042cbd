/**
 * docs/contributing.md is executable documentation: every code block of its worked example must
 * appear verbatim in the file its step names, so the page cannot drift from the code.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

const doc = readFileSync(`${ROOT}docs/contributing.md`, "utf8");

describe("docs/contributing.md", () => {
  it("every code block of the worked example is in the file its step names", () => {
    const example = doc.slice(doc.indexOf("## Worked example"), doc.indexOf("## Other conventions"));
    // Steps are "**N. … `path`**" paragraphs followed by their code blocks.
    const steps = [...example.matchAll(/\*\*\d\.[^*]*?`([^`]+\.ts)`[^*]*\*\*([\s\S]*?)(?=\*\*\d\.|$)/g)];
    expect(steps.map((s) => s[1])).toEqual(["src/analysis/tuningBudget.ts", "src/analysis/analyses.ts", "tests/analysis/tuningBudget.test.ts"]);
    let blocks = 0;
    for (const [, file, body] of steps) {
      const text = readFileSync(`${ROOT}${file}`, "utf8");
      for (const m of body!.matchAll(/```ts\n([\s\S]*?)```/g)) {
        blocks++;
        expect(text, `${file} should contain:\n${m[1]}`).toContain(m[1]!.trimEnd());
      }
    }
    expect(blocks).toBeGreaterThanOrEqual(3);
  });

  it("the registry doc comment names the files the page names", () => {
    const registry = readFileSync(`${ROOT}src/analysis/registry.ts`, "utf8");
    for (const f of ["./analyses.ts", "src/plots/catalog.ts", "tests/registry/consistency.test.ts"]) expect(registry).toContain(f);
  });
});
