/** Numbers as written (src/core/numbers.ts): what is a number, what is not, and why not. */
import { describe, expect, it } from "vitest";
import { isStep, looksCutOff, numberAsWritten, numberFrom, overflowMessage, overflowed, whyNotNumber, whyNotStep } from "../../src/core/numbers.js";
import { readMeasurementLine } from "../../src/runner/command.js";

describe("numberAsWritten", () => {
  it("reads decimals and exponents exactly as Number() does", () => {
    for (const t of ["0", "-12", "0.25", ".5", "3.", "+2.5E+3", "1e-5", " 7 ", "\t-0\t", "123456789012345678901234567890"])
      expect(Object.is(numberAsWritten(t), Number(t.trim()))).toBe(true);
  });

  it("reads the listed NaN/Infinity spellings in any case", () => {
    for (const t of ["nan", "NaN", "-nan", "+NAN"]) expect(numberAsWritten(t)).toBeNaN();
    for (const t of ["inf", "+inf", "Infinity", "+INFINITY"]) expect(numberAsWritten(t)).toBe(Infinity);
    for (const t of ["-inf", "-Infinity", "-INF"]) expect(numberAsWritten(t)).toBe(-Infinity);
  });

  it("never coerces: hex, octal, binary, booleans, decimal commas, separators, blanks", () => {
    // Each of these is a number to Number() or to a lenient parser; none is written as a decimal.
    const lenient = ["0x10", "0X1f", "0o17", "0b101", "", "  ", "1,5", "1_000", "1 000", "true", "Infinityx", "infinite", "1e", "-", "1.2.3", "١٢"];
    for (const t of lenient) expect(numberAsWritten(t)).toBeUndefined();
    expect(Number("0x10")).toBe(16); // what the rule guards against
  });

  it("numberFrom takes JSON numbers as they are and refuses booleans and containers", () => {
    expect(numberFrom(0.5)).toBe(0.5);
    expect(numberFrom(NaN)).toBeNaN();
    expect(numberFrom("-Infinity")).toBe(-Infinity);
    for (const v of [true, false, null, undefined, [0.3], {}]) expect(numberFrom(v)).toBeUndefined();
  });
});

describe("whyNotNumber", () => {
  it("names the near-miss", () => {
    expect(whyNotNumber("0x10")).toBe('found "0x10": a hexadecimal literal is not read as a number');
    expect(whyNotNumber(true)).toBe("found true: a boolean is not read as a number");
    expect(whyNotNumber("TRUE")).toBe('found "TRUE": a boolean is not read as a number');
    expect(whyNotNumber("1,5")).toBe('found "1,5": a decimal comma is not read as a number (write 1.5)');
    expect(whyNotNumber("1_000")).toMatch(/digit separators/);
    expect(whyNotNumber("1e-")).toMatch(/cut short/);
    expect(whyNotNumber([0.3])).toBe("found an array");
    expect(whyNotNumber({})).toBe("found an object");
    expect(whyNotNumber("oops")).toBe('found "oops"');
    expect(whyNotNumber("a\u001b[31m")).toBe('found "a\\u001b[31m"'); // control characters escaped
  });
});

describe("looksCutOff", () => {
  it("flags numbers that end where a digit must follow", () => {
    for (const t of ["0.", "12.", "1e", "1e-", "2.5E+", "-3."]) expect(looksCutOff(t)).toBe(true);
    for (const t of ["0.5", "12", "1e-5", "nan", "abc", "-", "v1.", "x1e"]) expect(looksCutOff(t)).toBe(false);
  });
});

describe("overflowed, and the one step rule", () => {
  it("a decimal beyond a double overflows; Infinity written out does not", () => {
    for (const t of ["1e400", "-2e308", " 1e999 ", "123" + "0".repeat(400)]) expect(overflowed(t), t).toBe(true);
    for (const t of ["inf", "-Infinity", "nan", "1e308", "0", "abc", "0x10"]) expect(overflowed(t), t).toBe(false);
    // JSON has no Infinity literal: a ±Infinity from JSON.parse is an overflow.
    expect(overflowed(JSON.parse("1e400"))).toBe(true);
    expect(overflowed(JSON.parse("-1e400"))).toBe(true);
    expect(overflowed(1.5)).toBe(false);
    expect(overflowMessage("-1e400")).toBe('found "-1e400": a number too large for a double (beyond ±1.8e308); read as -Infinity');
  });

  it("steps are non-negative safe integers, for the runner and the study-folder loader alike", () => {
    for (const n of [0, 1, 2 ** 40]) expect(isStep(n)).toBe(true);
    for (const n of [-1, 1.5, NaN, Infinity, 2 ** 60, undefined]) expect(isStep(n)).toBe(false);
    expect(whyNotStep(-7)).toBe("must be a non-negative integer, not -7");
    expect(whyNotStep("0x10")).toBe('must be a non-negative integer, not "0x10" (found "0x10": a hexadecimal literal is not read as a number)');
    // The runner says the same words for a trainer's line.
    expect(readMeasurementLine('{"step": -7, "loss": 1}')!.problems[0]!.message).toBe("step must be a non-negative integer, not -7: line skipped");
    const big = readMeasurementLine('{"step": 3, "loss": 1e400, "acc": Infinity}')!;
    expect(big.rows).toEqual([{ step: 3, metric: "loss", value: Infinity }, { step: 3, metric: "acc", value: Infinity }]);
    expect(big.problems.map((p) => p.message)).toEqual(['"loss": a number too large for a double (beyond ±1.8e308); read as Infinity']);
  });
});
