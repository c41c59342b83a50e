import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json, withKey } from "./helpers/app.ts";
import { seedCache } from "./helpers/cache.ts";
import {
  type Behaviour,
  putCustomer,
  SEEDED,
  uniqueUuid,
  upstreamCustomer,
  upstreamRequests,
} from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/*
 * Frontpayment (or something in front of it) answering plausibly but wrongly: such an answer
 * must never replace a good copy, and what is merely typed differently is read liberally
 * (docs/api.md#reading-frontpayment, #negative-cache, #mismatched-uuid).
 */

const STALE = /^customer-edge; hit; ttl=-\d+; detail=stale$/;

/** A customer of its own; `data` shapes its upstream record from the generated uuid. */
async function customer(behaviour?: Behaviour, data?: (uuid: string) => Record<string, unknown>) {
  const { key } = await createKey({ name: "upstream answers" });
  const uuid = uniqueUuid();
  await putCustomer(uuid, { behaviour, data: data?.(uuid) });
  const get = () => call(`/v1/customers/${uuid}`, withKey(key));
  return { uuid, key, get };
}

const wrongAnswers: { name: string; behaviour: Behaviour }[] = [
  { name: "a 404 with another resource's envelope (orderNotFound)", behaviour: { mode: "foreign-404" } },
  { name: "a gateway's HTML 404 page", behaviour: { mode: "gateway-404" } },
  { name: "another customer's record", behaviour: { mode: "other-customer" } },
];

describe("an upstream answer that must not be trusted", () => {
  for (const { name, behaviour } of wrongAnswers) {
    it(`keeps the good stale copy, and keeps serving it, when Frontpayment answers ${name}`, async () => {
      const { uuid, get } = await customer(behaviour);
      await seedCache(uuid, 400, "Good Copy");
      for (let read = 0; read < 2; read++) {
        const response = await get();
        expect(response.status).toBe(200);
        expect(response.headers.get("Cache-Status")).toMatch(STALE);
        expect((await json(response)).name).toBe("Good Copy");
      }
      expect(await upstreamRequests(uuid)).toBeGreaterThanOrEqual(1);
      const stored = await env.CACHE.get(`customer:v1:${uuid}`);
      expect(stored).toContain("Good Copy");
      expect(stored).not.toContain("notFound");
    });

    it(`answers 502 upstream_error and stores nothing when Frontpayment answers ${name} and nothing is cached`, async () => {
      const { uuid, get } = await customer(behaviour);
      const response = await get();
      expect(response.status).toBe(502);
      expect((await json(response)).code).toBe("upstream_error");
      expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
      // Not remembered as "not found" either: the next read asks again.
      expect((await get()).status).toBe(502);
      expect(await upstreamRequests(uuid)).toBe(2);
    });
  }

  it("never serves another customer's record, even the first time", async () => {
    const { key } = await createKey();
    const response = await call(`/v1/customers/${SEEDED.otherCustomer}`, withKey(key));
    expect(response.status).toBe(502);
    expect(await response.text()).not.toContain("Kari Nordmann");
  });

  it("still answers 404 customer_not_found for Frontpayment's own customerNotFound", async () => {
    const { key } = await createKey();
    const response = await call(`/v1/customers/${uniqueUuid("NOSUCH")}`, withKey(key));
    expect(response.status).toBe(404);
    expect((await json(response)).code).toBe("customer_not_found");
  });
});

describe("reading Frontpayment liberally", () => {
  it("answers numbers where strings are documented as their decimal strings, ignoring unknown fields", async () => {
    const { key } = await createKey();
    const body = await json(await call(`/v1/customers/${SEEDED.numericFields}`, withKey(key)));
    expect(body).toMatchObject({
      uuid: SEEDED.numericFields,
      organizationId: "192933933",
      phone: "4745678901",
      addresses: { billing: { zip: "5015" }, shipping: null },
    });
    expect(body).not.toHaveProperty("loyaltyTier");
  });

  it("answers an absent nullable field as null", async () => {
    const { get } = await customer(undefined, (uuid) =>
      without(upstreamCustomer(uuid), "organizationId", "preferredLanguage"),
    );
    const response = await get();
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ organizationId: null, preferredLanguage: null });
  });

  it("still refuses a missing required field, or a number that cannot be read as digits", async () => {
    const nameless = await customer(undefined, (uuid) => without(upstreamCustomer(uuid), "name"));
    expect((await nameless.get()).status).toBe(502);
    const fraction = await customer(undefined, (uuid) => upstreamCustomer(uuid, { organizationId: 1.5 }));
    expect((await fraction.get()).status).toBe(502);
  });
});

function without(record: Record<string, unknown>, ...fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([field]) => !fields.includes(field)));
}
