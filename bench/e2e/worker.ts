import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AdminClient } from "../../scripts/lib/admin-client.ts";
import { signalGroup, stopGroup, waitForOk } from "../../scripts/lib/processes.ts";
import type { HostOptions } from "./worker-host.ts";

/** The `aud` the benchmark's Worker expects in identity-provider tokens. */
const AUDIENCE = "customer-edge-bench";

export interface RunningWorker {
  url: string;
  adminToken: string;
  stop: () => Promise<void>;
}

/**
 * Starts worker-host.ts (the Worker under `wrangler dev`'s machinery) on `port`, in a process
 * group of its own (wrangler starts esbuild and two workerd), pointed at the emulator as
 * Frontpayment and as the identity provider, with throwaway secrets given in its environment.
 * Its output goes to a log file, so this process never spends time reading it.
 */
export async function startWorker(args: {
  config: string;
  port: number;
  workDir: string;
  emulatorUrl: string;
  upstreamToken: string;
}) {
  const adminToken = randomBytes(24).toString("base64url");
  const logPath = join(args.workDir, "worker.log");
  const envFile = join(args.workDir, "empty.env");
  writeFileSync(envFile, "");
  const options: HostOptions = {
    config: args.config,
    port: args.port,
    persistTo: join(args.workDir, "state"),
    envFile,
    upstreamUrl: args.emulatorUrl,
    jwtIssuer: args.emulatorUrl,
    jwtAudience: AUDIENCE,
    jwksUrl: `${args.emulatorUrl}/.well-known/jwks.json`,
  };
  const log = openSync(logPath, "w");
  const child: ChildProcess = spawn(process.execPath, [join(import.meta.dirname, "worker-host.ts")], {
    detached: true,
    stdio: ["ignore", log, log, "ipc"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "false",
      FORCE_COLOR: "0",
      FRONTPAYMENT_TOKEN: args.upstreamToken,
      ADMIN_TOKEN: adminToken,
      TOKEN_SIGNING_SECRET: randomBytes(32).toString("base64url"),
      API_KEY_TAG_SECRET: randomBytes(32).toString("base64url"),
      BENCH_WORKER_OPTIONS: JSON.stringify(options),
    },
  });
  const lastResort = () => signalGroup(child.pid ?? 0, "SIGKILL");
  process.once("exit", lastResort);
  const stop = async () => {
    await stopGroup(child);
    process.off("exit", lastResort);
  };
  const tail = () => readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-30).join("\n");
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once("message", (message: { ready?: string }) => resolve(String(message.ready).replace(/\/$/, "")));
      child.once("exit", (code) => reject(new Error(`exited with code ${code} before it was ready`)));
    });
    // wrangler reports itself ready even when the bundle failed to build (it waits for a fix).
    await waitForOk(`${url}/healthz`, 30_000, () => child.exitCode === null);
    return { url, adminToken, stop } satisfies RunningWorker;
  } catch (error) {
    await stop();
    throw new Error(`The Worker (wrangler dev) did not start: ${(error as Error).message}. Its log ends:\n${tail()}`);
  }
}

/** A key created the way an operator would: POST /admin/keys. */
export async function createKey(worker: RunningWorker, scopes: string[]): Promise<string> {
  return (await new AdminClient(worker.url, worker.adminToken).createKey({ name: "bench", scopes })).key;
}

/** An edge token, issued as a storefront server would: POST /v1/customer-tokens with a `tokens:issue` key. */
export async function issueEdgeToken(workerUrl: string, issuerKey: string, customerUuid: string): Promise<string> {
  const response = await fetch(`${workerUrl}/v1/customer-tokens`, {
    method: "POST",
    headers: { "X-API-Key": issuerKey, "Content-Type": "application/json" },
    body: JSON.stringify({ customerUuid, scopes: ["customers:read"], ttlSeconds: 3600 }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/customer-tokens answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** An ES256 token from the emulator's identity provider, as a merchant's app would hold one. */
export async function mintIdpToken(emulatorUrl: string, customerUuid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: emulatorUrl,
    aud: AUDIENCE,
    sub: "bench-user",
    frontpayment_customer_uuid: customerUuid,
    iat: now,
    exp: now + 3600,
  };
  const response = await fetch(`${emulatorUrl}/__idp/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ alg: "ES256", claims }),
  });
  if (!response.ok) throw new Error(`the emulator's POST /__idp/token answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}
