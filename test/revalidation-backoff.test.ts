import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { MAX_BACKOFF_MS } from "../src/customers/revalidation-backoff.ts";
import { manualClock } from "../src/lib/clock.ts";
import { type CallOptions, call as callDefault, json, withKey } from "./helpers/app.ts";
import { seedCache } from "./helpers/cache.ts";
import { requestToken } from "./helpers/customer-tokens.ts";
import { type Behaviour, putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/*
 * A stale customer against a failing Frontpayment (docs/api.md#revalidation-backoff). Each
 * test builds its own app around a clock it moves by hand, so the backoff it sees is its own.
 */
async function staleCustomer(behaviour: Behaviour) {
  const clock = manualClock();
  const app = createApp({ clock });
  const { key } = await createKey({ name: "backoff" });
  const uuid = uniqueUuid();
  await putCustomer(uuid, { behaviour });
  await seedCache(uuid, 400, "Stale Copy");
  const read = (options: CallOptions = {}) =>
    callDefault(`/v1/customers/${uuid}`, { ...withKey(key), ...options, app });
  return { clock, uuid, read };
}

describe("revalidation backoff", () => {
  it("makes a handful of upstream calls, not 400, for 200 sequential stale reads against an answering-500 Frontpayment", async () => {
    const { clock, uuid, read } = await staleCustomer({ mode: "status", status: 500 });
    // Two keys, so the reads stay under the per-key limit (120 per 60 s of real time).
    const keys = [withKey((await createKey()).key), withKey((await createKey()).key)];
    for (let i = 0; i < 200; i++) {
      const response = await read(keys[i % 2]);
      expect(response.status).toBe(200);
      expect((await json(response)).name).toBe("Stale Copy");
      clock.advance(1_000);
    }
    // 200 s of reads: calls at 0, 10, 30, 70 and 150 s (10 s doubling), each without a retry.
    expect(await upstreamRequests(uuid)).toBe(5);
  });

  it("does not retry a background call, and waits at least 10 s before the next", async () => {
    const { clock, uuid, read } = await staleCustomer({ mode: "status", status: 503 });
    await read();
    expect(await upstreamRequests(uuid)).toBe(1);
    clock.advance(9_999);
    await read();
    expect(await upstreamRequests(uuid)).toBe(1);
    clock.advance(1);
    await read();
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("counts one failed call once, however many stale reads were waiting on it", async () => {
    const { clock, uuid, read } = await staleCustomer({ mode: "status", status: 500, delayMs: 300 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => read()));
    expect(answers.map((response) => response.status)).toEqual(Array(6).fill(200));
    expect(await upstreamRequests(uuid)).toBe(1);
    clock.advance(10_000);
    await read();
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("holds a prefetching token issue to the same back-off, without a retry", async () => {
    const { clock, uuid, read } = await staleCustomer({ mode: "status", status: 500 });
    const app = createApp({ clock });
    const { key } = await createKey({ scopes: ["customers:read", "tokens:issue"] });
    const issue = () => requestToken(key, { customerUuid: uuid, prefetch: true }, { app });
    expect((await issue()).status).toBe(201);
    expect(await upstreamRequests(uuid)).toBe(1);
    expect((await issue()).status).toBe(201);
    expect(await upstreamRequests(uuid)).toBe(1);
    clock.advance(10_000);
    expect((await issue()).status).toBe(201);
    expect(await upstreamRequests(uuid)).toBe(2);
    expect((await read()).status).toBe(200);
  });

  it("caps the backoff at 5 minutes however long failures go on", async () => {
    const { clock, uuid, read } = await staleCustomer({ mode: "status", status: 510 });
    for (let failures = 1; failures <= 8; failures++) {
      await read();
      expect(await upstreamRequests(uuid)).toBe(failures);
      clock.advance(Math.min(10_000 * 2 ** (failures - 1), MAX_BACKOFF_MS));
    }
  });

  it("revalidates normally again once Frontpayment recovers", async () => {
    const { clock, uuid, read } = await staleCustomer({ mode: "status", status: 500 });
    await read();
    await putCustomer(uuid, { behaviour: { mode: "ok" } });
    clock.advance(10_000);
    expect((await json(await read())).name).toBe("Stale Copy");
    expect(await upstreamRequests(uuid)).toBe(2);
    expect((await json(await read())).name).toBe("Test Kunde");
  });
});
