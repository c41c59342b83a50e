/**
 * Reading a secret from the operator: typed at a terminal without echo, or piped on stdin by a
 * script. Never from argv, which `ps` and shell history keep.
 */

/** The whole of stdin, trimmed (`printf %s "$TOKEN" | npm run ...` or `< file`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

/** Asks on the terminal with echo off; Ctrl-C aborts the command. */
export function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  return new Promise((resolve, reject) => {
    let value = "";
    stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      stderr.write("\n");
      if (error) reject(error);
      else resolve(value.trim());
    };
    const onData = (text: string) => {
      for (const char of text) {
        if (char === "\r" || char === "\n" || char === "\u0004") return done();
        if (char === "\u0003") return done(new Error("cancelled"));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else if (char >= " ") value += char;
      }
    };
    stdin.on("data", onData);
  });
}

/** A secret from the terminal (hidden) when there is one, else from stdin; refuses an empty one. */
export async function readSecret(question: string, what: string): Promise<string> {
  const value = process.stdin.isTTY ? await promptHidden(question) : await readStdin();
  if (!value) throw new Error(`${what} is empty: type it at the prompt or pipe it on stdin`);
  return value;
}
