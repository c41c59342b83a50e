import { upstreamStats } from "./emulator-control.ts";
import { load } from "./load.ts";
import { coldCustomers, coldReads, kvReads, stampede } from "./misses.ts";
import { type Context, row, type ScenarioResult, unexpectedOf, withCpu } from "./scenario.ts";

export const EXAMPLE_CUSTOMER = "CSRT1511414842";

/**
 * All scenarios, in this order, against one Worker and one emulator: the cheap paths (here),
 * the misses (misses.ts), Frontpayment directly, and KV reads once the memory tier expired.
 */
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
    steady(
      ctx,
      "revalidate",
      "revalidate, If-None-Match (304)",
      customerPath,
      { ...keyHeaders, "If-None-Match": etag },
      304,
    ),
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
  const { run: saturated, cpu } = await withCpu(ctx, () => load({ url, connections, durationS, headers }));
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
    cpuPerRequest: cpu,
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

/** What a client gets without customer-edge: Frontpayment itself (the emulator, same latency). */
async function direct(ctx: Context): Promise<ScenarioResult> {
  const { connections, durationS } = ctx.options;
  const run = await load({
    url: `${ctx.emulatorUrl}/api/v1/connect/customers/details/${EXAMPLE_CUSTOMER}`,
    connections,
    durationS,
    headers: { Authorization: `Bearer ${ctx.upstreamToken}`, Accept: "application/json" },
  });
  return row("direct", "Frontpayment directly (no edge)", { run, cpu: null }, null, 200, []);
}
