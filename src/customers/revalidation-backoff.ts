import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";
import type { Clock } from "../lib/clock.ts";

export const MIN_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 5 * 60_000;

interface Failures {
  count: number;
  /** No background call for this customer before this time. */
  until: number;
}

/**
 * Per-customer backoff after failed background revalidations (docs/api.md#revalidation-backoff):
 * no new background call for 10 s after a failure, doubling while failures repeat, at most
 * 5 minutes, whatever CACHE_TTL_SECONDS is. The stale copy is served meanwhile, so a failing
 * Frontpayment sees a handful of calls per customer per minute instead of one per read.
 *
 * One per isolate (composition root). Bound: 10,000 customers; an entry lives until its backoff
 * ends plus 5 minutes (so repeated failures keep growing it) and goes at the first success.
 * An entry evicted early only shortens one backoff back to 10 s.
 */
export class RevalidationBackoff {
  readonly #clock: Clock;
  readonly #failures = new BoundedTtlMap<string, Failures>(10_000, 2 * MAX_BACKOFF_MS);

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Whether a background revalidation of this customer may start now. */
  allows(uuid: string): boolean {
    const now = this.#clock.now();
    const failures = this.#failures.get(uuid, now);
    return !failures || failures.until <= now;
  }

  failed(uuid: string): void {
    const now = this.#clock.now();
    const known = this.#failures.get(uuid, now);
    // Several stale reads may have joined the one call that failed: it counts once. A new
    // failure can only come from a call that `allows` let start, after the back-off ended.
    if (known && known.until > now) return;
    const count = (known?.count ?? 0) + 1;
    const backoffMs = Math.min(MIN_BACKOFF_MS * 2 ** (count - 1), MAX_BACKOFF_MS);
    this.#failures.set(uuid, { count, until: now + backoffMs }, backoffMs + MAX_BACKOFF_MS, now);
  }

  succeeded(uuid: string): void {
    this.#failures.delete(uuid);
  }
}
