/**
 * Makes a stored string safe to print to an operator's terminal. Names stored before the
 * Worker refused control characters (or written to KV by other means) may hold escape
 * sequences, line breaks, NUL or bidi overrides: printed raw they could recolour the
 * terminal, move the cursor or forge a table row. Every control, format, line- or
 * paragraph-separator character (Unicode Cc, Cf, Zl, Zp) becomes a visible `\u{…}` escape,
 * and a backslash is doubled so an escape cannot be faked. Everything else is left as it is.
 *
 * Pure and dependency-free, so the Worker's test suite can test it as it is.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (char) =>
    char === "\\" ? "\\\\" : `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`,
  );
}
