import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";

/** Taken when an upstream call starts: its result is stored only if no purge came after it. */
export interface StoreTicket {
  /** This isolate's purge generation of the customer at the start. */
  generation: number;
  /** When the call started (the injected clock), compared with other isolates' purge markers. */
  startedAt: number;
}

/**
 * Purges seen by this isolate, so an upstream call that started before a purge cannot store
 * its result after it (docs/api.md#purge), and a read after the purge does not join that call.
 *
 * One per isolate (composition root). Bound: 10,000 customers, 60 s each, far longer than any
 * call's UPSTREAM_TIMEOUT_MS. Losing an entry early (evicted, expired) can only make a call's
 * generation differ, so its result goes unstored: never stored after a purge.
 */
export class PurgeLog {
  #counter = 0;
  readonly #generations = new BoundedTtlMap<string, number>(10_000, 60_000);

  generation(uuid: string, now: number): number {
    return this.#generations.get(uuid, now) ?? 0;
  }

  purge(uuid: string, now: number): void {
    this.#counter += 1;
    this.#generations.set(uuid, this.#counter, undefined, now);
  }
}
