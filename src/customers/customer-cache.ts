import * as z from "zod/mini";
import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";
import { type Clock, systemClock } from "../lib/clock.ts";
import { deepFreeze } from "./deep-freeze.ts";
import { PurgeLog, type StoreTicket } from "./purge-log.ts";
import { Customer } from "./schemas.ts";

/** How long a cached customer is fresh, stale or remembered as missing (seconds). */
export interface CacheConfig {
  cacheTtlSeconds: number;
  cacheStaleSeconds: number;
  negativeCacheTtlSeconds: number;
}

/**
 * What CACHE holds per customer (key `customer:v1:<uuid>`): the trimmed profile, never the
 * personal number, or a "not found" marker, with the time it was fetched. Freshness is
 * computed on read from the current config, so changing a TTL applies to old entries too.
 * Bump the version in the key when the envelope changes: old entries then read as misses.
 */
const Envelope = z.union([
  z.object({ v: z.literal(1), fetchedAt: z.number(), customer: Customer }),
  z.object({ v: z.literal(1), fetchedAt: z.number(), notFound: z.literal(true) }),
]);
export type Envelope = z.infer<typeof Envelope>;

export type CacheRead =
  | { state: "miss" }
  | { state: "fresh" | "stale"; customer: Customer; ttlSeconds: number }
  | { state: "not_found"; ttlSeconds: number };

/** KV refuses an expirationTtl under 60 s. */
const KV_MIN_TTL_SECONDS = 60;

/**
 * A purge leaves a marker `purged:v1:<uuid>` (its time) for this long, so an upstream call
 * that another isolate started before the purge does not store its result after it. It only
 * has to outlive such a call (UPSTREAM_TIMEOUT_MS); 60 s is KV's shortest lifetime.
 */
const PURGE_MARKER_SECONDS = KV_MIN_TTL_SECONDS;

const MEMORY_TTL_MS = 5_000;

/**
 * The hot tier in front of KV, one per isolate (built by the composition root): saves the KV
 * read (and the parse) for customers read again within a few seconds, such as a checkout page
 * polled by many shoppers. Bound: 1,000 customers for at most 5 s each. Purge and every write
 * update it at once in this isolate; elsewhere it delays a purge by at most those 5 s on top
 * of KV's propagation.
 */
export const newCustomerMemory = () => new BoundedTtlMap<string, Envelope>(1_000, MEMORY_TTL_MS);
export type CustomerMemory = ReturnType<typeof newCustomerMemory>;

export class CustomerCache {
  readonly #kv: KVNamespace;
  readonly #config: CacheConfig;
  readonly #memory: CustomerMemory;
  readonly #clock: Clock;
  readonly #purges: PurgeLog;

  constructor(
    kv: KVNamespace,
    config: CacheConfig,
    memory = newCustomerMemory(),
    clock: Clock = systemClock,
    purges = new PurgeLog(),
  ) {
    this.#kv = kv;
    this.#config = config;
    this.#memory = memory;
    this.#clock = clock;
    this.#purges = purges;
  }

  async read(uuid: string): Promise<CacheRead> {
    let envelope = this.#memory.get(uuid, this.#clock.now());
    if (!envelope) {
      envelope = parseEnvelope(await this.#kv.get(key(uuid), "text"));
      if (!envelope) return { state: "miss" };
      this.#memory.set(uuid, envelope, MEMORY_TTL_MS, this.#clock.now());
    }
    return this.#classify(envelope, this.#clock.now());
  }

  /**
   * Stores a profile in both tiers; the caller decides whether to wait for KV. `now` is when
   * it was fetched (a test may seed an older copy).
   */
  write(uuid: string, customer: Customer, now = this.#clock.now()): Promise<void> {
    return this.#put(uuid, envelopeOf(customer, now), now);
  }

  writeNotFound(uuid: string, now = this.#clock.now()): Promise<void> {
    return this.#put(uuid, envelopeOf(undefined, now), now);
  }

  /** Taken when an upstream call for this customer starts; see `store`. */
  ticket(uuid: string): StoreTicket {
    const now = this.#clock.now();
    return { generation: this.#purges.generation(uuid, now), startedAt: now };
  }

  /**
   * Stores what an upstream call answered (a profile, or undefined for "not found") unless the
   * customer was purged after the call started: in this isolate exactly (purge generation),
   * in others once the purge marker is visible to this one's KV read (docs/api.md#purge). The
   * memory tier is written at once, so the next read here needs no KV read.
   */
  async store(uuid: string, customer: Customer | undefined, ticket: StoreTicket): Promise<void> {
    const now = this.#clock.now();
    if (this.#purges.generation(uuid, now) !== ticket.generation) return;
    const envelope = envelopeOf(customer, now);
    this.#memory.set(uuid, envelope, MEMORY_TTL_MS, now);
    const purgedAt = Number(await this.#kv.get(purgedKey(uuid), "text"));
    if (purgedAt >= ticket.startedAt || this.#purges.generation(uuid, this.#clock.now()) !== ticket.generation) {
      this.#memory.delete(uuid);
      return;
    }
    await this.#putKv(uuid, envelope);
  }

  /**
   * Drops a customer from both tiers. The marker goes first, so a call in flight elsewhere
   * that reads it before writing does not put the old profile back.
   */
  async delete(uuid: string): Promise<void> {
    const now = this.#clock.now();
    this.#purges.purge(uuid, now);
    this.#memory.delete(uuid);
    await this.#kv.put(purgedKey(uuid), String(now), { expirationTtl: PURGE_MARKER_SECONDS });
    await this.#kv.delete(key(uuid));
  }

  #put(uuid: string, envelope: Envelope, now: number): Promise<void> {
    this.#memory.set(uuid, envelope, MEMORY_TTL_MS, now);
    return this.#putKv(uuid, envelope);
  }

  /** KV keeps a profile for its fresh and stale windows, a "not found" for the negative TTL. */
  #putKv(uuid: string, envelope: Envelope): Promise<void> {
    const { cacheTtlSeconds, cacheStaleSeconds, negativeCacheTtlSeconds } = this.#config;
    const lifetime = "notFound" in envelope ? negativeCacheTtlSeconds : cacheTtlSeconds + cacheStaleSeconds;
    return this.#kv.put(key(uuid), JSON.stringify(envelope), {
      expirationTtl: Math.max(KV_MIN_TTL_SECONDS, lifetime),
    });
  }

  #classify(envelope: Envelope, now: number): CacheRead {
    const { cacheTtlSeconds, cacheStaleSeconds, negativeCacheTtlSeconds } = this.#config;
    const ageMs = now - envelope.fetchedAt;
    if ("notFound" in envelope) {
      const left = negativeCacheTtlSeconds * 1000 - ageMs;
      return left > 0 ? { state: "not_found", ttlSeconds: Math.floor(left / 1000) } : { state: "miss" };
    }
    const freshLeftMs = cacheTtlSeconds * 1000 - ageMs;
    const ttlSeconds = Math.floor(freshLeftMs / 1000);
    if (freshLeftMs > 0) return { state: "fresh", customer: envelope.customer, ttlSeconds };
    // A stale copy always says a negative ttl, even in its first millisecond (RFC 9211).
    if (-freshLeftMs < cacheStaleSeconds * 1000) {
      return { state: "stale", customer: envelope.customer, ttlSeconds: Math.min(-1, ttlSeconds) };
    }
    return { state: "miss" };
  }
}

const key = (uuid: string) => `customer:v1:${uuid}`;

/**
 * A profile, or (undefined) the "not found" marker, as fetched at `fetchedAt`. Frozen, profile
 * included: the memory tier hands it to every request for a few seconds.
 */
const envelopeOf = (customer: Customer | undefined, fetchedAt: number): Envelope =>
  deepFreeze(customer ? { v: 1, fetchedAt, customer } : { v: 1, fetchedAt, notFound: true });
const purgedKey = (uuid: string) => `purged:v1:${uuid}`;

/** Anything unreadable (old format, hand-edited, truncated) is a miss, never a 500. Frozen, as shared. */
function parseEnvelope(text: string | null): Envelope | undefined {
  if (text === null) return undefined;
  try {
    const result = z.safeParse(Envelope, JSON.parse(text));
    return result.success ? deepFreeze(result.data) : undefined;
  } catch {
    return undefined;
  }
}
