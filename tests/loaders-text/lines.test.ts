/**
 * The load buffer keeps the line each measurement was read from as runs, not one number per row
 * (src/study/measurements.ts). Whatever the pattern of lines — one row a line, k rows a line,
 * skipped lines, rows without a line, lines out of order — every row's line must come back, also
 * after the rows are sorted into curves.
 */
import { describe, expect, it } from "vitest";
import { MeasurementBuffer } from "../../src/study/measurements.js";

describe("line runs of the load buffer", () => {
  it("gives back every row's line after the sort into curves, rows added one by one or in batches", () => {
    let seed = 11;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const b = new MeasurementBuffer();
      const lines: number[] = [];
      let line = 1 + Math.floor(rnd() * 3);
      const n = 1 + Math.floor(rnd() * 300);
      const perLine = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        // Mostly regular (perLine rows a line), sometimes a skipped line, an unknown line, a jump back.
        if (i > 0 && i % perLine === 0) line += r < 0.1 ? 2 + Math.floor(rnd() * 5) : 1;
        let l = line;
        if (r > 0.97) l = 0;
        else if (r > 0.95) l = Math.max(1, line - 7);
        lines.push(l);
        // value = original row; trials and metrics shuffled so the sort moves rows.
        b.add(`t${Math.floor(rnd() * 4)}`, Math.floor(rnd() * 50), rnd() < 0.5 ? "a" : "b", i, l);
        // Now and then a batch of rows on consecutive lines, as the CSV fast path hands them over.
        if (rnd() < 0.05 && l !== 0) {
          const k = Math.floor(rnd() * 6);
          const t = b.trialCode(`t${Math.floor(rnd() * 4)}`);
          const m = b.metricCode("a");
          const value = Float64Array.from({ length: k }, (_, j) => i + 1 + j);
          const step = Int32Array.from({ length: k }, () => Math.floor(rnd() * 50));
          b.pushBatch(new Uint16Array(k).fill(t), step, new Uint16Array(k).fill(m), value, k, l + 1);
          for (let j = 0; j < k; j++) lines.push(l + 1 + j);
          i += k;
          line = l + k;
        }
      }
      const layout = b.finish();
      const any = lines.some((l) => l !== 0);
      expect(layout.lineOf !== undefined).toBe(any);
      if (!layout.lineOf) continue;
      for (let r = 0; r < n; r++) expect(layout.lineOf(r)).toBe(lines[layout.value[r]!]);
    }
  });
});
