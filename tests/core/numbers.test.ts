/** Numbers as written (src/core/numbers.ts): what is a number, what is not, and why not. */
import { describe, expect, it } from "vitest";
import { looksCutOff, numberAsWritten, numberFrom, whyNotNumber } from "../../src/core/numbers.js";

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
