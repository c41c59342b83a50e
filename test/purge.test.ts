import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.ts";
import { type CallOptions, call, json, withKey } from "./helpers/app.ts";
import { purgeCustomer } from "./helpers/cache.ts";
import {
  heldRequests,
  putCustomer,
  releaseHeld,
  uniqueUuid,
  upstreamCustomer,
  upstreamRequests,
} from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

const MISS = "customer-edge; fwd=miss; stored";
/** Room for a loaded machine between the held call starting and the test releasing it. */
const PATIENT = { UPSTREAM_TIMEOUT_MS: "30000" };

/*
 * A purge holds against a call already in flight (docs/api.md#purge): the customer changes and
 * is purged while Frontpayment's old answer is on its way. The emulator holds that answer until
 * the test releases it, and each test checks it is still held when the purge lands, so the race
 * happens on any machine, however slow.
 */
async function heldCustomer() {
  const { key } = await createKey({ name: "purge" });
  const uuid = uniqueUuid();
  await putCustomer(uuid, {
    data: upstreamCustomer(uuid, { name: "Old Name" }),
    behaviour: { mode: "ok", hold: true },
  });
  const read = (options: CallOptions = {}) =>
    call(`/v1/customers/${uuid}`, { ...withKey(key), vars: PATIENT, ...options });
  /** New data, answered at once: only the call already held keeps the old answer. */
  const changeUpstream = () => putCustomer(uuid, { data: upstreamCustomer(uuid, { name: "New Name" }) });
  /** Purges while the first upstream call is provably still waiting for its answer. */
  async function purgeWhileHeld() {
    await vi.waitFor(async () => expect(await heldRequests(uuid)).toBe(1));
    await changeUpstream();
    // Through the same isolate as the reads (its in-flight map and purge log).
    expect((await purgeCustomer(uuid, { vars: PATIENT })).status).toBe(204);
    expect(await heldRequests(uuid)).toBe(1);
  }
  return { uuid, key, read, purgeWhileHeld, release: () => releaseHeld(uuid) };
}

describe("purge against a call in flight", () => {
  it("does not store the result of a call that started before the purge: the next read goes upstream", async () => {
    const { uuid, read, purgeWhileHeld, release } = await heldCustomer();
    const inFlight = read();
    await purgeWhileHeld();
    expect(await release()).toBe(1);

    expect((await json(await inFlight)).name).toBe("Old Name");
    expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
    const next = await read();
    expect(next.headers.get("Cache-Status")).toBe(MISS);
    expect((await json(next)).name).toBe("New Name");
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("does not let a read after the purge join the call that started before it", async () => {
    const { uuid, read, purgeWhileHeld, release } = await heldCustomer();
    const inFlight = read();
    await purgeWhileHeld();
    const after = await read();
    expect((await json(after)).name).toBe("New Name");
    // The read after the purge was answered while the old call was still held: it did not join it.
    expect(await heldRequests(uuid)).toBe(1);
    expect(await release()).toBe(1);
    expect((await json(await inFlight)).name).toBe("Old Name");
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("holds against a call in flight in another isolate, through the purge marker in KV", async () => {
    const { uuid, key, purgeWhileHeld, release } = await heldCustomer();
    // Another isolate: its own memory tier, purge log and in-flight map.
    const elsewhere = createApp();
    const readElsewhere = () => call(`/v1/customers/${uuid}`, { ...withKey(key), vars: PATIENT, app: elsewhere });
    const inFlight = readElsewhere();
    await purgeWhileHeld();
    expect(await release()).toBe(1);

    expect((await json(await inFlight)).name).toBe("Old Name");
    expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
    const next = await readElsewhere();
    expect((await json(next)).name).toBe("New Name");
    expect(await upstreamRequests(uuid)).toBe(2);
  });
});
