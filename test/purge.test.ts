import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.ts";
import { type CallOptions, call, json, withKey } from "./helpers/app.ts";
import { purgeCustomer } from "./helpers/cache.ts";
import { putCustomer, uniqueUuid, upstreamCustomer, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

const MISS = "customer-edge; fwd=miss; stored";

/*
 * A purge holds against a call already in flight (docs/api.md#purge): Frontpayment is slow,
 * the customer changes and is purged while the old answer is on its way.
 */
async function slowCustomer() {
  const { key } = await createKey({ name: "purge" });
  const uuid = uniqueUuid();
  await putCustomer(uuid, {
    data: upstreamCustomer(uuid, { name: "Old Name" }),
    behaviour: { mode: "slow", delayMs: 400 },
  });
  const read = (options: CallOptions = {}) => call(`/v1/customers/${uuid}`, { ...withKey(key), ...options });
  const changeUpstream = () => putCustomer(uuid, { data: upstreamCustomer(uuid, { name: "New Name" }) });
  return { uuid, read, changeUpstream };
}

describe("purge against a call in flight", () => {
  it("does not store the result of a call that started before the purge: the next read goes upstream", async () => {
    const { uuid, read, changeUpstream } = await slowCustomer();
    const inFlight = read();
    await vi.waitFor(async () => expect(await upstreamRequests(uuid)).toBe(1));
    await changeUpstream();
    expect((await purgeCustomer(uuid)).status).toBe(204);

    expect((await json(await inFlight)).name).toBe("Old Name");
    expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
    const next = await read();
    expect(next.headers.get("Cache-Status")).toBe(MISS);
    expect((await json(next)).name).toBe("New Name");
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("does not let a read after the purge join the call that started before it", async () => {
    const { uuid, read, changeUpstream } = await slowCustomer();
    const inFlight = read();
    await vi.waitFor(async () => expect(await upstreamRequests(uuid)).toBe(1));
    await changeUpstream();
    expect((await purgeCustomer(uuid)).status).toBe(204);
    const after = await read();
    expect((await json(after)).name).toBe("New Name");
    await inFlight;
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("holds against a call in flight in another isolate, through the purge marker in KV", async () => {
    const { uuid, changeUpstream } = await slowCustomer();
    const { key } = await createKey();
    // Another isolate: its own memory tier, purge log and in-flight map.
    const elsewhere = createApp();
    const readElsewhere = () => call(`/v1/customers/${uuid}`, { ...withKey(key), app: elsewhere });
    const inFlight = readElsewhere();
    await vi.waitFor(async () => expect(await upstreamRequests(uuid)).toBe(1));
    await changeUpstream();
    expect((await purgeCustomer(uuid)).status).toBe(204);

    expect((await json(await inFlight)).name).toBe("Old Name");
    expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
    const next = await readElsewhere();
    expect((await json(next)).name).toBe("New Name");
    expect(await upstreamRequests(uuid)).toBe(2);
  });
});
