import { randomBytes } from "node:crypto";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { AdminClient } from "../../scripts/lib/admin-client.ts";
import type { HostOptions } from "../worker-host.ts";
import { cleanupAll, isCleaningUp } from "./cleanup.ts";
import { exited, spawnGroup } from "./process-group.ts";

export interface RunningWorker {
  url: string; // no trailing slash
  adminToken: string;
  logPath: string;
  /** wrangler's Node process (bench/worker-host.ts); its children are the two workerd. */
  hostPid: number;
}

const START_TIMEOUT_MS = 90_000;
/** The `aud` the benchmark's Worker expects in identity-provider tokens. */
export const BENCH_JWT_AUDIENCE = "customer-edge-bench";
const HEALTHY_TIMEOUT_MS = 30_000;

/**
 * Starts bench/worker-host.ts (the Worker under `wrangler dev`'s machinery) on `port`,
 * pointed at the emulator (as Frontpayment and as the identity provider), with throwaway secrets. Its output goes straight to a log file so
 * that this process never spends time reading it.
 */
export async function startWorker(args: {
  config: string;
  port: number;
  workDir: string;
  upstreamUrl: string;
  upstreamToken: string;
  inspectPort: number | undefined;
}): Promise<RunningWorker> {
  const adminToken = randomBytes(24).toString("base64url");
  const logPath = join(args.workDir, "worker.log");
  const envFile = join(args.workDir, "empty.env");
  writeFileSync(envFile, "");
  const hostOptions: HostOptions = {
    config: args.config,
    port: args.port,
    persistTo: join(args.workDir, "state"),
    envFile,
    upstreamUrl: args.upstreamUrl,
    jwtIssuer: args.upstreamUrl,
    jwtAudience: BENCH_JWT_AUDIENCE,
    jwksUrl: `${args.upstreamUrl}/.well-known/jwks.json`,
    inspectorPort: args.inspectPort,
  };
  const log = openSync(logPath, "w");
  const child = spawnGroup([new URL("../worker-host.ts", import.meta.url).pathname], {
    stdio: ["ignore", log, log, "ipc"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "false",
      FORCE_COLOR: "0",
      FRONTPAYMENT_TOKEN: args.upstreamToken,
      ADMIN_TOKEN: adminToken,
      TOKEN_SIGNING_SECRET: randomBytes(32).toString("base64url"),
      BENCH_WORKER_OPTIONS: JSON.stringify(hostOptions),
    },
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(failure(`did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    child.once("message", (message: { ready?: string }) => {
      clearTimeout(timer);
      if (message.ready) resolve(message.ready.replace(/\/$/, ""));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(failure(`exited with code ${code} before it was ready`));
    });
  });
  child.removeAllListeners("exit");
  // wrangler reports itself ready even when the bundle failed to build (it waits for a fix).
  if (!(await answers(`${url}/healthz`, HEALTHY_TIMEOUT_MS))) throw failure("never answered GET /healthz with 200");
  void exited(child, Number.POSITIVE_INFINITY).then(() => {
    if (isCleaningUp()) return;
    console.error(`\nThe Worker stopped in the middle of the run. Last lines of its log:\n${tail(logPath, 30)}`);
    void cleanupAll().finally(() => process.exit(1));
  });
  return { url, adminToken, logPath, hostPid: child.pid! };

  function failure(reason: string): Error {
    return new Error(`The Worker (wrangler dev) ${reason}. Last lines of its log:\n${tail(logPath, 30)}`);
  }
}

async function answers(url: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

export function tail(path: string, lines: number): string {
  try {
    const text = stripVTControlCharacters(readFileSync(path, "utf8")); // esbuild's colours
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** A key created the way an operator would: POST /admin/keys (the read scope unless told). */
export async function createApiKey(worker: RunningWorker, scopes = ["customers:read"]): Promise<string> {
  const created = await new AdminClient(worker.url, worker.adminToken).createKey({ name: "bench", scopes });
  return created.key;
}

/** An edge token, issued as a storefront server would: POST /v1/customer-tokens with a `tokens:issue` key. */
export async function issueEdgeToken(
  workerUrl: string,
  issuerKey: string,
  customerUuid: string,
  prefetch = false,
): Promise<string> {
  const response = await fetch(`${workerUrl}/v1/customer-tokens`, {
    method: "POST",
    headers: { "X-API-Key": issuerKey, "Content-Type": "application/json" },
    body: JSON.stringify({ customerUuid, scopes: ["customers:read"], ttlSeconds: 3600, ...(prefetch && { prefetch }) }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/customer-tokens answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** An ES256 token from the emulator's identity provider, as a merchant's app would hold one. */
export async function mintIdpToken(emulatorUrl: string, customerUuid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: emulatorUrl,
    aud: BENCH_JWT_AUDIENCE,
    sub: `bench-user-${customerUuid}`,
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
