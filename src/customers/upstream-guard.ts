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
 * One instance per isolate (built by the composition root): its state is at most
 * `maxConcurrent` leases, two timestamps and the waiters, who leave at the next release or
 * within one timeout, so it is bounded by nature.
 */
export const MAX_CONCURRENT = 32;
export const LOW_REMAINING = 5;
export const DEFAULT_PAUSE_MS = 10_000;
export const MAX_PAUSE_MS = 60_000;
/** How long a slot outlives its holder's budget before it is taken back (timers are not exact). */
export const LEASE_GRACE_MS = 1_000;

/** A held slot, counted until it is released or `expiresAt` (the guard's clock) passes. */
interface Lease {
  readonly expiresAt: number;
}

export interface UpstreamBudget {
  remaining: number | undefined;
  /** `x-ratelimit-reset` (or `Retry-After`) as sent: seconds from now, or a Unix time in seconds. */
  reset: number | undefined;
}

export class UpstreamGuard {
  readonly #clock: Clock;
  readonly #maxConcurrent: number;
  readonly #leases = new Set<Lease>();
  readonly #waiting = new Set<() => void>();
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
   * Runs `call` holding one of the concurrent slots. `budgetMs` is the caller's whole time
   * budget, the wait for a slot and the call together: resolves to undefined, without running
   * `call`, when no slot came free within it.
   *
   * A slot can never leak. It is never handed from one request to another: the holder frees
   * it in its own `finally`, and a waiter, when woken, takes a free slot itself or goes on
   * waiting, so a waiter that gave up or whose request died takes nothing. And a slot is a
   * lease: one whose holder never comes back (its request was cancelled before the `finally`
   * ran) counts no more once the budget plus LEASE_GRACE_MS has passed, by which time a live
   * call has given up anyway.
   */
  async withSlot<T>(budgetMs: number, call: () => Promise<T>): Promise<T | undefined> {
    const lease = await this.#acquire(budgetMs);
    if (!lease) return undefined;
    try {
      return await call();
    } finally {
      this.#release(lease);
    }
  }

  async #acquire(budgetMs: number): Promise<Lease | undefined> {
    const expiresAt = this.#clock.now() + budgetMs + LEASE_GRACE_MS;
    const lease = this.#take(expiresAt);
    if (lease || budgetMs <= 0) return lease;
    let giveUp = () => {};
    const gaveUp = new Promise<"gave up">((resolve) => {
      giveUp = () => resolve("gave up");
    });
    const timer = setTimeout(giveUp, budgetMs);
    try {
      for (;;) {
        let wake = () => {};
        const woken = new Promise<"woken">((resolve) => {
          wake = () => resolve("woken");
          this.#waiting.add(wake);
        });
        const outcome = await Promise.race([woken, gaveUp]);
        this.#waiting.delete(wake);
        if (outcome === "gave up") return undefined;
        const taken = this.#take(expiresAt);
        if (taken) return taken;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** A slot if one is free, counting a lease whose time is up as free. */
  #take(expiresAt: number): Lease | undefined {
    const now = this.#clock.now();
    for (const lease of this.#leases) if (lease.expiresAt <= now) this.#leases.delete(lease);
    if (this.#leases.size >= this.#maxConcurrent) return undefined;
    const lease = { expiresAt };
    this.#leases.add(lease);
    return lease;
  }

  /**
   * Frees `lease` (again or after it expired: harmless) and wakes every waiter to try for
   * it; the oldest tries first. Waking all costs little (they are at most the requests of one
   * timeout) and means a waiter that will never run again cannot swallow the wake-up.
   */
  #release(lease: Lease): void {
    this.#leases.delete(lease);
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  }
}

function pauseMs(reset: number | undefined, now: number): number {
  if (reset === undefined || !Number.isFinite(reset) || reset < 0) return DEFAULT_PAUSE_MS;
  const ms = reset > 1_000_000_000 ? reset * 1000 - now : reset * 1000;
  return Math.min(Math.max(ms, 1000), MAX_PAUSE_MS);
}
