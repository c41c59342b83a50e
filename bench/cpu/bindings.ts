import { upstreamCustomer } from "../../test/support/seed-customers.ts";
import { randomToken } from "./base64url.ts";
import { MemoryKv } from "./memory-kv.ts";

/** The Worker's handler, as `export default app` exposes it. */
export type FetchHandler = (request: Request, env: unknown, ctx: BenchContext) => Response | Promise<Response>;

/** Where requests to the Worker itself go (AdminClient and the scenarios build URLs on it). */
export const WORKER_ORIGIN = "http://customer-edge.bench";
/** Frontpayment, answered instantly by `installInstantUpstream`. */
const UPSTREAM_ORIGIN = "http://frontpayment.bench";
const CUSTOMER_PATH = "/api/v1/connect/customers/details/";
/** The identity provider's key set, for the token-idp scenario. */
export const JWKS_URL = "http://127.0.0.1/.well-known/jwks.json";

/** A fake ExecutionContext: waitUntil collects, `drain` awaits what was collected. */
export class BenchContext {
  readonly props = {};
  #pending: Promise<unknown>[] = [];

  waitUntil(promise: Promise<unknown>): void {
    this.#pending.push(promise);
  }

  passThroughOnException(): void {}

  get pending(): number {
    return this.#pending.length;
  }

  async drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      await Promise.allSettled(batch);
    }
  }
}

export interface Bindings {
  env: Record<string, unknown>;
  cache: MemoryKv;
  apiKeys: MemoryKv;
  adminToken: string;
}

/**
 * Bindings that cost nothing: memory KV, a rate limiter that always allows, the vars of
 * wrangler.toml, throwaway secrets. Token settings are included so that routes still to come
 * find what they need; today's Worker ignores them.
 */
export function benchBindings(): Bindings {
  const cache = new MemoryKv();
  const apiKeys = new MemoryKv();
  const adminToken = randomToken(24);
  const env = {
    CACHE: cache,
    API_KEYS: apiKeys,
    RATE_LIMITER: { limit: async () => ({ success: true }) },
    ASSETS: { fetch: async () => new Response("no assets in the benchmark", { status: 404 }) },
    FRONTPAYMENT_BASE_URL: UPSTREAM_ORIGIN,
    CACHE_TTL_SECONDS: "300",
    CACHE_STALE_SECONDS: "86400",
    NEGATIVE_CACHE_TTL_SECONDS: "60",
    UPSTREAM_TIMEOUT_MS: "2500",
    FRONTPAYMENT_TOKEN: randomToken(24),
    ADMIN_TOKEN: adminToken,
    TOKEN_SIGNING_SECRET: randomToken(32),
    CUSTOMER_JWT_ISSUER: "https://idp.bench.example/",
    CUSTOMER_JWT_AUDIENCE: "customer-edge-bench",
    CUSTOMER_JWT_JWKS_URL: JWKS_URL,
    CUSTOMER_JWT_CLAIM: "frontpayment_customer_uuid",
    CUSTOMER_JWT_SCOPES: "customers:read",
  };
  return { env, cache, apiKeys, adminToken };
}

/**
 * Replaces `globalThis.fetch`: Frontpayment answers its documented 200 envelope for any
 * requested uuid at once, JWKS_URL answers `jwks()`, and WORKER_ORIGIN is the Worker itself
 * (so AdminClient creates keys through the real admin API). Counts upstream calls.
 */
export function installInstantUpstream(
  worker: FetchHandler,
  bindings: Bindings,
  jwks: () => unknown = () => ({ keys: [] }),
): { upstreamCalls: () => number } {
  let calls = 0;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin === WORKER_ORIGIN) {
      const ctx = new BenchContext();
      const response = await worker(request, bindings.env, ctx);
      await ctx.drain();
      return response;
    }
    if (url.origin === UPSTREAM_ORIGIN && url.pathname.startsWith(CUSTOMER_PATH)) {
      calls++;
      const uuid = url.pathname.slice(CUSTOMER_PATH.length);
      return Response.json({
        status_code: 200,
        status_message: "OK",
        message: "customerDetailsRetrievedSuccessfully",
        is_data: true,
        data: upstreamCustomer(uuid, { name: "Bench Kunde" }),
      });
    }
    if (request.url === JWKS_URL) return Response.json(jwks(), { headers: { "Cache-Control": "max-age=600" } });
    throw new TypeError(`the benchmark has no network: ${request.method} ${url.origin}${url.pathname}`);
  };
  return { upstreamCalls: () => calls };
}
