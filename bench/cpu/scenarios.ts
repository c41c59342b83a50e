import type { ReplayedAnswer } from "./floor-app.ts";
import { call, EXAMPLE_CUSTOMER, get, type Harness, type Prepared, type Scenario, warm } from "./harness.ts";
import { MemoryKv } from "./memory-kv.ts";
import { tokenEdge, tokenIdp, verifyEddsa, verifyEdge, verifyEs256, verifyRs256 } from "./token-scenarios.ts";

/** More than the memory tier's 1,000 customers, so every read in the ring misses memory. */
const KV_RING = 2_000;

/** Interleaved in this order, round after round. Adding one is a few lines here. */
export const SCENARIOS: Scenario[] = [
  {
    id: "floor",
    label: "bare Hono app, GET / (floor)",
    setup: async (h) => {
      const request = get("/");
      return { handler: h.floor, env: {}, expectedStatus: 200, upstreamCallsPerRequest: 0, request: () => request };
    },
  },
  {
    id: "healthz",
    label: "GET /healthz",
    setup: async (h) => {
      const request = get("/healthz");
      return {
        handler: h.worker,
        env: h.bindings.env,
        expectedStatus: 200,
        upstreamCallsPerRequest: 0,
        request: () => request,
      };
    },
  },
  { id: "cached", label: "cached read (memory tier)", setup: (h) => cachedRead(h, false) },
  {
    id: "bound-hz",
    label: "bare Hono app sending /healthz's answer (bound)",
    setup: (h) => replay(h, get("/healthz")),
  },
  {
    id: "bound-cached",
    label: "bare Hono app sending a cached 200 (bound)",
    setup: async (h) => {
      const path = `/v1/customers/${EXAMPLE_CUSTOMER}`;
      await warm(h, path, { "X-API-Key": h.apiKey });
      return replay(h, get(path, { "X-API-Key": h.apiKey }));
    },
  },
  { id: "304", label: "cached read, If-None-Match (304)", setup: (h) => cachedRead(h, true) },
  { id: "kv", label: "KV-tier read (memory tier missed)", setup: kvRead },
  { id: "miss", label: "miss, instant upstream, empty KV", setup: miss },
  tokenEdge,
  tokenIdp,
  verifyEdge,
  verifyEs256,
  verifyRs256,
  verifyEddsa,
];

/** The example customer from the memory tier; re-warmed before each batch (other scenarios evict it). */
async function cachedRead(h: Harness, revalidate: boolean): Promise<Prepared | string> {
  const path = `/v1/customers/${EXAMPLE_CUSTOMER}`;
  const headers = { "X-API-Key": h.apiKey };
  const etag = await warm(h, path, headers);
  const request = get(path, revalidate ? { ...headers, "If-None-Match": etag } : headers);
  return {
    handler: h.worker,
    env: h.bindings.env,
    expectedStatus: revalidate ? 304 : 200,
    upstreamCallsPerRequest: 0,
    before: async () => void (await warm(h, path, headers)),
    request: () => request,
  };
}

/**
 * KV_RING customers stored in KV by the Worker itself (one miss each), then read in a ring:
 * each was pushed out of the memory tier by the KV_RING - 1 reads since its last one.
 */
async function kvRead(h: Harness): Promise<Prepared | string> {
  const headers = { "X-API-Key": h.apiKey };
  const paths = Array.from({ length: KV_RING }, (_, i) => `/v1/customers/B${h.runId}K${i}`);
  for (const path of paths) await call(h.worker, h.bindings.env, get(path, headers));
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

/** Every request a never-seen customer; its KV is emptied after each batch so it stays empty. */
async function miss(h: Harness): Promise<Prepared | string> {
  const headers = { "X-API-Key": h.apiKey };
  const cache = new MemoryKv();
  const env = { ...h.bindings.env, CACHE: cache };
  let next = 0;
  let requests: Request[] = [];
  return {
    handler: h.worker,
    env,
    expectedStatus: 200,
    upstreamCallsPerRequest: 1,
    before: (n) => {
      cache.clear();
      requests = Array.from({ length: n }, () => get(`/v1/customers/B${h.runId}M${next++}`, headers));
    },
    request: (i) => requests[i]!,
  };
}

/**
 * A bound: the floor app answering exactly what the Worker answered to `request` (status,
 * every header, body), captured once. Header writes are a large part of an answer's cost
 * (undici's Headers in Node, a call into C++ each in workerd), and these are the headers the
 * contract and the security policy ask for, so no route can be cheaper than its bound. They are
 * replayed from one Headers object built once, the cheapest way to send a set of headers (in
 * workerd a Response copies a Headers natively; a plain object's entries cost ~1 µs each).
 */
async function replay(h: Harness, request: Request): Promise<Prepared> {
  const captured = await call(h.worker, h.bindings.env, request);
  const answer: ReplayedAnswer = {
    status: captured.status,
    headers: new Headers(captured.headers),
    body: await captured.text(),
  };
  const replayRequest = get("/replay");
  return {
    handler: h.floor,
    env: { answer },
    expectedStatus: answer.status,
    upstreamCallsPerRequest: 0,
    request: () => replayRequest,
  };
}
