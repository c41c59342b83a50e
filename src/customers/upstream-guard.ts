import { type Clock, systemClock } from "../lib/clock.ts";

/**
 * Keeps one isolate from pushing Frontpayment into refusing everyone.
 *
 * - Concurrency: at most `maxConcurrent` upstream calls at once. Further calls wait for a
 *   slot; the wait counts against the call's UPSTREAM_TIMEOUT_MS budget.
 * - Frontpayment's own budget (`x-ratelimit-remaining` / `x-ratelimit-reset`, or a 429 with
 *   `Retry-After`): when few calls are left, optional calls (background revalidations of
 *   stale copies, which are served anyway) stop until the reset, keeping what is left for
 *   misses; when none are left, every call pauses until the reset and a miss with no stale
 *   copy is refused with `Retry-After`.
 *
 * One instance per isolate (built by the composition root): its state is a counter, two
 * timestamps and a queue whose entries leave within one timeout, so it is bounded by nature.
 */
export const MAX_CONCURRENT = 32;
export const LOW_REMAINING = 5;
export const DEFAULT_PAUSE_MS = 10_000;
export const MAX_PAUSE_MS = 60_000;

export interface UpstreamBudget {
  remaining: number | undefined;
  /** `x-ratelimit-reset` (or `Retry-After`) as sent: seconds from now, or a Unix time in seconds. */
  reset: number | undefined;
}

export class UpstreamGuard {
  readonly #clock: Clock;
  readonly #maxConcurrent: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];
  #optionalPausedUntil = 0;
  #allPausedUntil = 0;

  constructor(clock: Clock = systemClock, maxConcurrent = MAX_CONCURRENT) {
    this.#clock = clock;
    this.#maxConcurrent = maxConcurrent;
  }

  /** Seconds until any upstream call may be made again, or 0 when one may start now. */
  retryAfterSeconds(): number {
    const now = this.#clock.now();
    return this.#allPausedUntil > now ? Math.ceil((this.#allPausedUntil - now) / 1000) : 0;
  }

  /** Whether a call nobody waits for (a background revalidation) should be made now. */
  optionalCallsAllowed(): boolean {
    const now = this.#clock.now();
    return this.#optionalPausedUntil <= now && this.#allPausedUntil <= now;
  }

  noteBudget({ remaining, reset }: UpstreamBudget): void {
    if (remaining === undefined || !Number.isFinite(remaining) || remaining > LOW_REMAINING) return;
    const now = this.#clock.now();
    const until = now + pauseMs(reset, now);
    this.#optionalPausedUntil = Math.max(this.#optionalPausedUntil, until);
    if (remaining <= 0) this.#allPausedUntil = Math.max(this.#allPausedUntil, until);
  }

  /**
   * Runs `call` holding one of the concurrent slots, waiting at most `maxWaitMs` for one.
   * Resolves to undefined, without running `call`, when no slot came free in time.
   */
  async withSlot<T>(maxWaitMs: number, call: () => Promise<T>): Promise<T | undefined> {
    if (!(await this.#acquire(maxWaitMs))) return undefined;
    try {
      return await call();
    } finally {
      this.#release();
    }
  }

  #acquire(maxWaitMs: number): Promise<boolean> {
    if (this.#inFlight < this.#maxConcurrent) {
      this.#inFlight++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const handOver = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(handOver), 1);
        resolve(false);
      }, maxWaitMs);
      this.#waiting.push(handOver);
    });
  }

  /** A freed slot goes straight to the longest waiter, so a newcomer cannot overtake it. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#inFlight--;
  }
}

function pauseMs(reset: number | undefined, now: number): number {
  if (reset === undefined || !Number.isFinite(reset) || reset < 0) return DEFAULT_PAUSE_MS;
  const ms = reset > 1_000_000_000 ? reset * 1000 - now : reset * 1000;
  return Math.min(Math.max(ms, 1000), MAX_PAUSE_MS);
}
