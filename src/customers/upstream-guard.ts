/**
 * Keeps one isolate from pushing Frontpayment into refusing everyone.
 *
 * - Concurrency: at most MAX_CONCURRENT upstream calls at once per isolate. Further calls wait
 *   for a slot; the wait counts against the call's UPSTREAM_TIMEOUT_MS budget.
 * - Frontpayment's own budget (`x-ratelimit-remaining` / `x-ratelimit-reset`, or a 429 with
 *   `Retry-After`): when few calls are left, optional calls (background revalidations of
 *   stale copies, which are served anyway) stop until the reset, keeping what is left for
 *   misses; when none are left, every call pauses until the reset and a miss with no stale
 *   copy is answered 502 `upstream_error` with `Retry-After`.
 *
 * Module state, bounded by its nature (a counter, two timestamps, a queue whose entries leave
 * within one timeout); it resets with the isolate.
 */
export const MAX_CONCURRENT = 32;
export const LOW_REMAINING = 5;
export const DEFAULT_PAUSE_MS = 10_000;
export const MAX_PAUSE_MS = 60_000;

let inFlight = 0;
const waiting: (() => void)[] = [];
let optionalPausedUntil = 0;
let allPausedUntil = 0;

export interface UpstreamBudget {
  remaining: number | undefined;
  /** `x-ratelimit-reset` (or `Retry-After`) as sent: seconds from now, or a Unix time in seconds. */
  reset: number | undefined;
}

/** Seconds until any upstream call may be made again, or 0 when one may start now. */
export function upstreamRetryAfter(now = Date.now()): number {
  return allPausedUntil > now ? Math.ceil((allPausedUntil - now) / 1000) : 0;
}

/** Whether a call nobody waits for (a background revalidation) should be made now. */
export function optionalCallsAllowed(now = Date.now()): boolean {
  return optionalPausedUntil <= now && allPausedUntil <= now;
}

export function noteUpstreamBudget({ remaining, reset }: UpstreamBudget, now = Date.now()): void {
  if (remaining === undefined || !Number.isFinite(remaining) || remaining > LOW_REMAINING) return;
  const until = now + pauseMs(reset, now);
  optionalPausedUntil = Math.max(optionalPausedUntil, until);
  if (remaining <= 0) allPausedUntil = Math.max(allPausedUntil, until);
}

function pauseMs(reset: number | undefined, now: number): number {
  if (reset === undefined || !Number.isFinite(reset) || reset < 0) return DEFAULT_PAUSE_MS;
  const ms = reset > 1_000_000_000 ? reset * 1000 - now : reset * 1000;
  return Math.min(Math.max(ms, 1000), MAX_PAUSE_MS);
}

/**
 * Runs `call` holding one of the concurrent slots, waiting at most `maxWaitMs` for one.
 * Resolves to undefined, without running `call`, when no slot came free in time.
 */
export async function withUpstreamSlot<T>(maxWaitMs: number, call: () => Promise<T>): Promise<T | undefined> {
  if (!(await acquire(maxWaitMs))) return undefined;
  try {
    return await call();
  } finally {
    release();
  }
}

function acquire(maxWaitMs: number): Promise<boolean> {
  if (inFlight < MAX_CONCURRENT) {
    inFlight++;
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const handOver = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(handOver), 1);
      resolve(false);
    }, maxWaitMs);
    waiting.push(handOver);
  });
}

/** A freed slot goes straight to the longest waiter, so a newcomer cannot overtake it. */
function release(): void {
  const next = waiting.shift();
  if (next) next();
  else inFlight--;
}
