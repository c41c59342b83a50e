import { describe, expect, it } from "vitest";
import { terminalSafe } from "../scripts/lib/terminal-text.ts";

/** What `npm run keys -- list` prints of a stored string (scripts/keys.ts). */
describe("terminalSafe", () => {
  it.each([
    ["an escape sequence", "\u001b[31mred\u001b[0m", "\\u{1b}[31mred\\u{1b}[0m"],
    ["a forged table row", "ok\r\nkey_fake  admin", "ok\\u{d}\\u{a}key_fake  admin"],
    ["NUL and DEL", "a\u0000b\u007f", "a\\u{0}b\\u{7f}"],
    ["a bidi override", "admin\u202etxt.exe", "admin\\u{202e}txt.exe"],
    ["a zero-width joiner", "a\u200db", "a\\u{200d}b"],
    ["a line separator", "a\u2028b", "a\\u{2028}b"],
    ["a C1 control (CSI)", "a\u009b31m", "a\\u{9b}31m"],
  ])("escapes %s", (_, raw, printed) => {
    expect(terminalSafe(raw)).toBe(printed);
  });

  it("doubles a backslash, so a stored text cannot pass itself off as an escape", () => {
    expect(terminalSafe("\\u{1b}")).toBe("\\\\u{1b}");
    expect(terminalSafe("\u001b")).not.toBe(terminalSafe("\\u{1b}"));
  });

  it("leaves ordinary text in any script alone", () => {
    const text = "Nordlys Kaffe – Tromsø ÆØÅ 東京 🍰 https://shop.example:8443";
    expect(terminalSafe(text)).toBe(text);
  });
});
