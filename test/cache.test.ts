import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.ts";
import { manualClock } from "../src/lib/clock.ts";
import { call, json, ORIGIN, withKey } from "./helpers/app.ts";
import { cachedCustomer, customerCache, purgeCustomer, seedCache } from "./helpers/cache.ts";
import {
  type Behaviour,
  putCustomer,
  TEST_PERSONAL_NUMBER,
  uniqueUuid,
  upstreamCustomer,
  upstreamRequests,
} from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";
import { expectLogged } from "./helpers/logs.ts";

const HIT = /^customer-edge; hit; ttl=(\d+)$/;
const MISS = "customer-edge; fwd=miss; stored";
const STALE = /^customer-edge; hit; ttl=(-\d+); detail=stale$/;

async function setup(behaviour?: Behaviour) {
  const { key } = await createKey({ name: "cache test" });
  const uuid = uniqueUuid();
  await putCustomer(uuid, { data: upstreamCustomer(uuid, { name: "Fresh From Upstream" }), behaviour });
  const get = (init: RequestInit = {}, settle = true) =>
    call(`/v1/customers/${uuid}`, { ...init, ...withKey(key, init.headers as Record<string, string>), settle });
  return { key, uuid, get };
}

describe("fresh copies", () => {
  it("serves a second read from the cache without calling Frontpayment", async () => {
    const { uuid, get } = await setup();
    const first = await get();
    expect(first.headers.get("Cache-Status")).toBe(MISS);
    const second = await get();
    expect(second.status).toBe(200);
    expect(second.headers.get("Cache-Status")).toMatch(HIT);
    expect(Number(second.headers.get("Cache-Status")!.match(HIT)![1])).toBeGreaterThan(290);
    expect(await second.text()).toBe(await first.text());
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("serves a copy found only in KV (memory tier cold) without calling Frontpayment", async () => {
    const { uuid, get } = await setup();
    await seedCache(uuid, 100);
    const response = await get();
    expect(response.headers.get("Cache-Status")).toMatch(/^customer-edge; hit; ttl=19[89]$/);
    expect((await json(response)).name).toBe("Cached Name");
    expect(await upstreamRequests(uuid)).toBe(0);
  });

  it("reads KV again once the 5 s memory tier has expired", async () => {
    const { key, uuid } = await setup();
    // An isolate of its own whose clock the test moves: its memory tier ages, nothing sleeps.
    const clock = manualClock();
    const app = createApp({ clock });
    const get = () => call(`/v1/customers/${uuid}`, { ...withKey(key), app });
    expect((await get()).status).toBe(200);
    const fetchedAt = clock.now();
    await env.CACHE.put(
      `customer:v1:${uuid}`,
      JSON.stringify({ v: 1, fetchedAt, customer: cachedCustomer(uuid, "Written Elsewhere") }),
    );
    clock.advance(4_900);
    expect((await json(await get())).name).toBe("Fresh From Upstream");
    clock.advance(1_100);
    expect((await json(await get())).name).toBe("Written Elsewhere");
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("stores the trimmed profile in KV, never the personal number, for TTL + stale window", async () => {
    const { uuid, get } = await setup();
    await get();
    const stored = await env.CACHE.get(`customer:v1:${uuid}`);
    expect(stored).toContain("Fresh From Upstream");
    expect(stored).not.toContain(TEST_PERSONAL_NUMBER);
    expect(stored).not.toContain("personalNumber");
    const { keys } = await env.CACHE.list({ prefix: `customer:v1:${uuid}` });
    const lifetime = keys[0]!.expiration! - Date.now() / 1000;
    expect(lifetime).toBeGreaterThan(300 + 86_400 - 30);
    expect(lifetime).toBeLessThanOrEqual(300 + 86_400 + 1);
  });

  it("goes upstream when the cached value is not JSON", async () => {
    const { uuid, get } = await setup();
    await env.CACHE.put(`customer:v1:${uuid}`, "{not json");
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Status")).toBe(MISS);
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("goes upstream when the cached value has the wrong shape", async () => {
    const { uuid, get } = await setup();
    await env.CACHE.put(`customer:v1:${uuid}`, JSON.stringify({ v: 1, fetchedAt: Date.now(), customer: { uuid } }));
    const response = await get();
    expect(response.status).toBe(200);
    expect((await json(response)).name).toBe("Fresh From Upstream");
    expect(await upstreamRequests(uuid)).toBe(1);
  });
});

describe("stale copies", () => {
  it("serves a stale copy at once and revalidates it exactly once in the background", async () => {
    const { uuid, get } = await setup({ mode: "slow", delayMs: 300 });
    await seedCache(uuid, 400);
    const answers = await Promise.all(Array.from({ length: 10 }, () => get()));
    for (const response of answers) {
      expect(response.status).toBe(200);
      expect(response.headers.get("Cache-Status")).toMatch(STALE);
      expect((await json(response)).name).toBe("Cached Name");
    }
    expect(Number(answers[0]!.headers.get("Cache-Status")!.match(STALE)![1])).toBeLessThanOrEqual(-100);
    expect(await upstreamRequests(uuid)).toBe(1);
    const after = await get();
    expect(after.headers.get("Cache-Status")).toMatch(HIT);
    expect((await json(after)).name).toBe("Fresh From Upstream");
  });

  const failures: { name: string; behaviour: Behaviour; logs?: string }[] = [
    { name: "the documented 510", behaviour: { mode: "status", status: 510 } },
    { name: "a 500", behaviour: { mode: "status", status: 500 } },
    { name: "a timeout", behaviour: { mode: "slow", delayMs: 4_000 } },
    { name: "a body violating the schema", behaviour: { mode: "schema" } },
    { name: "malformed JSON", behaviour: { mode: "malformed" } },
    // Our token refused: the stale copy is still served, and the operator is alerted.
    {
      name: "an upstream 401",
      behaviour: { mode: "status", status: 401 },
      logs: '"alert":"frontpayment_token_rejected"',
    },
  ];
  for (const { name, behaviour, logs } of failures) {
    it(`keeps serving the stale copy when Frontpayment answers ${name}`, async () => {
      const { uuid, get } = await setup(behaviour);
      await seedCache(uuid, 400);
      const first = await get();
      expect(first.status).toBe(200);
      expect(first.headers.get("Cache-Status")).toMatch(STALE);
      expect(await upstreamRequests(uuid)).toBeGreaterThanOrEqual(1);
      const second = await get();
      expect(second.status).toBe(200);
      expect(second.headers.get("Cache-Status")).toMatch(STALE);
      expect((await json(second)).name).toBe("Cached Name");
      if (logs) expectLogged(logs);
    });
  }

  it("treats a copy older than the stale window as a miss", async () => {
    const { uuid, get } = await setup({ mode: "status", status: 510 });
    await seedCache(uuid, 300 + 86_400 + 10);
    const response = await get();
    expect(response.status).toBe(502);
    expect((await json(response)).code).toBe("upstream_error");
  });

  it("counts the stale window from the end of freshness, not from the fetch", async () => {
    const { key, uuid } = await setup();
    await seedCache(uuid, 8);
    const vars = { CACHE_TTL_SECONDS: "5", CACHE_STALE_SECONDS: "5" };
    const response = await call(`/v1/customers/${uuid}`, { ...withKey(key), vars });
    expect(response.headers.get("Cache-Status")).toMatch(/^customer-edge; hit; ttl=-[34]; detail=stale$/);
  });

  it("honours short TTLs set through the vars", async () => {
    const { key, uuid } = await setup();
    await seedCache(uuid, 2);
    const vars = { CACHE_TTL_SECONDS: "1", CACHE_STALE_SECONDS: "5" };
    const stale = await call(`/v1/customers/${uuid}`, { ...withKey(key), vars });
    expect(stale.headers.get("Cache-Status")).toMatch(STALE);
    await seedCache(uuid, 7);
    const expired = await call(`/v1/customers/${uuid}`, { ...withKey(key), vars });
    expect(expired.headers.get("Cache-Status")).toBe(MISS);
  });
});

describe("not found", () => {
  it("remembers a 404 so the next read does not call Frontpayment", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid("GONE");
    const first = await call(`/v1/customers/${uuid}`, withKey(key));
    expect(first.status).toBe(404);
    const second = await call(`/v1/customers/${uuid}`, withKey(key));
    expect(second.status).toBe(404);
    expect((await json(second)).code).toBe("customer_not_found");
    expect(second.headers.get("Cache-Status")).toMatch(HIT);
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("marks the first 404 as fetched and stored", async () => {
    const { key } = await createKey();
    const response = await call(`/v1/customers/${uniqueUuid("GONE")}`, withKey(key));
    expect(response.status).toBe(404);
    expect(response.headers.get("Cache-Status")).toBe(MISS);
  });

  it("asks again once NEGATIVE_CACHE_TTL_SECONDS has passed", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid("GONE");
    await customerCache().writeNotFound(uuid, Date.now() - 2_000);
    await putCustomer(uuid);
    const response = await call(`/v1/customers/${uuid}`, {
      ...withKey(key),
      vars: { NEGATIVE_CACHE_TTL_SECONDS: "1" },
    });
    expect(response.status).toBe(200);
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("never caches an upstream error as a profile", async () => {
    const { uuid, get } = await setup({ mode: "status", status: 500 });
    expect((await get()).status).toBe(502);
    expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
    await putCustomer(uuid, { behaviour: { mode: "ok" } });
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Status")).toBe(MISS);
  });
});

describe("coalescing", () => {
  it("shares one upstream call among 30 concurrent misses", async () => {
    const { uuid, get } = await setup({ mode: "slow", delayMs: 200 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => get()));
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("keeps the shared call alive when the caller that started it hangs up", async () => {
    // Through the Worker's real front door, where each request has its own I/O context that
    // workerd cancels when its client goes away.
    const { key } = await createKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid, { behaviour: { mode: "slow", delayMs: 400 } });
    const request = (signal?: AbortSignal) =>
      exports.default.fetch(new Request(`${ORIGIN}/v1/customers/${uuid}`, { ...withKey(key), signal }));
    const owner = new AbortController();
    const first = request(owner.signal);
    await vi.waitFor(async () => expect(await upstreamRequests(uuid)).toBe(1));
    const joiners = Array.from({ length: 5 }, () => request());
    owner.abort();
    await expect(first).rejects.toThrow();
    const answers = await Promise.all(joiners);
    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("shares one failure too, and the next read tries again", async () => {
    const { uuid, get } = await setup({ mode: "fail-then-ok", failures: 2, status: 500, delayMs: 100 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => get()));
    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(502));
    expect(await upstreamRequests(uuid)).toBe(2);
    expect((await get()).status).toBe(200);
  });
});

describe("conditional requests", () => {
  it("answers 304 with no body for a matching If-None-Match, keeping the cache headers", async () => {
    const { get } = await setup();
    const first = await get();
    const etag = first.headers.get("ETag")!;
    const revalidated = await get({ headers: { "If-None-Match": etag } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");
    expect(revalidated.headers.get("ETag")).toBe(etag);
    expect(revalidated.headers.get("Cache-Status")).toMatch(HIT);
    expect(revalidated.headers.get("Cache-Control")).toBe("private, no-cache");
    expect(revalidated.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("answers 200 with the new body when the profile changed", async () => {
    const { uuid, get } = await setup();
    const etag = (await get()).headers.get("ETag")!;
    await seedCache(uuid, 10, "Renamed Customer");
    const response = await get({ headers: { "If-None-Match": etag } });
    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).not.toBe(etag);
    expect((await json(response)).name).toBe("Renamed Customer");
  });

  it("answers HEAD like GET without a body", async () => {
    const { get } = await setup();
    const full = await get();
    const head = await get({ method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect(head.headers.get("ETag")).toBe(full.headers.get("ETag"));
  });

  it("answers 304 for a weak validator and for *", async () => {
    const { get } = await setup();
    const etag = (await get()).headers.get("ETag")!;
    expect((await get({ headers: { "If-None-Match": `W/${etag}` } })).status).toBe(304);
    expect((await get({ headers: { "If-None-Match": "*" } })).status).toBe(304);
    expect((await get({ headers: { "If-None-Match": `"other", ${etag}` } })).status).toBe(304);
  });

  it("keeps the CORS headers on a 304, so a browser can read it", async () => {
    const { get } = await setup();
    const origin = "https://shop.example";
    const etag = (await get({ headers: { Origin: origin } })).headers.get("ETag")!;
    const revalidated = await get({ headers: { Origin: origin, "If-None-Match": etag } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get("Access-Control-Allow-Origin")).toBe(origin);
    expect(revalidated.headers.get("Access-Control-Expose-Headers")).toContain("ETag");
  });

  it("gives the addresses-only view its own ETag", async () => {
    const { uuid, key } = await setup();
    const full = await call(`/v1/customers/${uuid}`, withKey(key));
    const narrow = await createKey({ scopes: ["addresses:read"] });
    const addresses = await call(`/v1/customers/${uuid}`, withKey(narrow.key));
    expect(addresses.headers.get("ETag")).not.toBe(full.headers.get("ETag"));
  });
});

describe("purge", () => {
  it("makes the next read go upstream, in every tier", async () => {
    const { uuid, get } = await setup();
    await get();
    expect((await get()).headers.get("Cache-Status")).toMatch(HIT);
    expect(await upstreamRequests(uuid)).toBe(1);
    expect((await purgeCustomer(uuid)).status).toBe(204);
    expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
    const next = await get();
    expect(next.status).toBe(200);
    expect(next.headers.get("Cache-Status")).toBe(MISS);
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("forgets a remembered 'not found' too", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid("GONE");
    const read = () => call(`/v1/customers/${uuid}`, withKey(key));
    expect((await json(await read())).code).toBe("customer_not_found");
    await putCustomer(uuid);
    expect((await json(await read())).code).toBe("customer_not_found");
    expect(await upstreamRequests(uuid)).toBe(1);
    expect((await purgeCustomer(uuid)).status).toBe(204);
    expect((await read()).status).toBe(200);
    expect(await upstreamRequests(uuid)).toBe(2);
  });
});
