import { type FetchHandler, MemoryKv, WORKER_ORIGIN } from "./bindings.ts";
import type { ReplayedAnswer } from "./floor-app.ts";
import { bearer, call, EXAMPLE_CUSTOMER, get, type Harness, type Prepared, type Scenario, warm } from "./harness.ts";
import type { IdpAlg } from "./idp-keys.ts";

/** More than the memory tier's 1,000 customers, so every read in the ring misses memory. */
const KV_RING = 2_000;

/** The same request every time (`extra` headers added), re-warmed before each batch (other scenarios evict the customer). */
async function steady(
  h: Harness,
  path: string,
  headers: Record<string, string>,
  extra = {},
  status = 200,
): Promise<Prepared> {
  const request = get(path, { ...headers, ...extra });
  await warm(h, path, headers);
  const before = async () => void (await warm(h, path, headers));
  return {
    handler: h.worker,
    env: h.bindings.env,
    expectedStatus: status,
    upstreamCallsPerRequest: 0,
    before,
    request: () => request,
  };
}

/**
 * A bound: the floor app answering exactly what the Worker answered to `request` (status, every
 * header, body), captured once, from one Headers built once: the cheapest way to send those
 * headers at all. No route can be cheaper than its bound; the route minus its bound is its own work.
 */
async function replay(h: Harness, request: Request): Promise<Prepared> {
  const captured = await call(h, request);
  const answer: ReplayedAnswer = {
    status: captured.status,
    headers: new Headers(captured.headers),
    body: await captured.text(),
  };
  const replayed = get("/replay");
  return {
    handler: h.floor,
    env: { answer },
    expectedStatus: answer.status,
    upstreamCallsPerRequest: 0,
    request: () => replayed,
  };
}

async function issueEdgeToken(h: Harness, issuer: string): Promise<string> {
  const body = JSON.stringify({ customerUuid: EXAMPLE_CUSTOMER, scopes: ["customers:read"] });
  const headers = { "X-API-Key": issuer, "Content-Type": "application/json" };
  const issued = await call(h, new Request(`${WORKER_ORIGIN}/v1/customer-tokens`, { method: "POST", headers, body }));
  if (issued.status !== 201) throw new Error(`POST /v1/customer-tokens answered ${issued.status}`);
  return ((await issued.json()) as { token: string }).token;
}

async function issuerKey(h: Harness): Promise<string> {
  return (await h.admin.createKey({ name: "bench-issuer", scopes: ["tokens:issue", "customers:read"] })).key;
}

/**
 * GET /v1/me with a token the Worker has never seen, every request: the cached read plus a full
 * verification. Tokens are made in `before`, outside the timed loop. What the verification
 * costs is this row minus the same read with a remembered verdict (COSTS, below).
 */
function neverSeen(id: string, label: string, mint: (h: Harness) => Promise<() => Promise<string>>): Scenario {
  return {
    id,
    label,
    setup: async (h) => {
      const next = await mint(h);
      let requests: Request[] = [];
      const before = async (n: number) => {
        await warm(h, "/v1/me", bearer(await next()));
        requests = [];
        for (let i = 0; i < n; i++) requests.push(get("/v1/me", bearer(await next())));
      };
      return {
        handler: h.worker,
        env: h.bindings.env,
        expectedStatus: 200,
        upstreamCallsPerRequest: 0,
        before,
        request: (i) => requests[i]!,
      };
    },
  };
}
const neverSeenIdp = (alg: IdpAlg) =>
  neverSeen(
    `verify-${alg.toLowerCase()}`,
    `GET /v1/me, never-seen ${alg} IdP token`,
    async (h) => () => h.idp.mint(alg, EXAMPLE_CUSTOMER),
  );

const customer = `/v1/customers/${EXAMPLE_CUSTOMER}`;

/** What a never-seen token adds to a cached /v1/me read: its row minus the remembered-verdict row. */
export const COSTS = [
  { id: "verify-edge", baseline: "token-edge", label: "edge token (HS256)" },
  { id: "verify-es256", baseline: "token-idp", label: "IdP token, ES256" },
  { id: "verify-rs256", baseline: "token-idp", label: "IdP token, RS256 (2048-bit)" },
  { id: "verify-eddsa", baseline: "token-idp", label: "IdP token, EdDSA (Ed25519)" },
];

/**
 * Interleaved in this order, round after round. A batch pays for some of the garbage its
 * predecessor left, so changing the order moves the figures: keep it when comparing runs.
 */
export const SCENARIOS: Scenario[] = [
  { id: "floor", label: "bare Hono app, GET / (floor)", setup: async (h) => fixed(h.floor, {}, get("/")) },
  { id: "healthz", label: "GET /healthz", setup: async (h) => fixed(h.worker, h.bindings.env, get("/healthz")) },

  {
    id: "cached",
    label: "cached read, API key (memory tier)",
    setup: (h) => steady(h, customer, { "X-API-Key": h.apiKey }),
  },
  {
    id: "bound-hz",
    label: "bare Hono app sending /healthz's answer (bound)",
    setup: (h) => replay(h, get("/healthz")),
  },
  {
    id: "bound-cached",
    label: "bare Hono app sending a cached 200 (bound)",
    setup: async (h) => {
      await warm(h, customer, { "X-API-Key": h.apiKey });
      return replay(h, get(customer, { "X-API-Key": h.apiKey }));
    },
  },
  {
    id: "304",
    label: "cached read, If-None-Match (304)",
    setup: async (h) => {
      const etag = await warm(h, customer, { "X-API-Key": h.apiKey });
      return steady(h, customer, { "X-API-Key": h.apiKey }, { "If-None-Match": etag }, 304);
    },
  },

  { id: "kv", label: "KV-tier read (memory tier missed)", setup: kvRead },
  { id: "miss", label: "miss, instant upstream, empty KV", setup: miss },
  {
    id: "token-edge",
    label: "cached read, GET /v1/me, edge token",
    setup: async (h) => steady(h, "/v1/me", bearer(await issueEdgeToken(h, await issuerKey(h)))),
  },
  {
    id: "token-idp",
    label: "cached read, GET /v1/me, ES256 IdP token",
    setup: async (h) => steady(h, "/v1/me", bearer(await h.idp.mint("ES256", EXAMPLE_CUSTOMER))),
  },
  neverSeen("verify-edge", "GET /v1/me, never-seen edge token (HS256)", async (h) => {
    const issuer = await issuerKey(h);
    return () => issueEdgeToken(h, issuer);
  }),
  neverSeenIdp("ES256"),
  neverSeenIdp("RS256"),
  neverSeenIdp("EdDSA"),
];

/** The same request every time, nothing to warm. */
function fixed(handler: FetchHandler, env: unknown, request: Request): Prepared {
  return { handler, env, expectedStatus: 200, upstreamCallsPerRequest: 0, request: () => request };
}

/** KV_RING customers stored by the Worker itself (one miss each), read in a ring: each has left the memory tier. */
async function kvRead(h: Harness): Promise<Prepared> {
  const headers = { "X-API-Key": h.apiKey };
  const paths = Array.from({ length: KV_RING }, (_, i) => `/v1/customers/B${h.runId}K${i}`);
  for (const path of paths) await call(h, get(path, headers));
  let next = 0;
  let requests: Request[] = [];
  let readsBefore = 0;
  return {
    handler: h.worker,
    env: h.bindings.env,
    expectedStatus: 200,
    upstreamCallsPerRequest: 0,
    before: (n) => {
      requests = Array.from({ length: n }, () => get(paths[next++ % KV_RING]!, headers));
      readsBefore = h.bindings.cache.reads;
    },
    request: (i) => requests[i]!,
    after: (n) => {
      const reads = h.bindings.cache.reads - readsBefore;
      return reads === n ? undefined : `${reads} KV reads for ${n} requests (each should miss memory)`;
    },
  };
}

/** Every request a never-seen customer; its own KV is emptied before each batch. */
async function miss(h: Harness): Promise<Prepared> {
  const cache = new MemoryKv();
  let next = 0;
  let requests: Request[] = [];
  return {
    handler: h.worker,
    env: { ...h.bindings.env, CACHE: cache },
    expectedStatus: 200,
    upstreamCallsPerRequest: 1,
    before: (n) => {
      cache.clear();
      requests = Array.from({ length: n }, () => get(`/v1/customers/B${h.runId}M${next++}`, { "X-API-Key": h.apiKey }));
    },
    request: (i) => requests[i]!,
  };
}
