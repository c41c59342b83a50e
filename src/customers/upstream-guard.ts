/**
 * Keeps one isolate from pushing Frontpayment into refusing everyone (issue 4, item 5).
 *
 * - At most MAX_CONCURRENT upstream calls at once per isolate; more would only queue at
 *   Frontpayment and time out together.
 * - When Frontpayment says (`x-ratelimit-remaining`) that its budget is nearly spent, new
 *   calls pause until its `x-ratelimit-reset` (seconds, or an epoch time; at most MAX_PAUSE_MS)
 *   or for DEFAULT_PAUSE_MS: stale copies are served, misses get 503 with Retry-After.
 *
 * Module state, bounded by its nature (one counter, one timestamp); it resets with the isolate.
 */
export const MAX_CONCURRENT = 32;
export const LOW_REMAINING = 5;
export const DEFAULT_PAUSE_MS = 10_000;
export const MAX_PAUSE_MS = 60_000;

let inFlight = 0;
let pausedUntil = 0;

/** Seconds until a call may be tried again, or 0 when one may start now. */
export function upstreamRetryAfter(now = Date.now()): number {
  if (pausedUntil > now) return Math.ceil((pausedUntil - now) / 1000);
  return inFlight >= MAX_CONCURRENT ? 1 : 0;
}

/** Runs `call` holding one of the concurrent slots; check `upstreamRetryAfter` first. */
export async function withUpstreamSlot<T>(call: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    return await call();
  } finally {
    inFlight--;
  }
}

export interface UpstreamBudget {
  remaining: number | undefined;
  /** `x-ratelimit-reset` as sent: seconds from now, or a Unix time in seconds. */
  reset: number | undefined;
}

export function noteUpstreamBudget({ remaining, reset }: UpstreamBudget, now = Date.now()): void {
  if (remaining === undefined || !Number.isFinite(remaining) || remaining > LOW_REMAINING) return;
  pausedUntil = now + pauseMs(reset, now);
}

function pauseMs(reset: number | undefined, now: number): number {
  if (reset === undefined || !Number.isFinite(reset) || reset < 0) return DEFAULT_PAUSE_MS;
  const ms = reset > 1_000_000_000 ? reset * 1000 - now : reset * 1000;
  return Math.min(Math.max(ms, 1000), MAX_PAUSE_MS);
}
