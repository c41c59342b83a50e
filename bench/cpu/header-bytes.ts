/**
 * What a response's headers cost on the wire in HTTP/1.1 terms: name + ": " + value + CRLF
 * each (HTTP/2 and 3 compress them, but every byte still has to be built by the Worker).
 * Only what the Worker sets: Cloudflare adds its own (Date, Server, CF-Ray, ...) on top.
 */
export interface HeaderBytes {
  total: number;
  headers: { name: string; bytes: number }[];
}

export function headerBytes(response: Response): HeaderBytes {
  const headers = [...response.headers].map(([name, value]) => ({
    name,
    bytes: new TextEncoder().encode(`${name}: ${value}\r\n`).byteLength,
  }));
  headers.sort((a, b) => b.bytes - a.bytes);
  return { total: headers.reduce((sum, h) => sum + h.bytes, 0), headers };
}

export function printHeaderBytes(label: string, bytes: HeaderBytes, print: (line: string) => void): void {
  print(`\n${label}: ${bytes.total} header bytes in ${bytes.headers.length} headers (set by the Worker)`);
  const columns = 3;
  const cells = bytes.headers.map((h) => `${h.name} ${h.bytes}`);
  const width = Math.max(...cells.map((c) => c.length)) + 3;
  for (let i = 0; i < cells.length; i += columns) {
    print(
      `  ${cells
        .slice(i, i + columns)
        .map((c) => c.padEnd(width))
        .join("")}`.trimEnd(),
    );
  }
}
