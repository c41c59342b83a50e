/**
 * `npm run check:dev`: the README's quickstart, end to end, as CI runs it. Starts
 * `npm run dev` on free ports, uses the key it prints, runs every command its banner prints
 * exactly as printed (an API key's read, a checkout page's edge token, a mobile app's
 * identity-provider token via `npm run idp-token`, `npm run keys`), drives `npm run keys`
 * further, then stops it with SIGINT and checks that nothing is left behind.
 *
 *   npm run check:dev              (add -- --verbose to stream the dev server's output)
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { EXAMPLE_CUSTOMER_UUID } from "../test/support/frontpayment-emulator.ts";
import { LOCAL_HOST } from "./lib/dev-defaults.ts";
import { freePort, isPortFree, signalGroup } from "./lib/processes.ts";

const OVERALL_TIMEOUT_MS = 75_000;
const BANNER_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const verbose = process.argv.includes("--verbose");
const run = promisify(execFile);

let passed = 0;
let failed = 0;
let devOutput = "";
let devServer: ChildProcess | undefined;
let ports: number[] = [];

function check(name: string, ok: boolean, detail = ""): boolean {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? "  ✓" : "  ✗"} ${name}${ok || !detail ? "" : `\n      ${detail}`}`);
  return ok;
}

async function main(): Promise<void> {
  const workerPort = await freePort(LOCAL_HOST);
  let emulatorPort = await freePort(LOCAL_HOST);
  while (emulatorPort === workerPort) emulatorPort = await freePort(LOCAL_HOST);
  ports = [workerPort, emulatorPort];
  console.log(`check:dev: npm run dev -- --port ${workerPort} --emulator-port ${emulatorPort}`);
  devServer = startDev(workerPort, emulatorPort);

  const banner = await waitForBanner(devServer);
  const key = /^\s*API key\s+(\S+)/m.exec(banner)?.[1];
  const curl = /^\s*curl -H "Authorization: Bearer (\S+)" (\S+)$/m.exec(banner);
  if (!check("dev prints a banner with an API key and an example curl", Boolean(key && curl?.[1] === key))) return;
  const baseUrl = `http://${LOCAL_HOST}:${workerPort}`;
  const customerUrl = curl?.[2] ?? "";

  await checkExampleCustomer(customerUrl, key ?? "");
  await checkCustomerTokens(banner, baseUrl);
  await checkPrintedCommands(banner);
  await checkIdpTokenHelp();
  await checkKeysCli(baseUrl, customerUrl);
  await checkStop(devServer);
}

/** The dev server in its own process group, like a terminal job, so SIGINT reaches all of it. */
function startDev(workerPort: number, emulatorPort: number): ChildProcess {
  const args = ["run", "dev", "--", "--port", String(workerPort), "--emulator-port", String(emulatorPort)];
  const child = spawn("npm", args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const collect = (chunk: Buffer) => {
    devOutput += chunk.toString();
    if (verbose) process.stdout.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return child;
}

async function waitForBanner(child: ChildProcess): Promise<string> {
  const deadline = Date.now() + BANNER_TIMEOUT_MS;
  while (!devOutput.includes("Stop: Ctrl-C")) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited with code ${child.exitCode} before its banner`);
    if (Date.now() > deadline) throw new Error(`no banner within ${BANNER_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
  return devOutput;
}

interface Answer {
  status: number;
  cacheStatus: string;
  body: string;
}

async function getCustomer(url: string, key: string): Promise<Answer> {
  const headers = { Authorization: `Bearer ${key}` };
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const cacheStatus = response.headers.get("Cache-Status") ?? "";
  return { status: response.status, cacheStatus, body: await response.text() };
}

async function checkExampleCustomer(url: string, key: string): Promise<void> {
  const first = await getCustomer(url, key);
  check(
    `the example curl answers 200 with Kari Nordmann and a Cache-Status (${first.cacheStatus || "none"})`,
    first.status === 200 && first.body.includes('"Kari Nordmann"') && first.cacheStatus.startsWith("customer-edge;"),
    `${first.status} ${first.body.slice(0, 200)}`,
  );
  const second = await getCustomer(url, key);
  const hit = second.status === 200 && /; hit;/.test(second.cacheStatus);
  check(`a second read is a cache hit (${second.cacheStatus || "none"})`, hit);
}

/** The banner's issuing key gets an edge token that reads /v1/me. */
async function checkCustomerTokens(banner: string, baseUrl: string): Promise<void> {
  const issuer = /^\s*Issuing key\s+(\S+)/m.exec(banner)?.[1] ?? "";
  const issued = await fetch(`${baseUrl}/v1/customer-tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${issuer}`, "Content-Type": "application/json" },
    body: JSON.stringify({ customerUuid: EXAMPLE_CUSTOMER_UUID, scopes: ["customers:read"] }),
  });
  const { token = "" } = issued.status === 201 ? ((await issued.json()) as { token?: string }) : {};
  const page = await getCustomer(`${baseUrl}/v1/me`, token);
  check(
    `the printed issuing key gets an edge token that reads /v1/me (${issued.status}, ${page.status})`,
    issued.status === 201 && page.status === 200 && page.body.includes('"Kari Nordmann"'),
    page.body.slice(0, 200),
  );
}

/**
 * Every command the banner prints, run as a developer pastes it (`sh -c`, from the repo), on
 * this run's free ports: a curl must answer the example customer (or, for the POST, a token)
 * and `npm run keys` must list the dev keys. Catches a line that only works on default ports.
 */
async function checkPrintedCommands(banner: string): Promise<void> {
  const commands = printedCommands(banner);
  const idp = commands.find((command) => command.includes("idp-token"));
  check(`the banner prints ${commands.length} commands, the idp-token one among them`, commands.length >= 5 && !!idp);
  for (const command of commands) {
    const { code, stdout, stderr } = await shell(command);
    const expected = command.startsWith("npm run keys")
      ? /local dev/.test(stdout)
      : stdout.includes('"Kari Nordmann"') || (command.includes("-X POST") && /"token":/.test(stdout));
    const shown = redact(command).replace(/\s+/g, " ").slice(0, 90);
    check(
      `works as printed: ${shown}${shown.length < 90 ? "" : "…"}`,
      code === 0 && expected,
      redact(stderr || stdout).slice(0, 200),
    );
  }
  const docs = /\(API reference: (\S+)\)/.exec(banner)?.[1] ?? "";
  const docsStatus = docs ? (await fetch(docs, { signal: AbortSignal.timeout(10_000) })).status : 0;
  check(`the printed API reference URL answers 200 (${docsStatus})`, docsStatus === 200);
}

/** Keys and tokens stay out of CI logs, throwaway as these are. */
const redact = (text: string) => text.replace(/\b(cedge_|eyJ)[\w.-]+/g, "$1…");

/** The banner's commands: curl lines (with their `\\` continuations) and the keys CLI call. */
function printedCommands(banner: string): string[] {
  const commands: string[] = [];
  const lines = banner.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let command = lines[i]?.trim() ?? "";
    if (command.startsWith("curl ")) {
      while (command.endsWith("\\") && i + 1 < lines.length) command += `\n${lines[++i]?.trim()}`;
      commands.push(command);
    }
    const keys = /(npm run keys\b.*?\blist)\b/.exec(command)?.[1];
    if (keys) commands.push(keys);
  }
  return commands;
}

/** `npm run idp-token -- --help` prints its usage, and a wrong option a message, never a stack trace. */
async function checkIdpTokenHelp(): Promise<void> {
  const help = await shell("npm run -s idp-token -- --help");
  const wrong = await shell("npm run -s idp-token -- --no-such-option");
  const stack = /^\s+at /m;
  check(
    `idp-token --help prints its usage (exit ${help.code}); a wrong option explains itself (exit ${wrong.code})`,
    help.code === 0 &&
      /Usage:/.test(help.stdout) &&
      wrong.code === 2 &&
      /--no-such-option/.test(wrong.stderr) &&
      !stack.test(help.stdout + help.stderr + wrong.stderr),
    wrong.stderr.slice(0, 300),
  );
}

/** Runs a command line as a developer's shell would, without the CI's admin settings. */
async function shell(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { ADMIN_TOKEN: _token, CUSTOMER_EDGE_URL: _url, ...env } = process.env;
  try {
    // The cast: the Worker's generated types claim process.env always has ADMIN_TOKEN.
    const { stdout, stderr } = await run("sh", ["-c", command], { env: env as NodeJS.ProcessEnv, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout = "", stderr = "" } = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof code === "number" ? code : -1, stdout, stderr };
  }
}

/** `npm run keys -- <args>` against the dev server, relying on the local admin token default. */
async function keys(baseUrl: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { ADMIN_TOKEN: _token, CUSTOMER_EDGE_URL: _url, ...env } = process.env;
  const command = ["run", "--silent", "keys", "--", "--url", baseUrl, ...args];
  try {
    // The cast: the Worker's generated types claim process.env always has ADMIN_TOKEN.
    const { stdout, stderr } = await run("npm", command, { env: env as NodeJS.ProcessEnv, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout = "", stderr = "" } = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof code === "number" ? code : -1, stdout, stderr };
  }
}

async function checkKeysCli(baseUrl: string, customerUrl: string): Promise<void> {
  const created = await keys(baseUrl, "create", "--name", "check:dev", "--scope", "addresses:read");
  const id = /\b(key_\w+)/.exec(created.stdout)?.[1] ?? "";
  const key = /^\s*(cedge_\w+)\s*$/m.exec(created.stdout)?.[1] ?? "";
  const works = key !== "" && (await getCustomer(customerUrl, key)).status === 200;
  const warned = /only time/.test(created.stdout);
  check("keys create prints a working key once, with a warning", created.code === 0 && works && warned, created.stderr);

  const issuing = await keys(
    baseUrl,
    "create",
    "--name",
    "check:dev storefront",
    "--scope",
    "addresses:read",
    "--scope",
    "tokens:issue",
  );
  const issuer = /^\s*(cedge_\w+)\s*$/m.exec(issuing.stdout)?.[1] ?? "";
  const issued = await fetch(`${baseUrl}/v1/customer-tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${issuer}`, "Content-Type": "application/json" },
    body: JSON.stringify({ customerUuid: EXAMPLE_CUSTOMER_UUID }),
  });
  await issued.body?.cancel();
  check(
    `keys create --scope addresses:read --scope tokens:issue makes a key that issues tokens (${issued.status})`,
    issued.status === 201,
  );
  const beyond = await fetch(`${baseUrl}/v1/customer-tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${issuer}`, "Content-Type": "application/json" },
    body: JSON.stringify({ customerUuid: EXAMPLE_CUSTOMER_UUID, scopes: ["customers:read"] }),
  });
  await beyond.body?.cancel();
  check(
    `that key cannot issue more than it may read: customers:read is refused (${beyond.status})`,
    beyond.status === 403,
  );
  const readless = await keys(baseUrl, "create", "--name", "check:dev no read", "--scope", "tokens:issue");
  check(
    "keys create refuses tokens:issue without a read scope",
    readless.code !== 0 && /scopes/.test(readless.stderr + readless.stdout),
  );

  const listed = await keys(baseUrl, "list");
  const row = listed.stdout.split("\n").find((line) => id !== "" && line.startsWith(id)) ?? "";
  const shown = listed.code === 0 && /check:dev\s+addresses:read\s+active/.test(row);
  check("keys list shows the new key as active", shown, listed.stderr || listed.stdout);

  const revoked = await keys(baseUrl, "revoke", id);
  const refused = (await getCustomer(customerUrl, key)).status;
  check(
    `keys revoke works and the key then gets 401 (got ${refused})`,
    revoked.code === 0 && refused === 401,
    revoked.stderr,
  );

  const unknown = await keys(baseUrl, "revoke", "key_0000000000000000");
  const explained = unknown.code === 1 && /HTTP 404/.test(unknown.stderr);
  check("keys revoke of an unknown id prints the problem detail and exits 1", explained, unknown.stderr);

  const purged = await keys(baseUrl, "purge", EXAMPLE_CUSTOMER_UUID);
  const { cacheStatus } = await getCustomer(customerUrl, devKey());
  const refetched = purged.code === 0 && /fwd=miss/.test(cacheStatus);
  check(`keys purge makes the next read go upstream (${cacheStatus || "none"})`, refetched, purged.stderr);
}

/** The key the dev banner printed (the check:dev key is revoked by now). */
function devKey(): string {
  return /^\s*API key\s+(\S+)/m.exec(devOutput)?.[1] ?? "";
}

async function checkStop(child: ChildProcess): Promise<void> {
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? `code ${code}`)),
  );
  signalGroup(child.pid ?? 0, "SIGINT");
  const how = await Promise.race([exited, sleep(STOP_TIMEOUT_MS, "still running")]);
  // npm's `sh -c` dies of the SIGINT itself and npm re-raises it, as in a terminal; dev.ts
  // cleans up on its own, which the next check sees.
  check(`Ctrl-C (SIGINT) stops npm run dev (${how})`, how === "code 0" || how === "SIGINT");
  const leftovers = await leftoversAfter(STOP_TIMEOUT_MS);
  check(
    `nothing is left listening or running on ports ${ports.join(", ")}`,
    leftovers.length === 0,
    leftovers.join("\n      "),
  );
}

/** What still listens on or names our ports once `waitMs` has passed, or as soon as nothing does. */
async function leftoversAfter(waitMs: number): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const listening = await Promise.all(
      ports.map(async (port) => ((await isPortFree(port, LOCAL_HOST)) ? [] : [`port ${port}`])),
    );
    const leftovers = [...listening.flat(), ...(await processesNamingPorts()).map((process) => process.line)];
    if (leftovers.length === 0 || Date.now() > deadline) return leftovers;
    await sleep(200);
  }
}

/** Processes (not our own group) whose command line names one of our ports: wrangler does. */
async function processesNamingPorts(): Promise<{ pgid: number; line: string }[]> {
  const { stdout } = await run("ps", ["-eo", "pid=,pgid=,args="]);
  const rows = stdout.split("\n").flatMap((line) => {
    const [, pid, pgid, args = ""] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
    return pid && pgid ? [{ pid: Number(pid), pgid: Number(pgid), line: `${pid} ${args}` }] : [];
  });
  const ownGroup = rows.find((row) => row.pid === process.pid)?.pgid;
  const named = (line: string) => ports.some((port) => new RegExp(`[:= ]${port}\\b`).test(line));
  return rows.filter((row) => row.pgid !== ownGroup && named(row.line));
}

/**
 * Stops whatever is still running however the checks went: SIGINT to the dev server's group,
 * then SIGKILL to it and, as a last resort, to wrangler's own group, found by its port.
 */
async function cleanUp(): Promise<void> {
  const pgid = devServer?.pid;
  if (pgid && signalGroup(pgid, "SIGINT")) {
    for (let waited = 0; waited < STOP_TIMEOUT_MS && signalGroup(pgid, 0); waited += 200) await sleep(200);
    signalGroup(pgid, "SIGKILL");
  }
  if (ports.length > 0) for (const leftover of await processesNamingPorts()) signalGroup(leftover.pgid, "SIGKILL");
}

function finish(code: number): never {
  if (failed > 0 && !verbose) {
    console.log(`\n--- npm run dev output (last 40 lines) ---\n${devOutput.split("\n").slice(-40).join("\n")}`);
  }
  console.log(`check:dev: ${passed} passed, ${failed} failed`);
  process.exit(code);
}

const overall = setTimeout(() => {
  check(`finishes within ${OVERALL_TIMEOUT_MS / 1000} s`, false);
  void cleanUp().then(() => finish(1));
}, OVERALL_TIMEOUT_MS);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    check(`runs uninterrupted (got ${signal})`, false);
    void cleanUp().then(() => finish(130));
  });
}

main()
  .catch((error: unknown) => check("runs to the end", false, error instanceof Error ? error.message : String(error)))
  .then(cleanUp)
  .then(() => {
    clearTimeout(overall);
    finish(failed === 0 && passed > 0 ? 0 : 1);
  });
