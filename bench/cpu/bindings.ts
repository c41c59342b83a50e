import { base64UrlEncode } from "../../src/tokens/base64url.ts";
import { upstreamCustomer } from "../../test/support/seed-customers.ts";

/*
 * Bindings that cost nothing, for the in-process benchmarks (bench:cpu, bench:startup). Web APIs
 * only: this runs inside workerd.
 */

/** The Worker's handler, as `export default app` exposes it. */
export type FetchHandler = (request: Request, env: unknown, ctx: BenchContext) => Response | Promise<Response>;

/** Where requests to the Worker itself go (AdminClient and the scenarios build URLs on it). */
export const WORKER_ORIGIN = "http://customer-edge.bench";
const UPSTREAM_ORIGIN = "http://frontpayment.bench";
const CUSTOMER_PATH = "/api/v1/connect/customers/details/";
/** http is accepted only from a loopback host, hence 127.0.0.1 (answered here, never dialled). */
export const JWKS_URL = "http://127.0.0.1/.well-known/jwks.json";

/** The Worker's own encoder, so the benchmark's tokens are spelled as the Worker spells them. */
export const base64url = (data: string | Uint8Array | ArrayBuffer): string =>
  base64UrlEncode(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
export const randomToken = (bytes: number): string => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

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

/** The part of KVNamespace the read path and key creation use, in memory, answering at once. */
export class MemoryKv {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  /** Calls to get(): lets a scenario prove that each of its requests really read KV. */
  reads = 0;
  async get(key: string, type?: "text" | "json" | { type?: "text" | "json" }): Promise<unknown> {
    this.reads++;
    const entry = this.#entries.get(key);
    if (!entry || entry.expiresAt <= Date.now()) return null;
    return (typeof type === "object" ? type.type : type) === "json" ? JSON.parse(entry.value) : entry.value;
  }
  async put(key: string, value: string, options: { expirationTtl?: number } = {}): Promise<void> {
    const ttl = options.expirationTtl;
    this.#entries.set(key, {
      value,
      expiresAt: ttl === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttl * 1000,
    });
  }
  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }
  clear(): void {
    this.#entries.clear();
  }
}

/** Memory KV, a rate limiter that always allows, wrangler.toml's vars, throwaway secrets. */
export function benchBindings() {
  const cache = new MemoryKv();
  const adminToken = randomToken(24);
  const env = {
    CACHE: cache,
    API_KEYS: new MemoryKv(),
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
    API_KEY_TAG_SECRET: randomToken(32),
    CUSTOMER_JWT_ISSUER: "https://idp.bench.example/",
    CUSTOMER_JWT_AUDIENCE: "customer-edge-bench",
    CUSTOMER_JWT_JWKS_URL: JWKS_URL,
    CUSTOMER_JWT_CLAIM: "frontpayment_customer_uuid",
    CUSTOMER_JWT_SCOPES: "customers:read",
  };
  return { env, cache, adminToken };
}
export type Bindings = ReturnType<typeof benchBindings>;

/**
 * Replaces `globalThis.fetch`: Frontpayment answers its documented 200 envelope for any uuid at
 * once, JWKS_URL answers `jwks()`, WORKER_ORIGIN is the Worker itself (so AdminClient creates keys
 * through the real admin API). Counts upstream calls.
 */
export function installInstantUpstream(worker: FetchHandler, bindings: Bindings, jwks: () => unknown) {
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
      const data = upstreamCustomer(url.pathname.slice(CUSTOMER_PATH.length), { name: "Bench Kunde" });
      const message = "customerDetailsRetrievedSuccessfully";
      return Response.json({ status_code: 200, status_message: "OK", message, is_data: true, data });
    }
    if (request.url === JWKS_URL) return Response.json(jwks(), { headers: { "Cache-Control": "max-age=600" } });
    throw new TypeError(`the benchmark has no network: ${request.method} ${url.origin}${url.pathname}`);
  };
  return { upstreamCalls: () => calls };
}
