import { setTimeout as sleep } from "node:timers/promises";
import { emulatorClient } from "../../test/support/emulator-client.ts";
import { type LoadResult, load } from "./load.ts";

/** What every scenario gets to work with. */
export interface Context {
  workerUrl: string;
  emulatorUrl: string;
  /** Letters and digits, unique per run: customer uuids never collide with older state. */
  runId: string;
  options: {
    connections: number;
    duration: number;
    rounds: number;
    warmup: number;
    cold: number;
    "cold-connections": number;
  };
}

export interface Steady {
  id: string;
  label: string;
  path: string;
  headers: Record<string, string>;
  expectedStatus: number;
}

export interface Row {
  id: string;
  label: string;
  /** The cheap paths: one entry per interleaved round; the others: one entry. */
  rounds: { p50: number; p95: number; p99: number; rps: number }[];
  expectedStatus: number;
  statuses: Record<string, number>;
  upstreamCalls: number;
  expectedUpstreamCalls: number;
}

/** The memory tier in front of KV keeps a customer this long (src/customers/customer-cache.ts). */
const MEMORY_TIER_MS = 5_000;

async function counted<T>(ctx: Context, run: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const stats = () => emulatorClient(ctx.emulatorUrl).stats();
  const before = (await stats()).requests;
  const result = await run();
  return { result, calls: (await stats()).requests - before };
}

const merge = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [status, n] of Object.entries(from)) into[status] = (into[status] ?? 0) + n;
};

/**
 * The cheap paths in interleaved rounds after a warm-up each: every round runs each path's
 * latency probe (ONE connection: service time, no queueing), then each path's load phase
 * (--connections: saturation), duration / rounds seconds apiece. A slow stretch of a shared
 * machine then hits every path of a round alike, and ratios are taken round by round.
 */
export async function steadyInRounds(ctx: Context, specs: Steady[]): Promise<Row[]> {
  const { connections, duration, warmup, rounds } = ctx.options;
  const durationS = duration / rounds;
  const rows: Row[] = specs.map((s) => ({
    ...s,
    rounds: [],
    statuses: {},
    upstreamCalls: 0,
    expectedUpstreamCalls: 0,
  }));
  const phase = async (i: number, connections: number, durationS: number) => {
    const { result, calls } = await counted(ctx, () =>
      load({ url: ctx.workerUrl + specs[i]!.path, connections, durationS, headers: specs[i]!.headers }),
    );
    rows[i]!.upstreamCalls += calls;
    merge(rows[i]!.statuses, result.statuses);
    return result;
  };
  if (warmup > 0) for (const i of specs.keys()) await phase(i, connections, warmup);
  for (let round = 0; round < rounds; round++) {
    const probes: LoadResult[] = [];
    for (const i of specs.keys()) probes.push(await phase(i, 1, durationS));
    for (const i of specs.keys()) {
      const { rps } = await phase(i, connections, durationS);
      const { p50, p95, p99 } = probes[i]!;
      rows[i]!.rounds.push({ p50, p95, p99, rps });
    }
  }
  return rows;
}

/**
 * Cold reads (each request the first read of its customer: one upstream call each), then the
 * same customers again once their memory-tier copies expired (answered from local KV). Few
 * connections: the question is how much latency a miss adds, not how misses queue.
 */
export async function coldAndKv(ctx: Context, headers: Record<string, string>): Promise<Row[]> {
  const count = ctx.options.cold;
  const connections = ctx.options["cold-connections"];
  // Spares: autocannon builds a request per connection ahead, which may never be sent.
  const uuids = Array.from({ length: count + 2 * connections }, (_, i) => `B${ctx.runId}C${i}`);
  const emulator = emulatorClient(ctx.emulatorUrl);
  for (let i = 0; i < uuids.length; i += 16)
    await Promise.all(uuids.slice(i, i + 16).map((u) => emulator.putCustomer(u)));
  const readAll = async (id: string, label: string, list: string[], expectedUpstreamCalls: number): Promise<Row> => {
    let next = 0;
    const nextPath = () => `/v1/customers/${list[next++ % list.length]}`;
    const { result, calls } = await counted(ctx, () =>
      load({ url: ctx.workerUrl, connections, amount: expectedUpstreamCalls || list.length, headers, nextPath }),
    );
    const { p50, p95, p99, rps, statuses } = result;
    return {
      id,
      label,
      rounds: [{ p50, p95, p99, rps }],
      expectedStatus: 200,
      statuses,
      upstreamCalls: calls,
      expectedUpstreamCalls,
    };
  };
  const cold = await readAll("cold", `cold read, ${count} distinct customers`, uuids, count);
  const { byUuid } = await emulator.stats();
  const read = uuids.filter((uuid) => (byUuid[uuid] ?? 0) > 0);
  await sleep(MEMORY_TIER_MS + 500);
  const kv = await readAll("kv", `KV hit, memory tier expired (${read.length} customers)`, read, 0);
  return [cold, kv];
}
