import { performance } from "node:perf_hooks";
import autocannon, { type Request } from "autocannon";

/**
 * One autocannon run, measured here rather than by autocannon's own summary:
 * - autocannon's latency histogram has 1 ms resolution, too coarse for sub-millisecond
 *   answers, and records only 2xx (a 304 would have no latency at all);
 * - its duration is rounded up to its 1 s sampling tick.
 * So every response time (hrtime, in ms) is kept, percentiles are exact, and req/s counts
 * the responses completed inside the nominal window.
 */
export interface LoadSpec {
  url: string;
  connections: number;
  /** Run for this long, or ... */
  durationS?: number;
  /** ... send exactly this many requests (spread evenly over the connections). */
  amount?: number;
  headers?: Record<string, string>;
  /** Called for every request about to be built: a different path each time, for example. */
  nextPath?: () => string;
  /** Headers (names in lower case) of every response, when a scenario needs them (costs a little). */
  onHeaders?: (headers: Record<string, string | string[]>) => void;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
  /** Time between the first and the last request being sent (ms). */
  sendSpreadMs: number;
  /** Answers including those after the window (autocannon stops on its next tick). */
  allResponses: number;
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const times: number[] = [];
  const sentAt: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const windowEnd = spec.durationS === undefined ? Number.POSITIVE_INFINITY : started + spec.durationS * 1000;
  let lastDone = started;
  let allResponses = 0;
  const tracker = autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount === undefined ? { duration: spec.durationS } : { amount: spec.amount }),
    headers: spec.headers,
    requests: requestsFor(spec),
    timeout: 10,
    // Ends an `amount` run within 0.1 s of its last answer (autocannon checks once a tick).
    sampleInt: 100,
  });
  tracker.on("response", (_client, status, _bytes, ms) => {
    const now = performance.now();
    allResponses++;
    if (now > windowEnd) return;
    times.push(ms);
    sentAt.push(now - ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    lastDone = now;
  });
  const result = await tracker;
  const durationS = spec.durationS ?? (lastDone - started) / 1000;
  return { ...summarize(times, sentAt, statuses, durationS, result.errors + result.timeouts), allResponses };
}

function requestsFor(spec: LoadSpec): Request[] | undefined {
  if (!spec.nextPath && !spec.onHeaders) return undefined;
  const nextPath = spec.nextPath;
  const onHeaders = spec.onHeaders;
  return [
    {
      method: "GET",
      ...(nextPath && { setupRequest: (request: Request) => ({ ...request, path: nextPath() }) }),
      ...(onHeaders && { onResponse: (_status, _body, _context, headers) => onHeaders(lowerCased(headers)) }),
    },
  ];
}

function lowerCased(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

export function summarize(
  times: number[],
  sentAt: number[],
  statuses: Record<string, number>,
  durationS: number,
  errors: number,
): Omit<LoadResult, "allResponses"> {
  const sorted = Float64Array.from(times).sort();
  const at = (p: number) =>
    sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;
  return {
    requests: sorted.length,
    durationS: round(durationS, 3),
    rps: round(sorted.length / durationS, 1),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    statuses,
    errors,
    sendSpreadMs: round(spread(sentAt)),
  };
}

function spread(values: number[]): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  return values.length ? max - min : 0;
}

export const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
