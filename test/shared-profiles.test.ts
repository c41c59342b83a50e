import { describe, expect, it } from "vitest";
import { renderProfile } from "../src/customers/rendered-profile.ts";
import type { Customer } from "../src/customers/schemas.ts";
import { call, customerMemory, json, withKey } from "./helpers/app.ts";
import { cachedCustomer, customerCache } from "./helpers/cache.ts";
import { putCustomer, uniqueUuid } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/*
 * The memory tier, the rendered views and coalesced upstream calls hand one object to many
 * requests. Whatever one request tries on it must fail loudly and change nothing for the next.
 */
function tamperWith(customer: Customer): void {
  expect(() => {
    customer.name = "Mallory";
  }).toThrow(TypeError);
  expect(() => {
    if (customer.addresses.billing) customer.addresses.billing.city = "Elsewhere";
  }).toThrow(TypeError);
  expect(() => {
    customer.addresses.shipping = null;
  }).toThrow(TypeError);
  expect(() => {
    Object.assign(customer, { personalNumber: "leaked" });
  }).toThrow(TypeError);
}

const withAddress = (uuid: string): Customer => ({
  ...cachedCustomer(uuid),
  addresses: {
    billing: { street: "Storgata 1", zip: "0155", city: "Oslo", country: "NO" },
    shipping: { street: "Bryggen 2", zip: "5003", city: "Bergen", country: "NO" },
  },
});

describe("shared profiles are frozen", () => {
  it("a profile fetched from Frontpayment, then shared by the memory tier, cannot be changed for the next request", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid);
    expect((await call(`/v1/customers/${uuid}`, withKey(key))).status).toBe(200);

    const shared = await customerCache().read(uuid);
    if (shared.state !== "fresh") throw new Error(`expected a fresh copy, got ${shared.state}`);
    const again = await customerCache().read(uuid);
    expect(again.state === "fresh" && again.customer).toBe(shared.customer);
    tamperWith(shared.customer);

    const next = await json<Customer>(await call(`/v1/customers/${uuid}`, withKey(key)));
    expect(next.name).toBe("Test Kunde");
    expect(next.addresses.billing?.city).toBe("Oslo");
    expect(next.addresses.shipping?.city).toBe("Bergen");
    expect(next).not.toHaveProperty("personalNumber");
  });

  it("a profile read from KV is frozen too", async () => {
    const uuid = uniqueUuid();
    await customerCache().write(uuid, withAddress(uuid));
    customerMemory.delete(uuid);
    const read = await customerCache().read(uuid);
    if (read.state !== "fresh") throw new Error(`expected a fresh copy, got ${read.state}`);
    tamperWith(read.customer);
    expect(read.customer.name).toBe("Cached Name");
  });

  it("a rendered view is shared and frozen", async () => {
    const customer = withAddress(uniqueUuid());
    const rendered = await renderProfile(customer, "addresses");
    expect(await renderProfile(customer, "addresses")).toBe(rendered);
    const { body, etag } = rendered;
    expect(() => {
      rendered.body = "{}";
    }).toThrow(TypeError);
    expect(() => {
      rendered.etag = '"forged"';
    }).toThrow(TypeError);
    expect(await renderProfile(customer, "addresses")).toEqual({ body, etag });
  });
});
