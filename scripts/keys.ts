/**
 * `npm run keys -- <command>`: manage API keys and the customer cache through the Admin API.
 * Run with --help for the commands.
 */
import { parseArgs } from "node:util";
import { AdminApiError, AdminClient, type CreatedKey, type KeyRecord } from "./lib/admin-client.ts";
import { DEFAULT_URL, DEV_ADMIN_TOKEN, isLoopbackUrl } from "./lib/dev-defaults.ts";
import { terminalSafe } from "./lib/terminal-text.ts";

const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create --name <name> [--scope <scope>]... [--origin <origin>]... [--expires <ISO-8601>]
                      create a key; it is printed once and cannot be shown again.
                      Scopes: customers:read (default), addresses:read, and
                      tokens:issue for a storefront server that issues customer tokens
                      (with a read scope too: a token carries only what its key may read;
                      customers:read covers both read scopes, addresses:read only itself)
  list                list all keys (id, name, scopes, status, origins, expiry)
  revoke <id>         revoke a key at once
  purge <uuid>        drop a customer from the cache; the next read goes to Frontpayment

Options:
  --url <url>           the Worker (default: env CUSTOMER_EDGE_URL, else ${DEFAULT_URL})
  --admin-token <tok>   admin token (default: env ADMIN_TOKEN; for a local dev server on
                        this machine, the dev server's own token). Prefer the env variable:
                        a command-line value ends up in your shell history.
  --json                print the Admin API's JSON answer instead of text (create, list)
  -h, --help            show this help

Examples:
  npm run keys -- create --name "web shop" --scope addresses:read --origin https://shop.example
  npm run keys -- create --name "storefront server" --scope customers:read --scope tokens:issue
  ADMIN_TOKEN=... npm run keys -- --url https://customer-edge.example.workers.dev list`;

const text = { type: "string" } as const;
const many = { type: "string", multiple: true } as const;
const OPTIONS = {
  url: text,
  "admin-token": text,
  name: text,
  scope: many,
  origin: many,
  expires: text,
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  const client = new AdminClient(...connection(values));
  switch (command) {
    case "create":
      return create(client, values, rest);
    case "list":
      return list(client, values, rest);
    case "revoke": {
      const id = onlyArgument(rest, "revoke <id>");
      await client.revokeKey(id);
      return console.log(`Revoked ${id}: refused at once here, everywhere within about two minutes.`);
    }
    case "purge": {
      const uuid = onlyArgument(rest, "purge <customerUuid>");
      await client.purgeCustomer(uuid);
      return console.log(
        `Purged ${terminalSafe(uuid)} from the cache; its next read goes to Frontpayment, even if a call was under way.`,
      );
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Base URL and admin token, from flags, then the environment, then the local dev defaults. */
function connection(values: Values): [string, string] {
  const url = values.url ?? process.env.CUSTOMER_EDGE_URL ?? DEFAULT_URL;
  const token = values["admin-token"] ?? process.env.ADMIN_TOKEN ?? (isLoopbackUrl(url) ? DEV_ADMIN_TOKEN : undefined);
  if (!token) throw new UsageError(`${url} needs an admin token: set ADMIN_TOKEN or pass --admin-token`);
  return [url, token];
}

function onlyArgument(rest: string[], form: string): string {
  if (rest.length !== 1 || !rest[0]) throw new UsageError(`expected: ${form}`);
  return rest[0];
}

async function create(client: AdminClient, values: Values, rest: string[]): Promise<void> {
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" (quote a name with spaces)`);
  if (!values.name) throw new UsageError("create needs --name <name>");
  const created = await client.createKey({
    name: values.name,
    scopes: values.scope,
    allowedOrigins: values.origin,
    expiresAt: values.expires,
  });
  if (values.json) return console.log(JSON.stringify(created, null, 2));
  printCreated(created);
}

// Every string from the Worker goes through terminalSafe: it is printed to a terminal.
function printCreated(created: CreatedKey): void {
  const safe = terminalSafe;
  console.log(`Created ${safe(created.id)} "${safe(created.name)}" (${safe(created.scopes.join(", "))})`);
  if (created.allowedOrigins) console.log(`  origins: ${safe(created.allowedOrigins.join(", "))}`);
  if (created.expiresAt) console.log(`  expires: ${safe(created.expiresAt)}`);
  console.log(`\n  ${safe(created.key)}\n`);
  console.log("This is the only time the key is shown (only its hash is stored): copy it now.");
}

async function list(client: AdminClient, values: Values, rest: string[]): Promise<void> {
  if (rest.length > 0) throw new UsageError(`list takes no arguments, got "${rest[0]}"`);
  const keys = await client.listKeys();
  if (values.json) return console.log(JSON.stringify({ keys }, null, 2));
  if (keys.length === 0) return console.log("No API keys yet. Create one with: npm run keys -- create --name <name>");
  console.log(table(["ID", "NAME", "SCOPES", "STATUS", "ORIGINS", "EXPIRES"], keys.map(keyRow)));
}

function keyRow(key: KeyRecord): string[] {
  const origins = key.allowedOrigins?.join(",") ?? "any";
  const cells = [key.id, key.name, key.scopes.join(","), key.status, origins, key.expiresAt ?? "never"];
  return cells.map(terminalSafe);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [header, ...rows].map(line).join("\n");
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof UsageError || code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`npm run keys: ${(error as Error).message}\nRun \`npm run keys -- --help\` for usage.`);
  } else if (error instanceof AdminApiError) {
    const status = error.status ? ` (HTTP ${[error.status, error.code].filter(Boolean).join(" ")})` : "";
    console.error(`npm run keys: ${terminalSafe(error.message)}${status}`);
    if (error.status === 401) console.error(adminTokenHint());
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});

function adminTokenHint(): string {
  return process.env.ADMIN_TOKEN
    ? "Check ADMIN_TOKEN (a local `npm run dev` server uses its own token, shown in its banner)."
    : "Pass the Worker's admin token with ADMIN_TOKEN=... or --admin-token.";
}
