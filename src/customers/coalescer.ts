import { within } from "../lib/within.ts";

/**
 * One piece of shared work per key at a time: concurrent callers for the same key join the
 * promise the first one started instead of starting their own.
 *
 * On workerd, I/O started by a request may be cancelled when that request ends or its client
 * hangs up, and a promise from another request's I/O may then never settle. So the owner hands
 * the shared work to `keepAlive` (its `ctx.waitUntil`), which keeps it running whatever happens
 * to the owner, and every joiner waits at most its own `budgetMs`: no caller hangs, or fails,
 * because the one that started the work went away.
 *
 * One instance per isolate (composition root). Entries leave when their work settles; past
 * `maxEntries` (a flood of distinct keys) work simply runs unshared.
 */
export class Coalescer<V> {
  readonly #inFlight = new Map<string, Promise<V>>();
  readonly #maxEntries: number;

  constructor(maxEntries = 1_000) {
    this.#maxEntries = maxEntries;
  }

  /**
   * Joins the work in flight for `key`, or starts it with `start`. The owner gets the work's
   * own promise; a joiner gets one that rejects with `onTimeout()` after `budgetMs`.
   */
  run(
    key: string,
    start: () => Promise<V>,
    options: { keepAlive: (work: Promise<unknown>) => void; budgetMs: number; onTimeout: () => unknown },
  ): Promise<V> {
    const shared = this.#inFlight.get(key);
    if (shared) {
      return within(shared, options.budgetMs, () => {
        throw options.onTimeout();
      });
    }
    const work = start();
    if (this.#inFlight.size < this.#maxEntries) {
      this.#inFlight.set(key, work);
      const leave = () => {
        if (this.#inFlight.get(key) === work) this.#inFlight.delete(key);
      };
      work.then(leave, leave);
    }
    options.keepAlive(work.catch(() => undefined));
    return work;
  }

  /** Whether work for `key` is running now. */
  has(key: string): boolean {
    return this.#inFlight.has(key);
  }
}
