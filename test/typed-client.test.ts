import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { hc } from "hono/client";
import { describe, expect, it } from "vitest";
import type { AppType } from "../src/app.ts";
import worker from "../src/index.ts";
import { ORIGIN } from "./helpers/app.ts";
import { remember } from "./helpers/customer-tokens.ts";
import { createKey } from "./helpers/keys.ts";
import { SEEDED } from "./support/seed-customers.ts";

/** The client a TypeScript storefront would build, sending through the real Worker. */
function client(key: string) {
  return hc<AppType>(ORIGIN, {
    headers: { Authorization: `Bearer ${key}` },
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(input, init), env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  });
}

describe("typed client (hono/client)", () => {
  it("reads a customer with types inferred from the app", async () => {
    const { key } = await createKey({ scopes: ["customers:read"] });
    const response = await client(key).v1.customers[":uuid"].$get({ param: { uuid: SEEDED.example! } });
    expect(response.status).toBe(200);
    if (response.status !== 200) return;
    const customer = await response.json();
    // `customer` is typed: these property reads would not compile if the route's type broke.
    const shipping = "addresses" in customer ? customer.addresses.shipping : null;
    expect(shipping?.city).toBe("Stavanger");
    expect("email" in customer && customer.email).toBe("kari.nordmann@example.no");
  });

  it("issues a customer token and reads /v1/me with it, typed end to end", async () => {
    const { key } = await createKey({ scopes: ["customers:read", "tokens:issue"] });
    const issued = await client(key).v1["customer-tokens"].$post({
      json: { customerUuid: SEEDED.example!, scopes: ["customers:read"] },
    });
    expect(issued.status).toBe(201);
    if (issued.status !== 201) return;
    const { token, expiresAt } = await issued.json();
    remember(token);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const me = await client(token).v1.me.$get();
    expect(me.status).toBe(200);
    if (me.status !== 200) return;
    const customer = await me.json();
    expect(customer.uuid).toBe(SEEDED.example);
  });

  it("reads the health check", async () => {
    const response = await client("unused").healthz.$get();
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
