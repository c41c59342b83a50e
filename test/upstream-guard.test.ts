import { describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.ts";
import { LEASE_GRACE_MS, MAX_CONCURRENT, UpstreamGuard } from "../src/customers/upstream-guard.ts";
import { manualClock } from "../src/lib/clock.ts";
import { type CallOptions, call as callDefault, json, withKey } from "./helpers/app.ts";
import { seedCache } from "./helpers/cache.ts";
import { putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/*
 * The guard lives as long as its app's isolate state. Each test builds its own app around a
 * clock it moves by hand, so no test inherits another's pause and nothing fakes Date.
 */
function isolatedApp() {
  const clock = manualClock();
  const app = createApp({ clock });
  const call = (path: string, options: CallOptions = {}) => callDefault(path, { ...options, app });
  return { clock, call, base: clock.now() };
}

async function customerWith(headers: Record<string, string>): Promise<string> {
  const uuid = uniqueUuid();
  await putCustomer(uuid, { headers });
  return uuid;
}

describe("Frontpayment's rate budget", () => {
  it("stops background revalidations while the budget is low, keeping it for misses", async () => {
    const { call } = isolatedApp();
    const { key } = await createKey();
    const low = await customerWith({ "x-ratelimit-remaining": "3", "x-ratelimit-reset": "30" });
    expect((await call(`/v1/customers/${low}`, withKey(key))).status).toBe(200);

    const stale = uniqueUuid();
    await putCustomer(stale);
    await seedCache(stale, 400);
    const served = await call(`/v1/customers/${stale}`, withKey(key));
    expect(served.status).toBe(200);
    expect(served.headers.get("Cache-Status")).toContain("detail=stale");
    expect(await upstreamRequests(stale)).toBe(0);

    const miss = uniqueUuid();
    await putCustomer(miss);
    expect((await call(`/v1/customers/${miss}`, withKey(key))).status).toBe(200);
    expect(await upstreamRequests(miss)).toBe(1);
  });

  it("pauses every call when the budget is spent: stale copies are served, misses get 503 upstream_busy with Retry-After", async () => {
    const { call, clock, base } = isolatedApp();
    const { key } = await createKey();
    const spent = await customerWith({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" });
    expect((await call(`/v1/customers/${spent}`, withKey(key))).status).toBe(200);

    const miss = uniqueUuid();
    await putCustomer(miss);
    const refused = await call(`/v1/customers/${miss}`, withKey(key));
    expect(refused.status).toBe(503);
    expect((await json(refused)).code).toBe("upstream_busy");
    expect(refused.headers.get("Retry-After")).toBe("2");
    expect(await upstreamRequests(miss)).toBe(0);

    const stale = uniqueUuid();
    await putCustomer(stale);
    await seedCache(stale, 400);
    expect((await call(`/v1/customers/${stale}`, withKey(key))).status).toBe(200);
    expect(await upstreamRequests(stale)).toBe(0);

    clock.set(base + 3_000);
    expect((await call(`/v1/customers/${miss}`, withKey(key))).status).toBe(200);
    expect(await upstreamRequests(miss)).toBe(1);
  });

  it("treats Frontpayment's 429 as a spent budget until its Retry-After", async () => {
    const { call, clock, base } = isolatedApp();
    const { key } = await createKey();
    const throttled = uniqueUuid();
    await putCustomer(throttled, { behaviour: { mode: "throttled", retryAfterSeconds: 5 } });
    const response = await call(`/v1/customers/${throttled}`, withKey(key));
    expect(response.status).toBe(503);
    expect((await json(response)).code).toBe("upstream_busy");
    expect(response.headers.get("Retry-After")).toBe("5");
    expect(await upstreamRequests(throttled)).toBe(1);

    clock.set(base + 4_000);
    expect((await call(`/v1/customers/${throttled}`, withKey(key))).headers.get("Retry-After")).toBe("1");
    expect(await upstreamRequests(throttled)).toBe(1);
  });

  it("honours a 429's Retry-After given as an HTTP date", async () => {
    const { call, clock, base } = isolatedApp();
    const { key } = await createKey();
    const throttled = uniqueUuid();
    // The emulator dates it 40 s after its own now; the app's clock starts at the same instant.
    await putCustomer(throttled, { behaviour: { mode: "throttled-date", retryAfterSeconds: 40 } });
    const response = await call(`/v1/customers/${throttled}`, withKey(key));
    expect(response.status).toBe(503);
    expect((await json(response)).code).toBe("upstream_busy");
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThanOrEqual(38);
    expect(Number(response.headers.get("Retry-After"))).toBeLessThanOrEqual(41);

    // Still paused past the 10 s an unreadable Retry-After would have meant.
    clock.set(base + 20_000);
    const miss = uniqueUuid();
    await putCustomer(miss);
    expect((await call(`/v1/customers/${miss}`, withKey(key))).status).toBe(503);
    expect(await upstreamRequests(miss)).toBe(0);
  });

  it("serves a stale copy rather than upstream_busy while Frontpayment throttles", async () => {
    const { call } = isolatedApp();
    const { key } = await createKey();
    const stale = uniqueUuid();
    await putCustomer(stale, { behaviour: { mode: "throttled" } });
    await seedCache(stale, 400);
    const response = await call(`/v1/customers/${stale}`, withKey(key));
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Status")).toContain("detail=stale");
  });

  it("reads a Unix-time x-ratelimit-reset as a time, not a duration", async () => {
    const { call, base } = isolatedApp();
    const { key } = await createKey();
    const resetAt = String(Math.floor(base / 1000) + 7);
    const spent = await customerWith({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": resetAt });
    await call(`/v1/customers/${spent}`, withKey(key));
    const refused = await call(`/v1/customers/${uniqueUuid()}`, withKey(key));
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(6);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(7);
  });
});

describe("concurrent upstream calls", () => {
  it(`runs at most ${MAX_CONCURRENT} at once and queues the rest`, async () => {
    const total = MAX_CONCURRENT + 8;
    let running = 0;
    let started = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const guard = new UpstreamGuard();
    const task = () =>
      guard.withSlot(10_000, async () => {
        running++;
        started++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return "done";
      });
    const results = Array.from({ length: total }, task);
    await vi.waitFor(() => expect(gates).toHaveLength(MAX_CONCURRENT));
    expect(started).toBe(MAX_CONCURRENT);
    // Each finished call lets exactly one queued call start: wait for that start, not for time.
    for (let finished = 1; finished <= total; finished++) {
      gates.shift()!();
      await vi.waitFor(() => expect(started).toBe(Math.min(MAX_CONCURRENT + finished, total)));
    }
    expect(await Promise.all(results)).toEqual(Array(total).fill("done"));
    expect(most).toBe(MAX_CONCURRENT);
  });

  it("gives up waiting for a slot when the time budget runs out", async () => {
    const guard = new UpstreamGuard();
    const release: (() => void)[] = [];
    const holders = Array.from({ length: MAX_CONCURRENT }, () =>
      guard.withSlot(10_000, () => new Promise<void>((resolve) => release.push(resolve))),
    );
    let ran = false;
    expect(
      await guard.withSlot(20, async () => {
        ran = true;
      }),
    ).toBeUndefined();
    expect(ran).toBe(false);
    for (const resolve of release) resolve();
    await Promise.all(holders);
    expect(await guard.withSlot(0, async () => "a slot is free")).toBe("a slot is free");
  });

  /*
   * On workerd a request's pending promises may never settle once it is cancelled, so a call
   * that never settles stands for a holder whose `finally` never runs.
   */
  it("takes back a slot whose holder never comes back, once the holder's budget has passed", async () => {
    const clock = manualClock();
    const guard = new UpstreamGuard(clock, 1);
    void guard.withSlot(1_000, () => new Promise<never>(() => {}));
    expect(await guard.withSlot(0, async () => "ran")).toBeUndefined();
    clock.advance(1_000 + LEASE_GRACE_MS);
    expect(await guard.withSlot(0, async () => "ran")).toBe("ran");
  });

  it("takes back a slot a waiter got and never gave back", async () => {
    const clock = manualClock();
    const guard = new UpstreamGuard(clock, 1);
    let release: (() => void) | undefined;
    const holder = guard.withSlot(1_000, () => new Promise<void>((resolve) => (release = resolve)));
    let waiterStarted = false;
    void guard.withSlot(1_000, () => {
      waiterStarted = true;
      return new Promise<never>(() => {});
    });
    await vi.waitFor(() => expect(release).toBeDefined());
    release?.();
    await holder;
    await vi.waitFor(() => expect(waiterStarted).toBe(true));
    expect(await guard.withSlot(0, async () => "ran")).toBeUndefined();
    clock.advance(1_000 + LEASE_GRACE_MS);
    expect(await guard.withSlot(0, async () => "ran")).toBe("ran");
  });

  it("answers many concurrent misses of different customers, none refused", async () => {
    const { call } = isolatedApp();
    const { key } = await createKey();
    const uuids = Array.from({ length: MAX_CONCURRENT + 8 }, () => uniqueUuid());
    await Promise.all(uuids.map((uuid) => putCustomer(uuid, { behaviour: { mode: "slow", delayMs: 300 } })));
    const answers = await Promise.all(uuids.map((uuid) => call(`/v1/customers/${uuid}`, withKey(key))));
    expect(answers.map((response) => response.status)).toEqual(Array(uuids.length).fill(200));
  });
});
