/**
 * The two edits `npm run setup` makes to wrangler.toml, as line edits that keep every comment
 * and the layout: a KV binding's `id` in one environment, and one var in one environment.
 * wrangler's `--update-config` only edits JSON configs, and this project's is TOML. The caller
 * re-reads the result with wrangler's parser to confirm it says what was meant.
 */

const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;

interface Block {
  /** The table's name, e.g. `env.staging.kv_namespaces`. */
  table: string;
  /** Line index of the header. */
  start: number;
  /** Line index just past the block's last line. */
  end: number;
}

function blocks(lines: string[]): Block[] {
  const found: Block[] = [];
  lines.forEach((line, index) => {
    const match = HEADER.exec(line);
    if (!match?.[1]) return;
    const previous = found.at(-1);
    if (previous) previous.end = index;
    found.push({ table: match[1], start: index, end: lines.length });
  });
  return found;
}

const quoted = (value: string) => JSON.stringify(value);
const keyLine = (key: string) => new RegExp(`^\\s*${key}\\s*=`);

/** Sets `id` of the `[[env.<env>.kv_namespaces]]` block whose binding is `binding`. */
export function setKvNamespaceId(toml: string, env: string, binding: string, id: string): string {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`not a KV namespace id: "${id}"`);
  const lines = toml.split("\n");
  const bindingLine = new RegExp(`^\\s*binding\\s*=\\s*"${binding}"\\s*(#.*)?$`);
  const block = blocks(lines).find(
    (candidate) =>
      candidate.table === `env.${env}.kv_namespaces` &&
      lines.slice(candidate.start + 1, candidate.end).some((line) => bindingLine.test(line)),
  );
  if (!block) throw new Error(`wrangler.toml has no [[env.${env}.kv_namespaces]] block with binding = "${binding}"`);
  const body = lines.slice(block.start + 1, block.end);
  const existing = body.findIndex((line) => keyLine("id").test(line));
  if (existing >= 0) {
    lines[block.start + 1 + existing] = `id = ${quoted(id)}`;
  } else {
    const at = block.start + 1 + body.findIndex((line) => bindingLine.test(line));
    lines.splice(at + 1, 0, `id = ${quoted(id)}`);
  }
  return lines.join("\n");
}

/** Sets `name = value` in `[env.<env>.vars]`, replacing the line if the var is there. */
export function setEnvVar(toml: string, env: string, name: string, value: string): string {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`not a var name: "${name}"`);
  const lines = toml.split("\n");
  const block = blocks(lines).find((candidate) => candidate.table === `env.${env}.vars`);
  if (!block) throw new Error(`wrangler.toml has no [env.${env}.vars] table`);
  const body = lines.slice(block.start + 1, block.end);
  const existing = body.findIndex((line) => keyLine(name).test(line));
  const line = `${name} = ${quoted(value)}`;
  if (existing >= 0) lines[block.start + 1 + existing] = line;
  else lines.splice(block.start + 1, 0, line);
  return lines.join("\n");
}
