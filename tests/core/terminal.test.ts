/** Terminal escaping (src/core/terminal.ts). */
import { describe, expect, it } from "vitest";
import { escapeTerminal, escapeTerminalBlock } from "../../src/core/terminal.js";

describe("escapeTerminal", () => {
  it("escapes every control character, newline and bidi override included", () => {
    expect(escapeTerminal("run\u001b]0;pwned\u0007")).toBe("run\\e]0;pwned\\a");
    expect(escapeTerminal("a\rb\nc\td")).toBe("a\\rb\\nc\\td");
    expect(escapeTerminal("\u0000\u007f\u009b\u202e\u2066")).toBe("\\x00\\x7f\\x9b\\u202e\\u2066");
    const plain = "café · 0.5 — ok";
    expect(escapeTerminal(plain)).toBe(plain);
  });
  it("leaves no character below 0x20 in any escaped string", () => {
    let all = "";
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
    const out = escapeTerminal(all);
    expect(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(out)).toBe(false);
  });
});

describe("escapeTerminalBlock", () => {
  it("keeps the program's newlines and tabs, escapes the rest", () => {
    expect(escapeTerminalBlock("trials: 2\n\ta\rb\u001b[2J")).toBe("trials: 2\n\ta\\rb\\e[2J");
  });
});
