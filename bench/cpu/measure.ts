import { BenchContext } from "./bindings.ts";
import type { Prepared } from "./harness.ts";

/**
 * How a batch is timed: Node reads its own CPU time (node-clock.ts), workerd its wall clock
 * across a timer (workerd-driver.ts). `stop` returns µs per request for the `n` just run.
 */
export interface Clock {
  start(): void | Promise<void>;
  stop(n: number): Promise<{ us: number; wallUs: number }>;
}

/** One timed batch: µs per request, and what went wrong (wrong status, upstream calls, ...). */
export interface Batch {
  /** CPU µs per request (this process, user + system): what a busy machine's other load does not inflate. */
  us: number;
  /** Wall-clock µs per request, for comparison: equal to `us` on an idle machine. */
  wallUs: number;
  n: number;
  problems: string[];
}

const ctx = new BenchContext();

/**
 * `n` requests one after another, each awaited with its waitUntil work (a miss's KV write)
 * before the next starts, so background work is charged to the request that caused it.
 * Building requests, re-warming caches and the checks are outside the timed loop. In Node the
 * time is the process's CPU time, not wall time (workerd has only wall time): on a shared
 * machine other processes' load stretches wall time by whole scheduler slices (tried: ×5
 * between identical runs), CPU time far less. No forced
 * GC between batches: after a full collection V8 runs the next batch up to 3× slower (tried),
 * and interleaving already spreads the collections over all scenarios alike.
 */
export async function runBatch(p: Prepared, n: number, upstreamCalls: () => number, clock: Clock): Promise<Batch> {
  await p.before?.(n);
  const { handler, env, expectedStatus, request } = p;
  const callsBefore = upstreamCalls();
  let unexpected = 0;
  await clock.start();
  for (let i = 0; i < n; i++) {
    const response = await handler(request(i), env, ctx);
    if (response.status !== expectedStatus) unexpected++;
    if (ctx.pending > 0) await ctx.drain();
  }
  const { us, wallUs } = await clock.stop(n);
  const problems: string[] = [];
  if (unexpected > 0) problems.push(`${unexpected} of ${n} answers not ${expectedStatus}`);
  const calls = upstreamCalls() - callsBefore;
  if (calls !== n * p.upstreamCallsPerRequest) problems.push(`${calls} upstream calls for ${n} requests`);
  const extra = await p.after?.(n);
  if (extra) problems.push(extra);
  return { us, wallUs, n, problems };
}

/**
 * Iterations for a batch of about `targetMs`: doubling batches until one takes 30 ms (which
 * also warms the JIT up), then one discarded batch of the estimated size to refine it.
 */
export async function calibrate(
  p: Prepared,
  targetMs: number,
  upstreamCalls: () => number,
  clock: Clock,
): Promise<number> {
  let n = 8;
  let batch = await runBatch(p, n, upstreamCalls, clock);
  while (batch.us * n < 30_000) {
    n *= 2;
    batch = await runBatch(p, n, upstreamCalls, clock);
  }
  if (batch.problems.length > 0) throw new Error(batch.problems.join("; "));
  n = Math.max(1, Math.round((targetMs * 1000) / batch.us));
  batch = await runBatch(p, n, upstreamCalls, clock);
  return Math.max(1, Math.round((targetMs * 1000) / batch.us));
}

export interface Spread {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), min: sorted[0]!, max: sorted[sorted.length - 1]! };
}
