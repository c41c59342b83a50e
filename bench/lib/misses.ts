import { setTimeout as sleep } from "node:timers/promises";
import { putCustomer, putCustomers, upstreamStats } from "./emulator-control.ts";
import { load } from "./load.ts";
import { type Context, row, type ScenarioResult, withCpu } from "./scenario.ts";
import { type ServerTiming, serverTiming, splitByServerTiming } from "./server-timing.ts";

/*
 * The scenarios that reach past the memory tier: first reads (one upstream call each), a
 * stampede on one new customer (one upstream call in all) and KV reads.
 */

/** The memory tier in front of KV keeps a customer this long (src/customers/customer-cache.ts). */
const MEMORY_TIER_MS = 5_000;
/**
 * Extra upstream delay for the stampede customer only. Opening hundreds of connections takes
 * longer than 150 ms on a busy machine; without the hold, late requests would find the
 * answer already cached and the scenario would not be a stampede at all.
 */
const STAMPEDE_HOLD_MS = 1_000;

export interface ColdSet {
  uuids: string[];
  /** Filled by coldReads: the customers really read, and when the last answer came. */
  read: string[];
  finishedAt: number;
}

/** Creates the never-seen customers up front (with spares: autocannon prepares a request per connection ahead). */
export async function coldCustomers(ctx: Context): Promise<ColdSet> {
  const count = ctx.options.coldCount + ctx.options.coldConnections * 2;
  const uuids = Array.from({ length: count }, (_, i) => `B${ctx.runId}C${i}`);
  await putCustomers(ctx.emulatorUrl, uuids);
  return { uuids, read: [], finishedAt: 0 };
}

/**
 * Every request is the first read of its customer: each must cost exactly one upstream call.
 * Few connections (--cold-connections), because the question is how much latency a miss adds:
 * locally every miss also runs the KV simulator's write in the Worker's process (milliseconds
 * of CPU that Cloudflare's KV does not spend in the isolate), and with many connections the
 * misses would mostly measure waiting for each other on a small machine.
 */
export async function coldReads(ctx: Context, cold: ColdSet, headers: Record<string, string>): Promise<ScenarioResult> {
  const { coldCount, coldConnections: connections } = ctx.options;
  let next = 0;
  const timings: ServerTiming[] = [];
  const before = await upstreamStats(ctx.emulatorUrl);
  const measured = await withCpu(ctx, () =>
    load({
      url: ctx.workerUrl,
      connections,
      amount: coldCount,
      headers,
      nextPath: () => `/v1/customers/${cold.uuids[next++ % cold.uuids.length]}`,
      onHeaders: (h) => timings.push(serverTiming(h["server-timing"])),
    }),
  );
  cold.finishedAt = Date.now();
  const after = await upstreamStats(ctx.emulatorUrl);
  const perCustomer = cold.uuids.map((uuid) => (after.byUuid[uuid] ?? 0) - (before.byUuid[uuid] ?? 0));
  cold.read = cold.uuids.filter((_, i) => perCustomer[i]! > 0);
  const notes = [
    `${cold.read.length} distinct customers, at most ${Math.max(...perCustomer)} upstream call(s) each`,
    splitByServerTiming(timings, measured.run.p50),
  ];
  return row(
    "cold",
    `cold reads, ${coldCount} distinct customers`,
    measured,
    after.requests - before.requests,
    200,
    notes,
  );
}

/**
 * `stampedeCount` connections each send one first read of the same new customer at once.
 * The emulator must see one call; Cache-Status shows that every answer shared it.
 */
export async function stampede(ctx: Context, headers: Record<string, string>): Promise<ScenarioResult> {
  const { stampedeCount } = ctx.options;
  const uuid = `B${ctx.runId}S`;
  await putCustomer(ctx.emulatorUrl, uuid, STAMPEDE_HOLD_MS);
  const before = await upstreamStats(ctx.emulatorUrl);
  const cacheStatuses: Record<string, number> = {};
  const measured = await withCpu(ctx, () =>
    load({
      url: `${ctx.workerUrl}/v1/customers/${uuid}`,
      connections: stampedeCount,
      amount: stampedeCount,
      headers,
      onHeaders: (h) => {
        const status = String(h["cache-status"] ?? "none").replace(/ttl=-?\d+/, "ttl=N");
        cacheStatuses[status] = (cacheStatuses[status] ?? 0) + 1;
      },
    }),
  );
  const { run } = measured;
  const after = await upstreamStats(ctx.emulatorUrl);
  const notes = [
    `upstream held ${ctx.options.upstreamLatencyMs + STAMPEDE_HOLD_MS} ms; all ${run.requests} sent within ${run.sendSpreadMs.toFixed(0)} ms`,
    ...Object.entries(cacheStatuses).map(([status, n]) => `${n}× "${status}"`),
  ];
  const result = row(
    "stampede",
    `stampede, ${stampedeCount} concurrent first reads`,
    measured,
    after.requests - before.requests,
    200,
    notes,
  );
  const shared = cacheStatuses["customer-edge; fwd=miss; stored"] ?? 0;
  if (shared !== stampedeCount) result.unexpected["not concurrent (answered from cache)"] = stampedeCount - shared;
  return result;
}

/**
 * The cold customers again, once each, after their memory-tier copies expired: every read
 * is served from KV (local KV here: SQLite on disk, not Cloudflare's edge cache).
 */
export async function kvReads(ctx: Context, cold: ColdSet, headers: Record<string, string>): Promise<ScenarioResult> {
  const wait = cold.finishedAt + MEMORY_TIER_MS + 500 - Date.now();
  if (wait > 0) await sleep(wait);
  let next = 0;
  const before = await upstreamStats(ctx.emulatorUrl);
  const measured = await withCpu(ctx, () =>
    load({
      url: ctx.workerUrl,
      connections: ctx.options.coldConnections,
      amount: cold.read.length,
      headers,
      nextPath: () => `/v1/customers/${cold.read[next++ % cold.read.length]}`,
    }),
  );
  const after = await upstreamStats(ctx.emulatorUrl);
  const label = `KV hit, memory tier expired (${cold.read.length} customers)`;
  return row("kv", label, measured, after.requests - before.requests, 200, []);
}
