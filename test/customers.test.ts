import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type CallOptions, call, json, withKey } from "./helpers/app.ts";
import {
  type Behaviour,
  emulatorStats,
  putCustomer,
  releaseHeld,
  uniqueUuid,
  upstreamCustomer,
  upstreamRequests,
} from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";
import { expectLogged } from "./helpers/logs.ts";
import { SEEDED } from "./support/seed-customers.ts";

const fullKey = () => createKey({ name: "customers test", scopes: ["customers:read"] });

describe("GET /v1/customers/{uuid}: the trimmed profile", () => {
  it("answers the documented example customer exactly as docs/api.md#customer-answers shows it", async () => {
    const { key } = await fullKey();
    const response = await call(`/v1/customers/${SEEDED.example}`, withKey(key));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      JSON.stringify({
        uuid: "CSRT1511414842",
        type: "Private",
        name: "Kari Nordmann",
        email: "kari.nordmann@example.no",
        phone: "+4700000000",
        preferredLanguage: null,
        status: "Active",
        organizationId: null,
        addresses: {
          billing: { street: "Luramyrveien 65", zip: "4313", city: "Sandnes", country: "NO" },
          shipping: { street: "Sjøhusbakken 42", zip: "4313", city: "Stavanger", country: "NO" },
        },
      }),
    );
  });

  it("keeps a business customer's organizationId and drops its personal number", async () => {
    const { key } = await fullKey();
    const response = await call(`/v1/customers/${SEEDED.business}`, withKey(key));
    const body = await json(response);
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ type: "Business", organizationId: "987654321", preferredLanguage: "en" });
    expect(body).not.toHaveProperty("personalNumber");
    expect(JSON.stringify(body)).not.toContain("01017012345");
  });

  it("drops address uuids and keeps a null shipping address null", async () => {
    const { key } = await fullKey();
    const body = await json<{ addresses: Record<string, unknown> }>(
      await call(`/v1/customers/${SEEDED.nullShipping}`, withKey(key)),
    );
    expect(body.addresses.shipping).toBeNull();
    expect(Object.keys(body.addresses.billing as object)).toEqual(["street", "zip", "city", "country"]);
  });

  it("answers phone null when msisdn is empty", async () => {
    const { key } = await fullKey();
    const body = await json(await call(`/v1/customers/${SEEDED.emptyMsisdn}`, withKey(key)));
    expect(body.phone).toBeNull();
  });

  it("answers phone null when countryCode is missing", async () => {
    const { key } = await fullKey();
    const uuid = uniqueUuid();
    const data = upstreamCustomer(uuid);
    delete (data as Partial<typeof data>).countryCode;
    await putCustomer(uuid, { data });
    const body = await json(await call(`/v1/customers/${uuid}`, withKey(key)));
    expect(body.phone).toBeNull();
  });

  it("sends the documented headers on a customer answer", async () => {
    const { key } = await fullKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid);
    const response = await call(`/v1/customers/${uuid}`, withKey(key));
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("private, no-cache");
    expect(response.headers.get("ETag")).toMatch(/^"[^"]+"$/);
    expect(response.headers.get("Cache-Status")).toBe("customer-edge; fwd=miss; stored");
    expect(response.headers.get("X-Request-Id")).toMatch(/^[\w-]{8,64}$/);
    expect(response.headers.get("Server-Timing")).toMatch(/upstream;dur=\d/);
    expect(response.headers.get("X-Powered-By")).toBeNull();
  });

  it("builds the upstream call from the validated uuid with the merchant token", async () => {
    const { key } = await fullKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid);
    expect((await call(`/v1/customers/${uuid}`, withKey(key))).status).toBe(200);
    expect(await upstreamRequests(uuid)).toBe(1);
  });
});

describe("GET /v1/customers/{uuid}: when Frontpayment fails and nothing is cached", () => {
  /** A 401 or 403 means our own token is refused: an operator must be told (an alert line). */
  const TOKEN_REJECTED = '"alert":"frontpayment_token_rejected"';
  const cases: {
    name: string;
    behaviour: Behaviour;
    status: number;
    code: string;
    attempts: number;
    logs?: string;
    vars?: CallOptions["vars"];
  }[] = [
    { name: "a 500", behaviour: { mode: "status", status: 500 }, status: 502, code: "upstream_error", attempts: 2 },
    {
      name: "the documented 510",
      behaviour: { mode: "status", status: 510 },
      status: 502,
      code: "upstream_error",
      attempts: 2,
    },
    { name: "a 503", behaviour: { mode: "status", status: 503 }, status: 502, code: "upstream_error", attempts: 2 },
    { name: "an HTML error page", behaviour: { mode: "html" }, status: 502, code: "upstream_error", attempts: 2 },
    { name: "malformed JSON", behaviour: { mode: "malformed" }, status: 502, code: "upstream_error", attempts: 1 },
    {
      name: "a body violating the schema",
      behaviour: { mode: "schema" },
      status: 502,
      code: "upstream_error",
      attempts: 1,
    },
    {
      name: "a body far too big to be a customer",
      behaviour: { mode: "huge" },
      status: 502,
      code: "upstream_error",
      attempts: 1,
    },
    { name: "a redirect", behaviour: { mode: "redirect" }, status: 502, code: "upstream_error", attempts: 1 },
    { name: "a dropped connection", behaviour: { mode: "drop" }, status: 502, code: "upstream_error", attempts: 2 },
    {
      name: "a 401 (our token is wrong)",
      behaviour: { mode: "status", status: 401 },
      status: 502,
      code: "upstream_error",
      attempts: 1,
      logs: TOKEN_REJECTED,
    },
    {
      name: "a 403",
      behaviour: { mode: "status", status: 403 },
      status: 502,
      code: "upstream_error",
      attempts: 1,
      logs: TOKEN_REJECTED,
    },
    {
      name: "an undocumented 400",
      behaviour: { mode: "status", status: 400 },
      status: 502,
      code: "upstream_error",
      attempts: 1,
    },
    {
      // Held until the test releases it: the only clock that runs is the app's own budget.
      name: "an answer slower than the budget",
      behaviour: { mode: "ok", hold: true },
      status: 504,
      code: "upstream_timeout",
      attempts: 1,
      vars: { UPSTREAM_TIMEOUT_MS: "300" },
    },
  ];

  for (const { name, behaviour, status, code, attempts, logs, vars } of cases) {
    it(`answers ${status} ${code} for ${name}, after ${attempts} attempt(s)`, async () => {
      const { key } = await fullKey();
      const uuid = uniqueUuid();
      await putCustomer(uuid, { behaviour });
      const response = await call(`/v1/customers/${uuid}`, { ...withKey(key), vars });
      if (behaviour.hold) expect(await releaseHeld(uuid)).toBe(1);
      expect(response.status).toBe(status);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      const body = await json(response);
      expect(body.code).toBe(code);
      expect(await upstreamRequests(uuid)).toBe(attempts);
      if (logs) expectLogged(logs);
    });
  }

  it("reports the upstream time in Server-Timing even when the answer is an error", async () => {
    const { key } = await fullKey();
    const failing = uniqueUuid();
    await putCustomer(failing, { behaviour: { mode: "status", status: 500 } });
    const failed = await call(`/v1/customers/${failing}`, withKey(key));
    expect(failed.status).toBe(502);
    expect(failed.headers.get("Server-Timing")).toMatch(/upstream;dur=\d/);
    const missing = await call(`/v1/customers/${uniqueUuid("NOSUCH")}`, withKey(key));
    expect(missing.status).toBe(404);
    expect(missing.headers.get("Server-Timing")).toMatch(/upstream;dur=\d/);
  });

  it("never follows a redirect, so the token cannot travel to another URL", async () => {
    const { key } = await fullKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid, { behaviour: { mode: "redirect" } });
    const before = (await emulatorStats()).redirectsFollowed;
    expect((await call(`/v1/customers/${uuid}`, withKey(key))).status).toBe(502);
    expect((await emulatorStats()).redirectsFollowed).toBe(before);
  });

  it("retries once after a 5xx and serves the second answer", async () => {
    const { key } = await fullKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid, { behaviour: { mode: "fail-then-ok", failures: 1, status: 500 } });
    const response = await call(`/v1/customers/${uuid}`, withKey(key));
    expect(response.status).toBe(200);
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("does not retry a 5xx when less budget is left than a retry needs: 502, not a timeout", async () => {
    const { key } = await fullKey();
    const uuid = uniqueUuid();
    // A budget under the client's 100 ms retry minimum: whenever the quick 500 arrives, too
    // little is left to try again, so the call fails as unavailable rather than running out.
    await putCustomer(uuid, { behaviour: { mode: "fail-then-ok", failures: 1, status: 500 } });
    const response = await call(`/v1/customers/${uuid}`, { ...withKey(key), vars: { UPSTREAM_TIMEOUT_MS: "99" } });
    expect(response.status).toBe(502);
    expect((await json(response)).code).toBe("upstream_error");
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("spends one budget on both attempts: a 5xx then a slow retry is a timeout, not a late 200", async () => {
    const { key } = await fullKey();
    const uuid = uniqueUuid();
    // Of the 1.5 s budget the 500 takes ~1 s, leaving ~0.5 s: enough to retry, too little
    // for the retry's own ~1 s answer.
    await putCustomer(uuid, { behaviour: { mode: "fail-then-ok", failures: 1, status: 500, delayMs: 1_000 } });
    const response = await call(`/v1/customers/${uuid}`, withKey(key));
    expect(response.status).toBe(504);
    expect((await json(response)).code).toBe("upstream_timeout");
    expect(await upstreamRequests(uuid)).toBe(2);
  });

  it("treats a 404 without Frontpayment's envelope as an upstream error, not 'not found'", async () => {
    const { key } = await fullKey();
    const vars = { FRONTPAYMENT_BASE_URL: `${env.FRONTPAYMENT_BASE_URL}/__emulator/nowhere` };
    const response = await call(`/v1/customers/${uniqueUuid()}`, { ...withKey(key), vars });
    expect(response.status).toBe(502);
    expect((await json(response)).code).toBe("upstream_error");
  });

  for (const separator of ["_", "-"]) {
    it(`refuses an id with ${separator} (letters and digits only) without calling upstream`, async () => {
      const { key } = await fullKey();
      const id = `${uniqueUuid()}${separator}x`;
      const response = await call(`/v1/customers/${id}`, withKey(key));
      expect(response.status).toBe(400);
      expect((await json(response)).code).toBe("invalid_customer_uuid");
      expect((await emulatorStats()).invalidIds).not.toContain(id);
    });
  }

  it("answers 404 customer_not_found for Frontpayment's documented 404", async () => {
    const { key } = await fullKey();
    const response = await call(`/v1/customers/${uniqueUuid("NOSUCH")}`, withKey(key));
    expect(response.status).toBe(404);
    expect((await json(response)).code).toBe("customer_not_found");
  });

  it("answers 502 when the base URL points at something that is not Frontpayment", async () => {
    const { key } = await fullKey();
    const response = await call(`/v1/customers/${uniqueUuid()}`, {
      ...withKey(key),
      vars: { FRONTPAYMENT_BASE_URL: "http://127.0.0.1:9" },
    });
    expect(response.status).toBe(502);
    expect((await json(response)).code).toBe("upstream_error");
  });

  it("logs a distinct, alertable line when Frontpayment rejects the token", async () => {
    const { key } = await fullKey();
    await call(`/v1/customers/${uniqueUuid()}`, {
      ...withKey(key),
      vars: { FRONTPAYMENT_TOKEN: "not-the-right-token" },
    });
    const logged = expectLogged('"alert":"frontpayment_token_rejected"');
    expect(logged.join("\n")).not.toContain("not-the-right-token");
  });
});
