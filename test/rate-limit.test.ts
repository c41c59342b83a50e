import { describe, expect, it } from "vitest";
import { RATE_LIMIT } from "../src/middleware/rate-limit.ts";
import { call, withKey } from "./helpers/app.ts";
import { expectProblem } from "./helpers/auth-matrix.ts";
import { putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/*
 * RATE_LIMITER is the real local binding (wrangler.toml: 120 per 60 s). Miniflare counts in
 * fixed windows aligned to the wall clock (`floor(now / period)`, miniflare's
 * ratelimit-object.worker.ts), so a loop that straddles a minute boundary gets a fresh count
 * half-way. The window is read before and after, and the exact count asserted only when both
 * fall in the same window; otherwise the limit must have held in each window.
 */
const POLICY = '"per-key";q=120;w=60';
const MAX_REQUESTS = 300;
const windowOf = (ms: number) => Math.floor(ms / (RATE_LIMIT.periodSeconds * 1000));

/** A customer already in the edge cache, so the loop costs no upstream calls. */
async function cachedCustomer(key: string): Promise<{ uuid: string; path: string }> {
  const uuid = uniqueUuid("RL");
  await putCustomer(uuid);
  const path = `/v1/customers/${uuid}`;
  expect((await call(path, withKey(key))).status).toBe(200);
  return { uuid, path };
}

/** Sends requests with `key` until the first 429 (at most MAX_REQUESTS). */
async function driveOverLimit(key: string, path: string) {
  const startWindow = windowOf(Date.now());
  let accepted = 0;
  for (let sent = 0; sent < MAX_REQUESTS; sent++) {
    const response = await call(path, withKey(key));
    if (response.status === 429) {
      return { accepted, refusal: response, sameWindow: windowOf(Date.now()) === startWindow };
    }
    expect(response.status).toBe(200);
    accepted++;
  }
  throw new Error(`no 429 after ${MAX_REQUESTS} requests: the limit is not enforced`);
}

describe("per-key rate limit", () => {
  it("advertises the policy on normal answers", async () => {
    const { key } = await createKey({ name: "rate limit policy" });
    const { path } = await cachedCustomer(key);
    const response = await call(path, withKey(key));
    expect(response.status).toBe(200);
    expect(response.headers.get("RateLimit-Policy")).toBe(POLICY);
    // Only "over or not" is known from the binding, so no remaining count is claimed.
    expect(response.headers.get("RateLimit")).toBeNull();
  });

  it("keeps the policy on a 304", async () => {
    const { key } = await createKey({ name: "rate limit 304" });
    const { path } = await cachedCustomer(key);
    const etag = (await call(path, withKey(key))).headers.get("ETag") ?? "";
    const response = await call(path, withKey(key, { "If-None-Match": etag }));
    expect(response.status).toBe(304);
    expect(response.headers.get("RateLimit-Policy")).toBe(POLICY);
  });

  it("keeps the policy on the route's own errors: a bad id, an unknown customer, a failing upstream", async () => {
    const { key } = await createKey({ name: "rate limit errors" });
    const failing = uniqueUuid("RLF");
    await putCustomer(failing, { behaviour: { mode: "status", status: 500 } });
    const answers = [
      [await call(`/v1/customers/${"A".repeat(65)}`, withKey(key)), 400, "invalid_customer_uuid"],
      [await call("/v1/customers/", withKey(key)), 400, "invalid_customer_uuid"],
      [await call(`/v1/customers/${uniqueUuid("RLN")}`, withKey(key)), 404, "customer_not_found"],
      [await call(`/v1/customers/${failing}`, withKey(key)), 502, "upstream_error"],
    ] as const;
    for (const [response, status, code] of answers) {
      await expectProblem(response, status, code);
      expect(response.headers.get("RateLimit-Policy"), code).toBe(POLICY);
    }
  });

  it("refuses a key over its limit with 429 rate_limited, Retry-After and RateLimit, and leaves another key alone", async () => {
    const { key } = await createKey({ name: "rate limited" });
    const { uuid, path } = await cachedCustomer(key);
    const { accepted, refusal, sameWindow } = await driveOverLimit(key, path);

    // The priming request in cachedCustomer counted too.
    if (sameWindow) expect(accepted + 1).toBe(RATE_LIMIT.limit);
    else expect(accepted + 1).toBeGreaterThanOrEqual(RATE_LIMIT.limit);

    const body = await expectProblem(refusal, 429, "rate_limited");
    expect(body.detail).toContain("120");
    const retryAfter = refusal.headers.get("Retry-After") ?? "";
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
    expect(Number(retryAfter)).toBeLessThanOrEqual(RATE_LIMIT.periodSeconds);
    expect(refusal.headers.get("RateLimit")).toBe(`"per-key";r=0;t=${retryAfter}`);
    expect(refusal.headers.get("RateLimit-Policy")).toBe(POLICY);
    expect(refusal.headers.get("Cache-Control")).toBe("no-store");
    expect(await upstreamRequests(uuid)).toBe(1);

    // Over the limit, a miss must not reach Frontpayment either: the verdict gates upstream.
    const fresh = uniqueUuid();
    await putCustomer(fresh);
    await expectProblem(await call(`/v1/customers/${fresh}`, withKey(key)), 429, "rate_limited");
    expect(await upstreamRequests(fresh)).toBe(0);

    const { key: otherKey } = await createKey({ name: "not rate limited" });
    const other = await call(path, withKey(otherKey));
    expect(other.status).toBe(200);
    expect(other.headers.get("RateLimit-Policy")).toBe(POLICY);
  }, 30_000);

  it("answers a request without a usable key with 401, before any rate-limit policy applies", async () => {
    const { key } = await createKey({ name: "rate limit unauthenticated" });
    const { path } = await cachedCustomer(key);
    const refused = await call(path, { headers: { Authorization: "Bearer cedge_nope" } });
    await expectProblem(refused, 401, "unauthorized");
    expect(refused.headers.get("RateLimit-Policy")).toBeNull();
  });
});
