import { ApiError } from "../lib/errors.ts";
import type { CustomerCache } from "./customer-cache.ts";
import { type FrontpaymentClient, type UpstreamAnswer, UpstreamError } from "./frontpayment-client.ts";
import type { Customer } from "./schemas.ts";
import { noteUpstreamBudget, optionalCallsAllowed, upstreamRetryAfter } from "./upstream-guard.ts";

/** How an answer was produced: becomes `Cache-Status`, `Server-Timing` and the access log. */
export interface Lookup {
  customer: Customer;
  cacheStatus: string;
  cacheReadMs: number;
}

/** Told about every upstream call a request waits for, failed ones included. */
export type UpstreamObserver = (call: { status: number | undefined; durationMs: number }) => void;

/** The three `Cache-Status` forms of SPEC §3 (RFC 9211), under the cache name `customer-edge`. */
const hit = (ttlSeconds: number) => `customer-edge; hit; ttl=${ttlSeconds}`;
const MISS_STORED = "customer-edge; fwd=miss; stored";

const customerNotFound = (cacheStatus: string) =>
  new ApiError("customer_not_found", "No customer with this UUID.", { "Cache-Status": cacheStatus });

// One upstream call per customer at a time in this isolate: concurrent misses and
// revalidations await the same promise, and only its owner writes KV (one write per key per
// second is KV's limit). Entries leave when the call settles, success or not; the bound only
// matters under a flood of distinct ids, where calls beyond it simply run uncoalesced.
const MAX_IN_FLIGHT = 1_000;
const inFlight = new Map<string, Promise<UpstreamAnswer>>();

/**
 * The read path: memory/KV first, Frontpayment only when no usable copy exists.
 * Fresh copies are served as they are; stale ones at once while one background revalidation
 * runs; a failed revalidation leaves the stale copy in place (stale-if-error).
 */
export class CustomerService {
  readonly #cache: CustomerCache;
  readonly #client: FrontpaymentClient;
  readonly #waitUntil: (promise: Promise<unknown>) => void;
  readonly #observe: UpstreamObserver;

  constructor(
    cache: CustomerCache,
    client: FrontpaymentClient,
    waitUntil: (promise: Promise<unknown>) => void,
    observe: UpstreamObserver = () => {},
  ) {
    this.#cache = cache;
    this.#client = client;
    this.#waitUntil = waitUntil;
    this.#observe = observe;
  }

  /**
   * `gate` (the rate-limit verdict) is awaited together with the cache read, and before
   * anything is answered or sent upstream: when it rejects, so does this.
   */
  async get(uuid: string, gate: Promise<void> = Promise.resolve()): Promise<Lookup> {
    const started = Date.now();
    const [cached] = await Promise.all([this.#cache.read(uuid), gate]);
    const cacheReadMs = Date.now() - started;
    switch (cached.state) {
      case "fresh":
        return { customer: cached.customer, cacheStatus: hit(cached.ttlSeconds), cacheReadMs };
      case "not_found":
        throw customerNotFound(hit(cached.ttlSeconds));
      case "stale":
        // The answer does not wait for this call, so it is not observed.
        if (optionalCallsAllowed()) this.#waitUntil(this.#fetch(uuid, () => {}).catch(() => undefined));
        return {
          customer: cached.customer,
          cacheStatus: `${hit(cached.ttlSeconds)}; detail=stale`,
          cacheReadMs,
        };
      case "miss":
        return { ...(await this.#miss(uuid)), cacheReadMs };
    }
  }

  async #miss(uuid: string): Promise<Omit<Lookup, "cacheReadMs">> {
    const answer = await this.#fetch(uuid, this.#observe);
    if (!answer.found) throw customerNotFound(MISS_STORED);
    return { customer: answer.customer, cacheStatus: MISS_STORED };
  }

  /**
   * One shared upstream call per customer; maps failures to the SPEC's errors. Only the
   * request that starts the call observes it: the ones that join it made no call of their own.
   */
  #fetch(uuid: string, observe: UpstreamObserver): Promise<UpstreamAnswer> {
    const shared = inFlight.get(uuid);
    if (shared) return shared;
    const call = this.#fetchAndStore(uuid, observe);
    if (inFlight.size < MAX_IN_FLIGHT) {
      inFlight.set(uuid, call);
      call.then(
        () => inFlight.delete(uuid),
        () => inFlight.delete(uuid),
      );
    }
    return call;
  }

  async #fetchAndStore(uuid: string, observe: UpstreamObserver): Promise<UpstreamAnswer> {
    if (upstreamRetryAfter() > 0) throw busy();
    try {
      const call = await this.#client.getCustomer(uuid);
      observe({ status: call.answer.status, durationMs: call.durationMs });
      noteUpstreamBudget(call.budget);
      const { answer } = call;
      const stored = answer.found ? this.#cache.write(uuid, answer.customer) : this.#cache.writeNotFound(uuid);
      this.#waitUntil(stored.catch((error) => logCacheWriteFailure(error)));
      return answer;
    } catch (error) {
      if (error instanceof UpstreamError) {
        observe({ status: error.status, durationMs: error.durationMs });
        if (error.budget) noteUpstreamBudget(error.budget);
      }
      throw toApiError(error);
    }
  }
}

/** Frontpayment's budget is spent: SPEC §4 has no code of its own for it, so 502 + Retry-After. */
const busy = () =>
  new ApiError("upstream_error", "Frontpayment's request limit is reached; retry later.", {
    "Retry-After": String(Math.max(1, upstreamRetryAfter())),
  });

function toApiError(error: unknown): unknown {
  if (!(error instanceof UpstreamError)) return error;
  if (error.failure === "throttled") return busy();
  if (error.failure === "timeout") {
    return new ApiError("upstream_timeout", "Frontpayment did not answer in time.");
  }
  if (error.failure === "unauthorized") {
    // Alertable: every customer read fails until the merchant token is replaced.
    console.error(
      JSON.stringify({
        level: "error",
        alert: "frontpayment_token_rejected",
        message: "Frontpayment rejected FRONTPAYMENT_TOKEN: it is wrong or expired",
        upstreamStatus: error.status,
      }),
    );
  }
  return new ApiError("upstream_error", "Frontpayment could not be read. Try again later.");
}

function logCacheWriteFailure(error: unknown): void {
  console.error(JSON.stringify({ level: "error", message: "cache write failed", error: String(error) }));
}
