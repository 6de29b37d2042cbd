import { describe, expect, it } from "vitest";
import { wrapText } from "../../src/plots/grid.js";
import { logTicks } from "../../src/plots/theme.js";

describe("figure text helpers", () => {
  it("wrapText keeps existing line breaks and is idempotent", () => {
    const msg = "2 trials with learning_rate above lr* = 0.03 are unstable (2 diverged; 2 early in training): lr_0.3 at learning_rate 0.3";
    const once = wrapText(`left: best loss per trial<br>${msg}`, 40);
    expect(once.split("<br>")[0]).toBe("left: best loss per trial");
    for (const line of once.split("<br>")) expect(line.length).toBeLessThanOrEqual(40);
    expect(wrapText(once, 40)).toBe(once);
    // The words come back in order, none lost or split.
    expect(once.split("<br>").join(" ")).toBe(`left: best loss per trial ${msg}`);
  });
  it("logTicks labels 1, 2 and 5 of each decade with the whole value", () => {
    expect(logTicks(0.2, 2.3)).toEqual({ tickvals: [0.2, 0.5, 1, 2], ticktext: ["0.2", "0.5", "1", "2"] });
    expect(logTicks(3e-4, 0.012).tickvals).toEqual([5e-4, 1e-3, 2e-3, 5e-3, 1e-2]);
    expect(logTicks(0, 1).tickvals).toEqual([]);
  });
});
