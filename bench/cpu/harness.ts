import { AdminClient } from "../../scripts/lib/admin-client.ts";
import { randomToken } from "./base64url.ts";
import {
  BenchContext,
  type Bindings,
  benchBindings,
  type FetchHandler,
  installInstantUpstream,
  WORKER_ORIGIN,
} from "./bindings.ts";

/** What every scenario's setup gets: both bundles, the bindings and a read key made through the admin API. */
export const EXAMPLE_CUSTOMER = "CSRT1511414842";

export interface Harness {
  worker: FetchHandler;
  floor: FetchHandler;
  bindings: Bindings;
  admin: AdminClient;
  apiKey: string;
  /** Public JWKS the instant upstream serves (the token-idp scenario adds its key). */
  jwks: { keys: object[] };
  upstreamCalls: () => number;
  /** Letters and digits, unique per run, for customer uuids. */
  runId: string;
}

/** A scenario ready to be timed. `request(i)` must be cheap: build Requests in `before`. */
export interface Prepared {
  handler: FetchHandler;
  env: unknown;
  expectedStatus: number;
  /** Upstream calls each request must make (checked per batch): 0 for every hit, 1 for a miss. */
  upstreamCallsPerRequest: number;
  /** Untimed, before each batch of `n` requests: build them, re-warm a cache, ... */
  before?: (n: number) => void | Promise<void>;
  request: (i: number) => Request;
  /** Untimed, after each batch: a problem with how the batch ran, or undefined. */
  after?: (n: number) => string | undefined | Promise<string | undefined>;
}

export interface Scenario {
  id: string;
  label: string;
  /** Once, before the first round; a string means "skipped, because ...". */
  setup: (h: Harness) => Promise<Prepared | string>;
}

export function get(path: string, headers: Record<string, string> = {}): Request {
  return new Request(WORKER_ORIGIN + path, { headers });
}

/** One request outside any timing, with its waitUntil work finished. */
export async function call(handler: FetchHandler, env: unknown, request: Request): Promise<Response> {
  const ctx = new BenchContext();
  const response = await handler(request, env, ctx);
  await ctx.drain();
  return response;
}

export async function createKey(h: Harness, name: string, scopes: string[]): Promise<string> {
  return (await h.admin.createKey({ name, scopes })).key;
}

/** Reads `path` until it is a memory/KV hit; returns its ETag. */
export async function warm(h: Harness, path: string, headers: Record<string, string>): Promise<string> {
  let response = await call(h.worker, h.bindings.env, get(path, headers));
  if (!response.headers.get("Cache-Status")?.includes("; hit")) {
    response = await call(h.worker, h.bindings.env, get(path, headers));
  }
  const cacheStatus = response.headers.get("Cache-Status") ?? "";
  const etag = response.headers.get("ETag");
  if (response.status !== 200 || !cacheStatus.includes("; hit") || !etag) {
    throw new Error(`warming ${path}: ${response.status}, Cache-Status "${cacheStatus}", ETag ${etag}`);
  }
  return etag;
}

/**
 * Free bindings, the instant upstream in place of `globalThis.fetch` and a read key made
 * through the admin API: the same in Node and inside workerd.
 */
export async function makeHarness(worker: FetchHandler, floor: FetchHandler): Promise<Harness> {
  const bindings = benchBindings();
  const jwks: Harness["jwks"] = { keys: [] };
  const { upstreamCalls } = installInstantUpstream(worker, bindings, () => jwks);
  const admin = new AdminClient(WORKER_ORIGIN, bindings.adminToken);
  const apiKey = (await admin.createKey({ name: "bench", scopes: ["customers:read"] })).key;
  const runId = Date.now().toString(36) + randomToken(3).replace(/[-_]/g, "x");
  return { worker, floor, bindings, admin, apiKey, jwks, upstreamCalls, runId };
}
