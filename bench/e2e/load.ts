import { performance } from "node:perf_hooks";
import autocannon from "autocannon";

/**
 * One autocannon run, measured here rather than by autocannon's summary, whose histogram has
 * 1 ms resolution and records only 2xx (a 304 would have no latency): every response time is
 * kept, percentiles are exact, and req/s counts the answers inside the nominal window.
 */
export interface LoadSpec {
  url: string;
  connections: number;
  /** Run for this long, or ... */
  durationS?: number;
  /** ... send exactly this many requests. */
  amount?: number;
  headers?: Record<string, string>;
  /** Called for every request about to be built: a different path each time. */
  nextPath?: () => string;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Answers by status, plus "errors" for transport errors and timeouts. */
  statuses: Record<string, number>;
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const windowEnd = spec.durationS === undefined ? Number.POSITIVE_INFINITY : started + spec.durationS * 1000;
  let lastDone = started;
  const nextPath = spec.nextPath;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount === undefined ? { duration: spec.durationS } : { amount: spec.amount }),
    headers: spec.headers,
    ...(nextPath && { requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: nextPath() }) }] }),
    timeout: 10,
    sampleInt: 100, // ends an `amount` run within 0.1 s of its last answer
  }).on("response", (_client, status, _bytes, ms) => {
    const now = performance.now();
    if (now > windowEnd) return;
    times.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    lastDone = now;
  });
  if (result.errors + result.timeouts > 0) statuses.errors = result.errors + result.timeouts;
  const durationS = spec.durationS ?? (lastDone - started) / 1000;
  const sorted = Float64Array.from(times).sort();
  const at = (p: number) =>
    sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    requests: sorted.length,
    rps: round(sorted.length / durationS),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    statuses,
  };
}
