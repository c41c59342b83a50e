import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { putCustomers, upstreamStats } from "./emulator-control.ts";
import { type LoadResult, summarize } from "./load.ts";
import { type Context, row, type ScenarioResult } from "./scenario.ts";
import { issueEdgeToken } from "./worker.ts";

/** Customers in each of the two rows: enough for a p50, few enough to take seconds. */
export const PREFETCH_PAIRS = 20;
/** After the upstream answered, time for the Worker's background write into its cache. */
const SETTLE_MS = 100;

/**
 * The latency a checkout page feels on its first read. A storefront server issues an edge token
 * for a never-seen customer, with `prefetch: true` in one row and without in the other, and the
 * page's first GET /v1/me is timed. With prefetch the edge fetched the customer while the
 * server was rendering the page (here: waiting the upstream latency plus SETTLE_MS, which a
 * page load takes anyway), so that read should be a cache hit; without, it is a cold read.
 * The two alternate, customer by customer, with one plain fetch() client (not autocannon), so
 * they compare with each other rather than with the cold row above. Each customer must cost
 * exactly one upstream call, whichever request made it.
 */
export async function prefetchReads(ctx: Context): Promise<ScenarioResult[]> {
  const prefetched = Array.from({ length: PREFETCH_PAIRS }, (_, i) => `B${ctx.runId}P${i}`);
  const plain = Array.from({ length: PREFETCH_PAIRS }, (_, i) => `B${ctx.runId}N${i}`);
  await putCustomers(ctx.emulatorUrl, [...prefetched, ...plain]);
  const before = await upstreamStats(ctx.emulatorUrl);
  const rows = { prefetch: new Timed(), plain: new Timed() };
  for (let i = 0; i < PREFETCH_PAIRS; i++) {
    const token = await issueEdgeToken(ctx.workerUrl, ctx.issuerKey, prefetched[i]!, true);
    await sleep(ctx.options.upstreamLatencyMs + SETTLE_MS);
    await rows.prefetch.read(ctx.workerUrl, token);
    await rows.plain.read(ctx.workerUrl, await issueEdgeToken(ctx.workerUrl, ctx.issuerKey, plain[i]!));
  }
  const after = await upstreamStats(ctx.emulatorUrl);
  const calls = (uuids: string[]) =>
    uuids.reduce((sum, uuid) => sum + (after.byUuid[uuid] ?? 0) - (before.byUuid[uuid] ?? 0), 0);
  const result = (id: string, label: string, timed: Timed, uuids: string[], expected: string) => ({
    ...row(id, label, { run: timed.result(), cpu: null }, calls(uuids), 200, timed.notes(expected)),
    cacheHits: timed.hits(),
  });
  return [
    result("prefetch", "first /v1/me after a prefetch: true issue", rows.prefetch, prefetched, "hit"),
    result("cold-token", "first /v1/me, token issued without prefetch", rows.plain, plain, "miss"),
  ];
}

/** Response times of single reads, and how the Worker says each was answered (Cache-Status). */
class Timed {
  readonly #times: number[] = [];
  readonly #sentAt: number[] = [];
  readonly #statuses: Record<string, number> = {};
  readonly #cacheStatus: Record<string, number> = {};
  #elapsedMs = 0;

  async read(workerUrl: string, token: string): Promise<void> {
    const started = performance.now();
    const response = await fetch(`${workerUrl}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    const ms = performance.now() - started;
    this.#times.push(ms);
    this.#sentAt.push(started);
    this.#elapsedMs += ms;
    this.#statuses[response.status] = (this.#statuses[response.status] ?? 0) + 1;
    // "customer-edge; hit" / "customer-edge; fwd=miss; stored": the part after the name says which.
    const how = /; (hit|fwd=\w+)/.exec(response.headers.get("Cache-Status") ?? "")?.[1] ?? "none";
    const key = how.startsWith("fwd=") ? how.slice(4) : how;
    this.#cacheStatus[key] = (this.#cacheStatus[key] ?? 0) + 1;
  }

  result(): LoadResult {
    const summary = summarize(this.#times, this.#sentAt, this.#statuses, this.#elapsedMs / 1000, 0);
    return { ...summary, allResponses: this.#times.length };
  }

  /** A note when any read was not answered as `expected` ("hit" or "miss"), else the tally. */
  notes(expected: string): string[] {
    const tally = Object.entries(this.#cacheStatus)
      .map(([how, n]) => `${n}× ${how}`)
      .join(", ");
    const unexpected = Object.keys(this.#cacheStatus).some((how) => how !== expected);
    return [`${unexpected ? "NOT ALL " : ""}${expected}: Cache-Status ${tally}`];
  }

  hits(): number {
    return this.#cacheStatus.hit ?? 0;
  }
}
