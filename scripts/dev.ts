/**
 * `npm run dev`: the Worker (`wrangler dev`, local KV under .wrangler/) in front of the local
 * Frontpayment emulator (which is also a development identity provider), a fresh API key, a
 * customer token, and curls to try both. No Cloudflare account, no network.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EXAMPLE_CUSTOMER_UUID, SEEDED, startEmulator } from "../test/support/frontpayment-emulator.ts";
import { AdminClient, type CreatedKey } from "./lib/admin-client.ts";
import * as dev from "./lib/dev-defaults.ts";
import { isPortFree, stopGroup, waitForOk } from "./lib/processes.ts";

const USAGE = `Usage: npm run dev -- [options]

  --port <n>            Worker port (default ${dev.DEFAULT_WORKER_PORT})
  --emulator-port <n>   Frontpayment emulator port (default ${dev.DEFAULT_EMULATOR_PORT})
  --latency <ms>        delay the emulator adds to every answer (default 0)
  --upstream <url>      use a real Frontpayment instead of the emulator, e.g.
                        https://demo-api.frontpayment.no (token from env FRONTPAYMENT_TOKEN)
  -h, --help            show this help`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const READY_TIMEOUT_MS = 60_000;

interface Options {
  port: number;
  emulatorPort: number;
  latencyMs: number;
  upstream: string | undefined;
}
interface Upstream {
  url: string;
  token: string;
  emulated: boolean;
}

/** Undo steps, run newest first by stop(). */
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function main(): Promise<void> {
  const options = parseOptions();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
  // Checked first: wrangler would fail less clearly, and an old dev server still answering
  // /healthz on this port would look like ours being ready.
  if (!(await isPortFree(options.port, dev.LOCAL_HOST))) {
    throw new Error(`port ${options.port} is in use (another \`npm run dev\`?); pick another with --port`);
  }
  const upstream = await startUpstream(options);
  const workerUrl = await startWorker(options.port, upstream);
  const admin = new AdminClient(workerUrl, dev.DEV_ADMIN_TOKEN);
  const key = await admin.createKey({ name: "local dev", scopes: ["customers:read", "addresses:read"] });
  const issuer = await admin.createKey({
    name: "local dev storefront server",
    scopes: ["customers:read", "tokens:issue"],
  });
  const token = await issueToken(workerUrl, issuer.key);
  if (!stopping) printBanner(workerUrl, upstream, key, issuer, token);
}

/** An edge token for the example customer, as a storefront server would get one. */
async function issueToken(workerUrl: string, issuerKey: string): Promise<string> {
  const response = await fetch(`${workerUrl}/v1/customer-tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${issuerKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ customerUuid: EXAMPLE_CUSTOMER_UUID, scopes: ["customers:read"], ttlSeconds: 3600 }),
  });
  if (response.status !== 201) throw new Error(`issuing a customer token failed: HTTP ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

function parseOptions(): Options {
  const text = { type: "string" } as const;
  const help = { type: "boolean", short: "h" } as const;
  const { values } = parseArgs({ options: { port: text, "emulator-port": text, latency: text, upstream: text, help } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    port: integerOption("port", values.port, dev.DEFAULT_WORKER_PORT, 1, 65_535),
    emulatorPort: integerOption("emulator-port", values["emulator-port"], dev.DEFAULT_EMULATOR_PORT, 1, 65_535),
    latencyMs: integerOption("latency", values.latency, 0, 0, 60_000),
    upstream: values.upstream,
  };
}

function integerOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

async function startUpstream(options: Options): Promise<Upstream> {
  if (options.upstream) return realUpstream(options.upstream);
  const emulator = await startEmulator({
    host: dev.LOCAL_HOST,
    port: options.emulatorPort,
    token: dev.DEV_FRONTPAYMENT_TOKEN,
    latencyMs: options.latencyMs,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE") throw error;
    throw new Error(`port ${options.emulatorPort} is in use; pick another with --emulator-port`);
  });
  cleanups.push(() => emulator.close());
  console.log(`Frontpayment emulator listening on ${emulator.url}`);
  return { url: emulator.url, token: dev.DEV_FRONTPAYMENT_TOKEN, emulated: true };
}

function realUpstream(url: string): Upstream {
  const token = process.env.FRONTPAYMENT_TOKEN;
  if (!token) throw new Error("--upstream needs the token in the environment variable FRONTPAYMENT_TOKEN");
  if (!/^https?:\/\//.test(url)) throw new Error(`--upstream must be an http(s) URL: "${url}"`);
  return { url: url.replace(/\/+$/, ""), token, emulated: false };
}

async function startWorker(port: number, upstream: Upstream): Promise<string> {
  if (stopping) throw new Error("stopped");
  const wrangler = spawnWrangler(port, upstream);
  cleanups.push(() => stopGroup(wrangler));
  wrangler.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`\nwrangler dev exited (${signal ?? `code ${code}`}); stopping.`);
    void stop(1);
  });
  const url = `http://${dev.LOCAL_HOST}:${port}`;
  const running = () => wrangler.exitCode === null && wrangler.signalCode === null;
  await waitForOk(`${url}/healthz`, READY_TIMEOUT_MS, running);
  return url;
}

/**
 * Secrets travel in wrangler's environment, never its argv (visible in `ps`) or a file: with
 * `[secrets] required` in wrangler.toml, `wrangler dev` reads them from process.env. A
 * developer's .dev.vars would replace process.env entirely, so it is passed as an --env-file
 * instead, which keeps its other settings but lets process.env win.
 */
function spawnWrangler(port: number, upstream: Upstream): ChildProcess {
  const devVars = existsSync(path.join(ROOT, ".dev.vars")) ? ["--env-file", ".dev.vars"] : [];
  const listen = ["--ip", dev.LOCAL_HOST, "--port", String(port), "--show-interactive-dev-session=false"];
  const vars = ["--var", `FRONTPAYMENT_BASE_URL:${upstream.url}`];
  // wrangler dev takes secrets from the environment only when [secrets] requires them, and
  // TOKEN_SIGNING_SECRET is optional; as a --var the throwaway dev value reaches the Worker.
  vars.push("--var", `TOKEN_SIGNING_SECRET:${dev.DEV_TOKEN_SIGNING_SECRET}`);
  // The emulator doubles as the merchant's identity provider, so app tokens work offline too.
  if (upstream.emulated) {
    vars.push("--var", `CUSTOMER_JWT_ISSUER:${upstream.url}`, "--var", `CUSTOMER_JWT_AUDIENCE:${dev.DEV_JWT_AUDIENCE}`);
    vars.push("--var", `CUSTOMER_JWT_JWKS_URL:${upstream.url}/.well-known/jwks.json`);
  }
  return spawn(process.execPath, [WRANGLER, "dev", ...listen, ...vars, ...devVars], {
    cwd: ROOT,
    // Its own process group, so stop() also reaches the workerd and esbuild it starts.
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      // Offline, fetching Request.cf only prints a stack trace; the placeholder is fine locally.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
      FRONTPAYMENT_TOKEN: upstream.token,
      ADMIN_TOKEN: dev.DEV_ADMIN_TOKEN,
      API_KEY_TAG_SECRET: dev.DEV_API_KEY_TAG_SECRET,
    },
  });
}

function printBanner(workerUrl: string, upstream: Upstream, key: CreatedKey, issuer: CreatedKey, token: string): void {
  const rule = "─".repeat(78);
  // Every command printed must work as printed (check:dev runs them): off the default ports,
  // the tools must be told where this server and its emulator are.
  const keysUrl = workerUrl === dev.DEFAULT_URL ? "" : ` --url ${workerUrl}`;
  const idpUrl = upstream.url === dev.DEFAULT_EMULATOR_URL ? "" : ` --emulator ${upstream.url}`;
  const lines = [
    "",
    rule,
    `  customer-edge is running at ${workerUrl}   (API reference: ${workerUrl}/docs)`,
    "",
    `  Upstream     ${upstream.url}  (${upstream.emulated ? "local Frontpayment emulator" : "token from FRONTPAYMENT_TOKEN"})`,
    `  Admin token  ${dev.DEV_ADMIN_TOKEN}`,
    `  API key      ${key.key}`,
    `               "${key.name}" (${key.scopes.join(", ")}): shown only now, copy it`,
    "",
    "  Try it (a merchant server, with the API key):",
    `    curl -H "Authorization: Bearer ${key.key}" ${workerUrl}/v1/customers/${EXAMPLE_CUSTOMER_UUID}`,
    "",
    "  A checkout page: its server issues a customer token, the page reads /v1/me with it:",
    `    Issuing key  ${issuer.key}  (${issuer.scopes.join(", ")}: issues tokens up to customers:read)`,
    `    curl -X POST -H "Authorization: Bearer ${issuer.key}" -H "Content-Type: application/json" \\`,
    `         -d '{"customerUuid":"${EXAMPLE_CUSTOMER_UUID}","scopes":["customers:read"]}' ${workerUrl}/v1/customer-tokens`,
    `    curl -H "Authorization: Bearer ${token}" ${workerUrl}/v1/me`,
    ...(upstream.emulated
      ? [
          "",
          "  A mobile app: its identity provider's token (the emulator is one) goes straight to /v1/me:",
          `    curl -H "Authorization: Bearer $(npm run -s idp-token --${idpUrl} ${EXAMPLE_CUSTOMER_UUID})" ${workerUrl}/v1/me`,
          ...seededCustomerLines(),
        ]
      : []),
    "",
    `  Keys: npm run keys --${keysUrl} list      Stop: Ctrl-C`,
    rule,
    "",
  ];
  console.log(lines.join("\n"));
}

/** The emulator's customers, two to a row: swap one into the curl to see each failure mode. */
function seededCustomerLines(): string[] {
  const cells = Object.entries(SEEDED).map(([name, uuid]) => `${name.padEnd(17)}${uuid}`.padEnd(36));
  const rows: string[] = [];
  for (let i = 0; i < cells.length; i += 2) {
    const pair = cells.slice(i, i + 2).join("");
    rows.push(`    ${pair.trimEnd()}`);
  }
  return ["", "  Emulated customers (put one in place of the uuid above):", ...rows];
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  process.exit(code);
}

main().catch((error: unknown) => {
  if (stopping) return;
  console.error(`npm run dev: ${error instanceof Error ? error.message : String(error)}`);
  if ((error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) console.error(`\n${USAGE}`);
  void stop(1);
});
