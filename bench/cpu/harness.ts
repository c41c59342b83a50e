import { AdminClient } from "../../scripts/lib/admin-client.ts";
import {
  BenchContext,
  type Bindings,
  benchBindings,
  type FetchHandler,
  installInstantUpstream,
  randomToken,
  WORKER_ORIGIN,
} from "./bindings.ts";
import { type IdentityProvider, identityProvider } from "./idp-keys.ts";

export const EXAMPLE_CUSTOMER = "CSRT1511414842";

/** What every scenario's setup gets: both apps, free bindings, a read key made through the admin API. */
export interface Harness {
  worker: FetchHandler;
  floor: FetchHandler;
  bindings: Bindings;
  admin: AdminClient;
  apiKey: string;
  idp: IdentityProvider;
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
  after?: (n: number) => string | undefined;
}

export interface Scenario {
  id: string;
  label: string;
  setup: (h: Harness) => Promise<Prepared>;
}

export async function makeHarness(worker: FetchHandler, floor: FetchHandler): Promise<Harness> {
  const bindings = benchBindings();
  const jwks = { keys: [] as object[] };
  const { env } = bindings;
  const idp = await identityProvider(jwks, {
    iss: env.CUSTOMER_JWT_ISSUER,
    aud: env.CUSTOMER_JWT_AUDIENCE,
    claim: env.CUSTOMER_JWT_CLAIM,
  });
  const { upstreamCalls } = installInstantUpstream(worker, bindings, () => jwks);
  const admin = new AdminClient(WORKER_ORIGIN, bindings.adminToken);
  const apiKey = (await admin.createKey({ name: "bench", scopes: ["customers:read"] })).key;
  const runId = Date.now().toString(36) + randomToken(3).replace(/[-_]/g, "x");
  return { worker, floor, bindings, admin, apiKey, idp, upstreamCalls, runId };
}

export const get = (path: string, headers: Record<string, string> = {}) =>
  new Request(WORKER_ORIGIN + path, { headers });
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** One request outside any timing, with its waitUntil work finished. */
export async function call(h: Harness, request: Request): Promise<Response> {
  const ctx = new BenchContext();
  const response = await h.worker(request, h.bindings.env, ctx);
  await ctx.drain();
  return response;
}

/** Reads `path` until it is a memory/KV hit; returns its ETag. */
export async function warm(h: Harness, path: string, headers: Record<string, string>): Promise<string> {
  let response = await call(h, get(path, headers));
  if (!response.headers.get("Cache-Status")?.includes("; hit")) response = await call(h, get(path, headers));
  const cacheStatus = response.headers.get("Cache-Status") ?? "";
  const etag = response.headers.get("ETag");
  if (response.status !== 200 || !cacheStatus.includes("; hit") || !etag) {
    throw new Error(`warming ${path}: ${response.status}, Cache-Status "${cacheStatus}", ETag ${etag}`);
  }
  return etag;
}
