import { setTimeout as sleep } from "node:timers/promises";
import { putCustomer, putCustomers, upstreamStats } from "./emulator-control.ts";
import { load, type LoadResult } from "./load.ts";
import type { Options } from "./options.ts";

/**
 * The scenarios, run in this order against one Worker and one emulator. Each returns one
 * table row; a row's `upstreamCalls` is how many requests the emulator received while it ran.
 */
export interface Context {
  workerUrl: string;
  emulatorUrl: string;
  upstreamToken: string;
  apiKey: string;
  /** Letters and digits, unique per run: customer uuids never collide with older state. */
  runId: string;
  options: Options;
}

export interface ScenarioResult {
  id: string;
  label: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  /** Calls the emulator received during the scenario; null where the scenario is the emulator. */
  upstreamCalls: number | null;
  expectedStatus: number;
  /** Answers with another status, or transport errors: the row measured the wrong thing. */
  unexpected: Record<string, number>;
  /** How the row was measured, for the JSON file. */
  phases: Record<string, LoadResult>;
  notes: string[];
}

export const EXAMPLE_CUSTOMER = "CSRT1511414842";
/** The memory tier in front of KV keeps a customer this long (src/customers/customer-cache.ts). */
const MEMORY_TIER_MS = 5_000;
/**
 * Extra upstream delay for the stampede customer only. Opening hundreds of connections takes
 * longer than 150 ms on a busy machine; without the hold, late requests would find the
 * answer already cached and the scenario would not be a stampede at all.
 */
const STAMPEDE_HOLD_MS = 1_000;

export async function runScenarios(ctx: Context, progress: (id: string) => void): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const add = async (id: string, scenario: () => Promise<ScenarioResult>) => {
    progress(id);
    results.push(await scenario());
  };
  const keyHeaders = { "X-API-Key": ctx.apiKey };
  const customerPath = `/v1/customers/${EXAMPLE_CUSTOMER}`;

  await add("healthz", () => steady(ctx, "healthz", "/healthz (floor)", "/healthz", {}, 200));
  const etag = await warmCustomer(ctx, customerPath, keyHeaders);
  await add("cached", () => steady(ctx, "cached", "cached read (fresh hit)", customerPath, keyHeaders, 200));
  await add("revalidate", () =>
    steady(ctx, "revalidate", "revalidate, If-None-Match (304)", customerPath, { ...keyHeaders, "If-None-Match": etag }, 304),
  );
  const cold = await coldCustomers(ctx);
  await add("cold", () => coldReads(ctx, cold, keyHeaders));
  await add("stampede", () => stampede(ctx, keyHeaders));
  await add("direct", () => direct(ctx));
  await add("kv", () => kvReads(ctx, cold, keyHeaders));
  return results;
}

/**
 * A cheap path measured twice after a warm-up: latency with ONE connection (service time,
 * no queueing) and throughput with `connections` (saturation). With many connections a
 * closed-loop client's latency is mostly queueing (p50 ≈ connections / req/s), which would
 * only restate the throughput.
 */
async function steady(
  ctx: Context,
  id: string,
  label: string,
  path: string,
  headers: Record<string, string>,
  expectedStatus: number,
): Promise<ScenarioResult> {
  const { connections, durationS, warmupS } = ctx.options;
  const url = ctx.workerUrl + path;
  const before = await upstreamStats(ctx.emulatorUrl);
  if (warmupS > 0) await load({ url, connections, durationS: warmupS, headers });
  const probe = await load({ url, connections: 1, durationS, headers });
  const saturated = await load({ url, connections, durationS, headers });
  const after = await upstreamStats(ctx.emulatorUrl);
  return {
    id,
    label,
    rps: saturated.rps,
    p50: probe.p50,
    p95: probe.p95,
    p99: probe.p99,
    requests: probe.requests + saturated.requests,
    upstreamCalls: after.requests - before.requests,
    expectedStatus,
    unexpected: unexpectedOf([probe, saturated], expectedStatus),
    phases: { probe, saturated },
    notes: [],
  };
}

/** The first read goes upstream; the second must already be a hit. Returns the ETag. */
async function warmCustomer(ctx: Context, path: string, headers: Record<string, string>): Promise<string> {
  await fetch(ctx.workerUrl + path, { headers }).then((response) => response.arrayBuffer());
  const response = await fetch(ctx.workerUrl + path, { headers });
  await response.arrayBuffer();
  const cacheStatus = response.headers.get("Cache-Status") ?? "";
  const etag = response.headers.get("ETag");
  if (response.status !== 200 || !cacheStatus.includes("; hit") || !etag) {
    throw new Error(`warming ${path} failed: ${response.status}, Cache-Status "${cacheStatus}", ETag ${etag}`);
  }
  return etag;
}

interface ColdSet {
  uuids: string[];
  /** Filled by coldReads: the customers really read, and when the last answer came. */
  read: string[];
  finishedAt: number;
}

/** Creates the never-seen customers up front (with spares: autocannon prepares a request per connection ahead). */
async function coldCustomers(ctx: Context): Promise<ColdSet> {
  const count = ctx.options.coldCount + ctx.options.connections * 2;
  const uuids = Array.from({ length: count }, (_, i) => `B${ctx.runId}C${i}`);
  await putCustomers(ctx.emulatorUrl, uuids);
  return { uuids, read: [], finishedAt: 0 };
}

/** Every request is the first read of its customer: each must cost exactly one upstream call. */
async function coldReads(ctx: Context, cold: ColdSet, headers: Record<string, string>): Promise<ScenarioResult> {
  const { coldCount, connections } = ctx.options;
  let next = 0;
  const before = await upstreamStats(ctx.emulatorUrl);
  const run = await load({
    url: ctx.workerUrl,
    connections,
    amount: coldCount,
    headers,
    nextPath: () => `/v1/customers/${cold.uuids[next++ % cold.uuids.length]}`,
  });
  cold.finishedAt = Date.now();
  const after = await upstreamStats(ctx.emulatorUrl);
  const perCustomer = cold.uuids.map((uuid) => (after.byUuid[uuid] ?? 0) - (before.byUuid[uuid] ?? 0));
  cold.read = cold.uuids.filter((_, i) => perCustomer[i]! > 0);
  const notes = [`${cold.read.length} distinct customers, at most ${Math.max(...perCustomer)} upstream call(s) each`];
  return row("cold", `cold reads, ${coldCount} distinct customers`, run, after.requests - before.requests, 200, notes);
}

/**
 * `stampedeCount` connections each send one first read of the same new customer at once.
 * The emulator must see one call; Cache-Status shows that every answer shared it.
 */
async function stampede(ctx: Context, headers: Record<string, string>): Promise<ScenarioResult> {
  const { stampedeCount } = ctx.options;
  const uuid = `B${ctx.runId}S`;
  await putCustomer(ctx.emulatorUrl, uuid, STAMPEDE_HOLD_MS);
  const before = await upstreamStats(ctx.emulatorUrl);
  const cacheStatuses: Record<string, number> = {};
  const run = await load({
    url: `${ctx.workerUrl}/v1/customers/${uuid}`,
    connections: stampedeCount,
    amount: stampedeCount,
    headers,
    onHeaders: (h) => {
      const status = String(h["cache-status"] ?? h["Cache-Status"] ?? "none").replace(/ttl=-?\d+/, "ttl=N");
      cacheStatuses[status] = (cacheStatuses[status] ?? 0) + 1;
    },
  });
  const after = await upstreamStats(ctx.emulatorUrl);
  const notes = [
    `upstream held ${ctx.options.upstreamLatencyMs + STAMPEDE_HOLD_MS} ms; all ${run.requests} sent within ${run.sendSpreadMs.toFixed(0)} ms`,
    ...Object.entries(cacheStatuses).map(([status, n]) => `${n}× "${status}"`),
  ];
  const result = row("stampede", `stampede, ${stampedeCount} concurrent first reads`, run, after.requests - before.requests, 200, notes);
  const shared = cacheStatuses["customer-edge; fwd=miss; stored"] ?? 0;
  if (shared !== stampedeCount) result.unexpected["not concurrent (answered from cache)"] = stampedeCount - shared;
  return result;
}

/** What a client gets without customer-edge: Frontpayment itself (the emulator, same latency). */
async function direct(ctx: Context): Promise<ScenarioResult> {
  const { connections, durationS } = ctx.options;
  const run = await load({
    url: `${ctx.emulatorUrl}/api/v1/connect/customers/details/${EXAMPLE_CUSTOMER}`,
    connections,
    durationS,
    headers: { Authorization: `Bearer ${ctx.upstreamToken}`, Accept: "application/json" },
  });
  return row("direct", "Frontpayment directly (no edge)", run, null, 200, []);
}

/**
 * The cold customers again, once each, after their memory-tier copies expired: every read
 * is served from KV (local KV here: SQLite on disk, not Cloudflare's edge cache).
 */
async function kvReads(ctx: Context, cold: ColdSet, headers: Record<string, string>): Promise<ScenarioResult> {
  const wait = cold.finishedAt + MEMORY_TIER_MS + 500 - Date.now();
  if (wait > 0) await sleep(wait);
  let next = 0;
  const before = await upstreamStats(ctx.emulatorUrl);
  const run = await load({
    url: ctx.workerUrl,
    connections: ctx.options.connections,
    amount: cold.read.length,
    headers,
    nextPath: () => `/v1/customers/${cold.read[next++ % cold.read.length]}`,
  });
  const after = await upstreamStats(ctx.emulatorUrl);
  return row("kv", `KV hit, memory tier expired (${cold.read.length} customers)`, run, after.requests - before.requests, 200, []);
}

function row(
  id: string,
  label: string,
  run: LoadResult,
  upstreamCalls: number | null,
  expectedStatus: number,
  notes: string[],
): ScenarioResult {
  const { rps, p50, p95, p99, requests } = run;
  return {
    id, label, rps, p50, p95, p99, requests, upstreamCalls, expectedStatus,
    unexpected: unexpectedOf([run], expectedStatus),
    phases: { run },
    notes,
  };
}

function unexpectedOf(runs: LoadResult[], expected: number): Record<string, number> {
  const unexpected: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.statuses)) {
      if (Number(status) !== expected) unexpected[status] = (unexpected[status] ?? 0) + count;
    }
    if (run.errors > 0) unexpected.errors = (unexpected.errors ?? 0) + run.errors;
  }
  return unexpected;
}
