import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { manualClock } from "../src/lib/clock.ts";
import { adminHeaders, call, json, withKey } from "./helpers/app.ts";
import {
  countingKv,
  describeAdminAuth,
  describeApiKeyAuth,
  expectBearerChallenge,
  expectProblem,
  type PreparedRequest,
} from "./helpers/auth-matrix.ts";
import { putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey, listKeys, revokeKey } from "./helpers/keys.ts";

/** A new customer in the emulator, and the request that reads it. */
async function customerRequest(): Promise<PreparedRequest & { uuid: string }> {
  const uuid = uniqueUuid("AUTH");
  await putCustomer(uuid);
  return {
    uuid,
    path: `/v1/customers/${uuid}`,
    assertUntouched: async () => expect(await upstreamRequests(uuid)).toBe(0),
  };
}

describeApiKeyAuth({
  name: "GET /v1/customers/{uuid}",
  scopes: ["customers:read", "addresses:read"],
  okStatus: 200,
  prepare: customerRequest,
});

describeAdminAuth([
  {
    name: "POST /admin/keys",
    okStatus: 201,
    async prepare() {
      const name = `matrix ${uniqueUuid()}`;
      return {
        path: "/admin/keys",
        init: { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name }) },
        assertUntouched: async () => expect((await listKeys()).keys.filter((key) => key.name === name)).toEqual([]),
      };
    },
  },
  {
    name: "GET /admin/keys",
    okStatus: 200,
    prepare: async () => ({ path: "/admin/keys" }),
  },
  {
    name: "DELETE /admin/keys/{id}",
    okStatus: 204,
    async prepare() {
      const { id } = await createKey({ name: "matrix revoke target" });
      return {
        path: `/admin/keys/${id}`,
        init: { method: "DELETE" },
        assertUntouched: async () =>
          expect((await listKeys()).keys.find((key) => key.id === id)?.status).toBe("active"),
      };
    },
  },
  {
    name: "DELETE /admin/cache/customers/{uuid}",
    okStatus: 204,
    async prepare() {
      const { uuid, path } = await customerRequest();
      const { key } = await createKey();
      expect((await call(path, withKey(key))).status).toBe(200);
      return {
        path: `/admin/cache/customers/${uuid}`,
        init: { method: "DELETE" },
        assertUntouched: async () => {
          expect((await call(path, withKey(key))).headers.get("Cache-Status")).toMatch(/; hit; ttl=/);
          expect(await upstreamRequests(uuid)).toBe(1);
        },
      };
    },
  },
]);

/** An isolate of its own whose clock the test moves (its key memory, key expiry). */
function isolateWithClock() {
  const clock = manualClock();
  return { clock, app: createApp({ clock }) };
}

describe("revocation and expiry", () => {
  it("refuses a revoked key at once in this isolate although its valid record was cached", async () => {
    const { id, key } = await createKey();
    const { path } = await customerRequest();
    const apiKeys = countingKv(env.API_KEYS);
    // One app (one isolate) throughout, reading API_KEYS through the counter.
    const isolate = { vars: { API_KEYS: apiKeys.kv }, app: createApp() };
    const viaCounter = { ...withKey(key), ...isolate };

    expect((await call(path, viaCounter)).status).toBe(200);
    const readsAfterFirst = apiKeys.reads();
    expect((await call(path, viaCounter)).status).toBe(200);
    // The second request was verified from memory: this is the copy revoke must not miss.
    expect(apiKeys.reads()).toBe(readsAfterFirst);

    const revoked = await call(`/admin/keys/${id}`, { method: "DELETE", headers: adminHeaders(), ...isolate });
    expect(revoked.status).toBe(204);
    const refused = await call(path, viaCounter);
    await expectProblem(refused, 401, "unauthorized");
    expectBearerChallenge(refused);
  });

  it("sees a revocation written by another isolate once the 60 s in-memory copy has aged out", async () => {
    const { id, key } = await createKey();
    const { path } = await customerRequest();
    const { clock, app } = isolateWithClock();
    expect((await call(path, { ...withKey(key), app })).status).toBe(200);
    // What another isolate's revoke leaves behind: only the KV record changes.
    const hash = await env.API_KEYS.get(`key:id:${id}`);
    const record = JSON.parse((await env.API_KEYS.get(`key:hash:${hash}`))!);
    await env.API_KEYS.put(`key:hash:${hash}`, JSON.stringify({ ...record, revokedAt: new Date().toISOString() }));
    clock.advance(59_000);
    expect((await call(path, { ...withKey(key), app })).status).toBe(200);
    clock.advance(2_000);
    await expectProblem(await call(path, { ...withKey(key), app }), 401, "unauthorized");
  });

  it("refuses a key whose expiry passes while its record is cached", async () => {
    const { clock, app } = isolateWithClock();
    const expiresAt = clock.now() + 30_000;
    const { key } = await createKey({ expiresAt: new Date(expiresAt).toISOString() });
    const { path } = await customerRequest();
    const apiKeys = countingKv(env.API_KEYS);
    const viaCounter = { ...withKey(key), app, vars: { API_KEYS: apiKeys.kv } };
    expect((await call(path, viaCounter)).status).toBe(200);
    const reads = apiKeys.reads();

    // Inside the 60 s the record stays in memory: the refusal is decided from that copy.
    clock.set(expiresAt + 1_000);
    await expectProblem(await call(path, viaCounter), 401, "unauthorized");
    expect(apiKeys.reads()).toBe(reads);
  });

  it("keeps answering with a key until its expiry", async () => {
    const { clock, app } = isolateWithClock();
    const expiresAt = clock.now() + 60 * 60 * 1000;
    const { key } = await createKey({ expiresAt: new Date(expiresAt).toISOString() });
    const { path } = await customerRequest();
    clock.set(expiresAt - 1_000);
    expect((await call(path, { ...withKey(key), app })).status).toBe(200);
  });
});

describe("scopes", () => {
  it("gives an addresses:read key exactly uuid, name and addresses", async () => {
    const { key } = await createKey({ scopes: ["addresses:read"] });
    const { uuid, path } = await customerRequest();
    const response = await call(path, withKey(key));
    expect(response.status).toBe(200);
    expect(await json(response)).toStrictEqual({
      uuid,
      name: "Test Kunde",
      addresses: {
        billing: { street: "Storgata 1", zip: "0155", city: "Oslo", country: "NO" },
        shipping: { street: "Bryggen 2", zip: "5003", city: "Bergen", country: "NO" },
      },
    });
  });

  it("gives a key with both scopes the whole profile", async () => {
    const { key } = await createKey({ scopes: ["addresses:read", "customers:read"] });
    const { path } = await customerRequest();
    const body = await json(await call(path, withKey(key)));
    expect(Object.keys(body).sort()).toEqual([
      "addresses",
      "email",
      "name",
      "organizationId",
      "phone",
      "preferredLanguage",
      "status",
      "type",
      "uuid",
    ]);
  });

  it("refuses a key with no scopes with 403 and calls nobody", async () => {
    const { key } = await createKey({ scopes: [] });
    const request = await customerRequest();
    const response = await call(request.path, withKey(key));
    const body = await expectProblem(response, 403, "forbidden");
    expect(body.detail).toContain("customers:read");
    expect(response.headers.get("WWW-Authenticate")).toBeNull();
    await request.assertUntouched?.();
  });
});

describe("credentials on the wire", () => {
  it("challenges with WWW-Authenticate: Bearer on every 401", async () => {
    const { path } = await customerRequest();
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer nope" },
      { "X-API-Key": "nope" },
      { Authorization: "Basic Zm9vOmJhcg==" },
    ];
    for (const headers of attempts) {
      const response = await call(path, { headers });
      await expectProblem(response, 401, "unauthorized");
      expectBearerChallenge(response);
    }
  });

  // RFC 9110 §11.1: the auth scheme is case-insensitive, so `bearer` and `BEARER` are accepted.
  for (const scheme of ["bearer", "BEARER", "BeArEr"]) {
    it(`accepts the scheme written as ${scheme}`, async () => {
      const { key } = await createKey();
      const { path } = await customerRequest();
      expect((await call(path, { headers: { Authorization: `${scheme} ${key}` } })).status).toBe(200);
    });
  }

  it("refuses a malformed key without reading API_KEYS", async () => {
    const { path } = await customerRequest();
    const apiKeys = countingKv(env.API_KEYS);
    for (const presented of ["cedge_short", `cedge_${"x".repeat(200)}`, "x".repeat(8192)]) {
      await expectProblem(
        await call(path, { headers: { "X-API-Key": presented }, vars: { API_KEYS: apiKeys.kv } }),
        401,
        "unauthorized",
      );
    }
    expect(apiKeys.reads()).toBe(0);
  });

  it("reads X-API-Key when Authorization carries another scheme (a proxy's Basic credentials)", async () => {
    const { key } = await createKey();
    const { path } = await customerRequest();
    const response = await call(path, { headers: { Authorization: "Basic c3RhZ2luZzpwYXNz", "X-API-Key": key } });
    expect(response.status).toBe(200);
  });

  it("repeats neither the key nor its id in a refusal", async () => {
    const { id, key } = await createKey({ scopes: [] });
    const { path } = await customerRequest();
    const text = await (await call(path, withKey(key))).text();
    expect(text).not.toContain(key);
    expect(text).not.toContain(id);
  });
});
