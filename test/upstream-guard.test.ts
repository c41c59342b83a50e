import { describe, expect, it } from "vitest";
import { MAX_CONCURRENT } from "../src/customers/upstream-guard.ts";
import { call, json, withKey } from "./helpers/app.ts";
import { seedCache } from "./helpers/cache.ts";
import { putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

// Module state (the pause, the slot count) is per test file here, and these tests run in
// order, each waiting out the pause it caused.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("protecting Frontpayment", () => {
  it("pauses upstream calls when Frontpayment says its budget is nearly spent, serving stale copies", async () => {
    const { key } = await createKey();
    const low = uniqueUuid();
    await putCustomer(low, { headers: { "x-ratelimit-remaining": "3", "x-ratelimit-reset": "2" } });
    expect((await call(`/v1/customers/${low}`, withKey(key))).status).toBe(200);

    const miss = uniqueUuid();
    await putCustomer(miss);
    const refused = await call(`/v1/customers/${miss}`, withKey(key));
    expect(refused.status).toBe(503);
    expect((await json(refused)).code).toBe("upstream_busy");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(2);
    expect(await upstreamRequests(miss)).toBe(0);

    const stale = uniqueUuid();
    await putCustomer(stale);
    await seedCache(stale, 400);
    const served = await call(`/v1/customers/${stale}`, withKey(key));
    expect(served.status).toBe(200);
    expect(served.headers.get("Cache-Status")).toContain("detail=stale");
    expect(await upstreamRequests(stale)).toBe(0);

    await sleep(2_100);
    expect((await call(`/v1/customers/${miss}`, withKey(key))).status).toBe(200);
  });

  it("treats Frontpayment's 429 as a pause for its Retry-After, not as a broken upstream", async () => {
    const { key } = await createKey();
    const throttled = uniqueUuid();
    await putCustomer(throttled, { behaviour: { mode: "status", status: 429 }, headers: { "retry-after": "1" } });
    const response = await call(`/v1/customers/${throttled}`, withKey(key));
    expect(response.status).toBe(503);
    expect((await json(response)).code).toBe("upstream_busy");
    expect(response.headers.get("Retry-After")).toBe("1");
    expect(await upstreamRequests(throttled)).toBe(1);
    await sleep(1_100);
  });

  it(`caps concurrent upstream calls at ${MAX_CONCURRENT} per isolate`, async () => {
    const { key } = await createKey();
    const uuids = Array.from({ length: MAX_CONCURRENT + 8 }, () => uniqueUuid());
    await Promise.all(uuids.map((uuid) => putCustomer(uuid, { behaviour: { mode: "slow", delayMs: 500 } })));
    const answers = await Promise.all(uuids.map((uuid) => call(`/v1/customers/${uuid}`, withKey(key))));
    const statuses = answers.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(MAX_CONCURRENT);
    expect(statuses.filter((status) => status === 503)).toHaveLength(8);
  });
});
