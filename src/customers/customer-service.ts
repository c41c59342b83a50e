import { ApiError } from "../lib/errors.ts";
import { logLine } from "../lib/log.ts";
import type { Coalescer } from "./coalescer.ts";
import type { CustomerCache } from "./customer-cache.ts";
import { type FrontpaymentClient, type UpstreamAnswer, UpstreamError } from "./frontpayment-client.ts";
import type { StoreTicket } from "./purge-log.ts";
import type { RevalidationBackoff } from "./revalidation-backoff.ts";
import type { Customer } from "./schemas.ts";
import type { UpstreamGuard } from "./upstream-guard.ts";

/** How an answer was produced: becomes `Cache-Status`, `Server-Timing` and the access log. */
export interface Lookup {
  customer: Customer;
  cacheStatus: string;
  cacheReadMs: number;
}

/** Told about every upstream call a request waits for, failed ones included. */
export type UpstreamObserver = (call: { status: number | undefined; durationMs: number }) => void;

/** What one request lends the read path. */
export interface ReadRequest {
  /** The request's `ctx.waitUntil`: background revalidation and KV writes outlive the answer. */
  waitUntil: (work: Promise<unknown>) => void;
  observe?: UpstreamObserver;
}

/** The three `Cache-Status` forms (RFC 9211, docs/api.md#headers) under the cache name `customer-edge`. */
const hit = (ttlSeconds: number) => `customer-edge; hit; ttl=${ttlSeconds}`;
const MISS_STORED = "customer-edge; fwd=miss; stored";

export const customerNotFound = (cacheStatus = MISS_STORED) =>
  new ApiError("customer_not_found", "No customer with this UUID.", { "Cache-Status": cacheStatus });

export const upstreamTimeout = () => new ApiError("upstream_timeout", "Frontpayment did not answer in time.");

export const upstreamError = () => new ApiError("upstream_error", "Frontpayment could not be read. Try again later.");

/** Frontpayment's request budget is spent: temporary, so 503 with a code of its own and Retry-After. */
export const upstreamBusy = (retryAfterSeconds = 1) =>
  new ApiError("upstream_busy", "Frontpayment's request limit is reached; retry later.", {
    "Retry-After": String(Math.max(1, retryAfterSeconds)),
  });

/** What one shared upstream call needs besides the uuid. */
type FetchOptions = ReadRequest & { retry?: boolean };

/**
 * The read path: memory/KV first, Frontpayment only when no usable copy exists.
 * Fresh copies are served as they are; stale ones at once while one background revalidation
 * runs; a failed revalidation leaves the stale copy in place (stale-if-error) and backs off
 * for that customer (revalidation-backoff.ts).
 * One instance per isolate; what belongs to a request comes in as a `ReadRequest`.
 */
export class CustomerService {
  readonly #cache: CustomerCache;
  readonly #client: FrontpaymentClient;
  readonly #guard: UpstreamGuard;
  readonly #coalescer: Coalescer<UpstreamAnswer>;
  readonly #backoff: RevalidationBackoff;
  readonly #timeoutMs: number;

  constructor(options: {
    cache: CustomerCache;
    client: FrontpaymentClient;
    guard: UpstreamGuard;
    coalescer: Coalescer<UpstreamAnswer>;
    backoff: RevalidationBackoff;
    timeoutMs: number;
  }) {
    this.#cache = options.cache;
    this.#client = options.client;
    this.#guard = options.guard;
    this.#coalescer = options.coalescer;
    this.#backoff = options.backoff;
    this.#timeoutMs = options.timeoutMs;
  }

  async get(uuid: string, request: ReadRequest): Promise<Lookup> {
    const started = Date.now();
    const cached = await this.#cache.read(uuid);
    const cacheReadMs = Date.now() - started;
    switch (cached.state) {
      case "fresh":
        return { customer: cached.customer, cacheStatus: hit(cached.ttlSeconds), cacheReadMs };
      case "not_found":
        throw customerNotFound(hit(cached.ttlSeconds));
      case "stale":
        // The answer does not wait for this call, so it is not observed.
        if (this.#guard.optionalCallsAllowed() && this.#backoff.allows(uuid)) {
          request.waitUntil(this.#revalidate(uuid, request.waitUntil));
        }
        return {
          customer: cached.customer,
          cacheStatus: `${hit(cached.ttlSeconds)}; detail=stale`,
          cacheReadMs,
        };
      case "miss": {
        const answer = await this.#fetch(uuid, request);
        if (!answer.found) throw customerNotFound(MISS_STORED);
        return { customer: answer.customer, cacheStatus: MISS_STORED, cacheReadMs };
      }
    }
  }

  /**
   * Warms the cache for a customer about to be read (a token issued with `prefetch`): when no
   * fresh copy exists and the upstream budget allows optional calls, fetches it in the
   * background, as a background call: never retried, and a stale customer's revalidation
   * respects its back-off. Never throws; nobody waits for it.
   */
  async prefetch(uuid: string, waitUntil: (work: Promise<unknown>) => void): Promise<void> {
    try {
      const cached = await this.#cache.read(uuid);
      if (cached.state === "fresh" || cached.state === "not_found" || !this.#guard.optionalCallsAllowed()) return;
      if (cached.state === "stale") {
        if (this.#backoff.allows(uuid)) await this.#revalidate(uuid, waitUntil);
        return;
      }
      await this.#fetch(uuid, { waitUntil, retry: false });
    } catch {
      // A failed prefetch costs the page nothing: its first read simply goes upstream.
    }
  }

  /**
   * A background revalidation: nobody waits for it (so it is not observed), it is not retried,
   * and a failure backs this customer off while its stale copy keeps being served.
   */
  async #revalidate(uuid: string, waitUntil: ReadRequest["waitUntil"]): Promise<void> {
    try {
      await this.#fetch(uuid, { waitUntil, retry: false });
      this.#backoff.succeeded(uuid);
    } catch {
      this.#backoff.failed(uuid);
    }
  }

  /**
   * One shared upstream call per customer and purge generation (a read after a purge never
   * joins a call that started before it); maps failures to the API's errors. Only the request
   * that starts the call observes it: the ones that join it made no call of their own.
   */
  #fetch(uuid: string, request: FetchOptions): Promise<UpstreamAnswer> {
    const ticket = this.#cache.ticket(uuid);
    return this.#coalescer.run(`${uuid}#${ticket.generation}`, () => this.#fetchAndStore(uuid, ticket, request), {
      keepAlive: request.waitUntil,
      // The owner's call gives up within the same budget; a joiner waits no longer than that.
      budgetMs: this.#timeoutMs,
      onTimeout: upstreamTimeout,
    });
  }

  async #fetchAndStore(uuid: string, ticket: StoreTicket, request: FetchOptions): Promise<UpstreamAnswer> {
    const observe = request.observe ?? (() => {});
    const retryAfter = this.#guard.retryAfterSeconds();
    if (retryAfter > 0) throw upstreamBusy(retryAfter);
    try {
      const call = await this.#client.getCustomer(uuid, { retry: request.retry });
      observe({ status: call.answer.status, durationMs: call.durationMs });
      this.#guard.noteBudget(call.budget);
      const { answer } = call;
      const stored = this.#cache.store(uuid, answer.found ? answer.customer : undefined, ticket);
      request.waitUntil(stored.catch((error) => logCacheWriteFailure(error)));
      return answer;
    } catch (error) {
      if (error instanceof UpstreamError) {
        observe({ status: error.status, durationMs: error.durationMs });
        if (error.budget) this.#guard.noteBudget(error.budget);
      }
      throw this.#toApiError(error);
    }
  }

  #toApiError(error: unknown): unknown {
    if (!(error instanceof UpstreamError)) return error;
    if (error.failure === "throttled") return upstreamBusy(this.#guard.retryAfterSeconds());
    if (error.failure === "timeout") return upstreamTimeout();
    if (error.failure === "unauthorized") {
      // Alertable: every customer read fails until the merchant token is replaced.
      logLine("error", "Frontpayment rejected FRONTPAYMENT_TOKEN: it is wrong or expired", {
        alert: "frontpayment_token_rejected",
        upstreamStatus: error.status,
      });
    }
    return upstreamError();
  }
}

function logCacheWriteFailure(error: unknown): void {
  logLine("error", "cache write failed", { error: String(error) });
}
