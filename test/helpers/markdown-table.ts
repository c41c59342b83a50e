/**
 * The rows of the first table under the heading `heading` (e.g. "## Errors") in a Markdown
 * document, each as its cells with code backticks removed. Throws when there is no such
 * heading or table, so a test built on it cannot pass by reading nothing.
 */
export function markdownTable(markdown: string, heading: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) throw new Error(`no heading "${heading}"`);
  const level = heading.split(" ")[0]!;
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith(`${level} `)) break;
    if (!line.startsWith("|")) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .slice(1, line.trimEnd().endsWith("|") ? line.trimEnd().length - 1 : undefined)
        .split("|")
        .map((cell) => cell.trim().replace(/^`(.*)`$/, "$1")),
    );
  }
  // The header row, then the --- row, then at least one row of data.
  if (rows.length < 3 || !rows[1]!.every((cell) => /^:?-+:?$/.test(cell))) {
    throw new Error(`no table under "${heading}"`);
  }
  return rows.slice(2);
}
