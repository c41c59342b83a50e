import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { isWellFormedApiKey } from "../src/keys/key-format.ts";
import type { CreatedKey, KeyView } from "../src/keys/key-record.ts";
import { sha256Hex } from "../src/lib/crypto.ts";
import { adminHeaders, call, json, withKey } from "./helpers/app.ts";
import { countingKv, createExpiredKey, expectProblem } from "./helpers/auth-matrix.ts";
import { purgeCustomer } from "./helpers/cache.ts";
import { putCustomer, uniqueUuid } from "./helpers/emulator.ts";
import { createdKeys, createKey, listKeys, revokeKey } from "./helpers/keys.ts";

/** POST /admin/keys with a raw body, so a test can send what `createKey` would never send. */
function postKeys(body: string, headers: Record<string, string> = { "Content-Type": "application/json" }) {
  return call("/admin/keys", { method: "POST", headers: adminHeaders(headers), body });
}

/** Creates a key and registers it with the leak scan, which then looks for it in every answer. */
async function created(body: Record<string, unknown>): Promise<{ response: Response; key: CreatedKey }> {
  const response = await postKeys(JSON.stringify(body));
  const key = await json<CreatedKey>(response.clone());
  if (typeof key.key === "string") createdKeys.push({ id: key.id, key: key.key });
  return { response, key };
}

describe("POST /admin/keys", () => {
  it("answers 201 with exactly the documented fields of a new key", async () => {
    const { response, key } = await created({ name: "shape" });
    expect(response.status).toBe(201);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(Object.keys(key).sort()).toEqual([
      "allowedOrigins",
      "createdAt",
      "expiresAt",
      "id",
      "key",
      "name",
      "scopes",
    ]);
  });

  it("defaults to customers:read, any origin and no expiry", async () => {
    const { key } = await created({ name: "defaults" });
    expect(key).toMatchObject({ name: "defaults", scopes: ["customers:read"], allowedOrigins: null, expiresAt: null });
  });

  it("stamps createdAt with the time of creation", async () => {
    const before = Date.now();
    const { key } = await created({ name: "created at" });
    expect(key.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(key.createdAt)).toBeGreaterThanOrEqual(before);
  });

  it("issues a cedge_ key that passes its own checksum, and a public key_ id", async () => {
    const { key } = await created({ name: "format" });
    expect(key.key).toMatch(/^cedge_[0-9A-Za-z]{46}$/);
    expect(isWellFormedApiKey(key.key)).toBe(true);
    expect(key.id).toMatch(/^key_[0-9A-Za-z]{16}$/);
    expect(key.key).not.toContain(key.id.slice(4));
  });

  it("keeps the scopes, origins and expiry it was given, the expiry normalised to UTC", async () => {
    const { key } = await created({
      name: "  padded name  ",
      scopes: ["addresses:read"],
      allowedOrigins: ["https://shop.example", "http://localhost:5173"],
      expiresAt: "2099-06-01T12:00:00+02:00",
    });
    expect(key).toMatchObject({
      name: "padded name",
      scopes: ["addresses:read"],
      allowedOrigins: ["https://shop.example", "http://localhost:5173"],
      expiresAt: "2099-06-01T10:00:00.000Z",
    });
  });

  it("accepts an empty scope list (such a key is refused with 403 on every read)", async () => {
    const { response, key } = await created({ name: "no scopes", scopes: [] });
    expect(response.status).toBe(201);
    expect(key.scopes).toEqual([]);
  });

  it("issues a key that works at once", async () => {
    const { key } = await created({ name: "works" });
    const uuid = uniqueUuid("ADM");
    await putCustomer(uuid);
    expect((await call(`/v1/customers/${uuid}`, withKey(key.key))).status).toBe(200);
  });

  describe("refuses a bad body with 400 invalid_request naming the problem", () => {
    const long = (n: number) => "x".repeat(n);
    const cases: { name: string; body: string; headers?: Record<string, string>; detail: RegExp }[] = [
      { name: "a missing name", body: "{}", detail: /^name: is required$/ },
      { name: "an empty name", body: JSON.stringify({ name: "   " }), detail: /^name: must not be empty$/ },
      {
        name: "a name over 100 characters",
        body: JSON.stringify({ name: long(101) }),
        detail: /^name: must be at most 100 characters$/,
      },
      { name: "a name that is not a string", body: JSON.stringify({ name: 42 }), detail: /^name: must be a string$/ },
      {
        name: "an unknown scope",
        body: JSON.stringify({ name: "k", scopes: ["customers:write"] }),
        detail: /^scopes\.0: must be one of customers:read, addresses:read, tokens:issue$/,
      },
      {
        name: "scopes that are not an array",
        body: JSON.stringify({ name: "k", scopes: "customers:read" }),
        detail: /^scopes: must be an array of scopes$/,
      },
      {
        name: "a repeated scope",
        body: JSON.stringify({ name: "k", scopes: ["customers:read", "customers:read"] }),
        detail: /^scopes: must not repeat a scope$/,
      },
      {
        name: "tokens:issue without a read scope",
        body: JSON.stringify({ name: "k", scopes: ["tokens:issue"] }),
        detail: /^scopes: tokens:issue needs a read scope too \(customers:read or addresses:read\)/,
      },
      {
        name: "allowedOrigins with a path",
        body: JSON.stringify({ name: "k", allowedOrigins: ["https://shop.example/cart"] }),
        detail: /^allowedOrigins\.0: must be an origin/,
      },
      {
        name: "allowedOrigins with a trailing slash",
        body: JSON.stringify({ name: "k", allowedOrigins: ["https://shop.example/"] }),
        detail: /^allowedOrigins\.0: must be an origin/,
      },
      {
        name: "allowedOrigins that are not URLs",
        body: JSON.stringify({ name: "k", allowedOrigins: ["shop.example"] }),
        detail: /^allowedOrigins\.0: must be an origin/,
      },
      {
        name: "allowedOrigins of *",
        body: JSON.stringify({ name: "k", allowedOrigins: ["*"] }),
        detail: /^allowedOrigins\.0: must be an origin/,
      },
      {
        name: "allowedOrigins of null",
        body: JSON.stringify({ name: "k", allowedOrigins: ["null"] }),
        detail: /^allowedOrigins\.0: must be an origin/,
      },
      {
        name: "allowedOrigins with an ftp:// origin",
        body: JSON.stringify({ name: "k", allowedOrigins: ["ftp://shop.example"] }),
        detail: /^allowedOrigins\.0: must be an origin/,
      },
      {
        name: "allowedOrigins with a ws:// origin",
        body: JSON.stringify({ name: "k", allowedOrigins: ["ws://shop.example"] }),
        detail: /^allowedOrigins\.0: must be an origin/,
      },
      ...[
        ["an escape sequence", "\u001b[31mred\u001b[0m"],
        ["a line break inside", "one\r\nfake row"],
        ["a trailing line break", "name\n"],
        ["NUL", "nul\u0000byte"],
        ["a bidi override", "admin\u202etxt.exe"],
        ["a zero-width joiner", "zero\u200dwidth"],
        ["DEL", "del\u007f"],
      ].map(([what, name]) => ({
        name: `a name with ${what}`,
        body: JSON.stringify({ name }),
        detail: /^name: must not contain control or format characters/,
      })),
      {
        name: "an empty allowedOrigins list",
        body: JSON.stringify({ name: "k", allowedOrigins: [] }),
        detail: /^allowedOrigins: must list at least one origin/,
      },
      {
        name: "allowedOrigins that is a string",
        body: JSON.stringify({ name: "k", allowedOrigins: "https://shop.example" }),
        detail: /^allowedOrigins: must be an array of origins$/,
      },
      {
        name: "expiresAt in the past",
        body: JSON.stringify({ name: "k", expiresAt: "2020-01-01T00:00:00Z" }),
        detail: /^expiresAt: must be in the future/,
      },
      {
        name: "expiresAt that is not a date",
        body: JSON.stringify({ name: "k", expiresAt: "tomorrow" }),
        detail: /^expiresAt: must be an ISO-8601 date-time/,
      },
      {
        name: "expiresAt without a time zone",
        body: JSON.stringify({ name: "k", expiresAt: "2099-01-01T00:00:00" }),
        detail: /^expiresAt: must be an ISO-8601 date-time/,
      },
      {
        name: "expiresAt as a number",
        body: JSON.stringify({ name: "k", expiresAt: 4102444800000 }),
        detail: /^expiresAt: must be an ISO-8601 date-time/,
      },
      { name: "an unknown field", body: JSON.stringify({ name: "k", admin: true }), detail: /^unknown field "admin"$/ },
      {
        name: "a body that is an array",
        body: JSON.stringify([{ name: "k" }]),
        detail: /^the body must be a JSON object$/,
      },
      { name: "a body that is a string", body: JSON.stringify("k"), detail: /^the body must be a JSON object$/ },
      { name: "a JSON null body", body: "null", detail: /^the body must be a JSON object$/ },
      { name: "malformed JSON", body: '{"name": "k",', detail: /JSON/ },
      { name: "an empty body", body: "", detail: /JSON/ },
      {
        name: "a text/plain body",
        body: JSON.stringify({ name: "k" }),
        headers: { "Content-Type": "text/plain" },
        detail: /Content-Type: application\/json/,
      },
      {
        name: "a form body",
        body: "name=k",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        detail: /Content-Type: application\/json/,
      },
      {
        name: "no Content-Type",
        body: JSON.stringify({ name: "k" }),
        headers: {},
        detail: /Content-Type: application\/json/,
      },
      { name: "a body over 16 KiB", body: JSON.stringify({ name: "k", padding: long(16 * 1024) }), detail: /16 KiB/ },
    ];

    for (const { name, body, headers, detail } of cases) {
      it(name, async () => {
        const before = (await listKeys()).keys.length;
        const response = await postKeys(body, headers);
        const problem = await expectProblem(response, 400, "invalid_request");
        expect(problem.detail).toMatch(detail);
        expect((await listKeys()).keys.length).toBe(before);
      });
    }

    it("still accepts names in any script, with accents, dashes and emoji", async () => {
      const name = "Nordlys Kaffe – Tromsø ÆØÅ 東京 🍰";
      const { key } = await created({ name, allowedOrigins: ["http://localhost:8787"] });
      expect(key.name).toBe(name);
    });
  });
});

describe("GET /admin/keys", () => {
  it("lists a key's record without the key or its hash anywhere in the answer", async () => {
    const created = await createKey({
      name: "listed",
      scopes: ["addresses:read"],
      allowedOrigins: ["https://shop.example"],
    });
    const { response, text, keys } = await listKeys();
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(created.key.slice(6, 38)); // the secret part on its own
    expect(text.toLowerCase()).not.toContain(await sha256Hex(created.key));
    const view = keys.find((key) => key.id === created.id);
    expect(view).toStrictEqual({
      id: created.id,
      name: "listed",
      scopes: ["addresses:read"],
      allowedOrigins: ["https://shop.example"],
      createdAt: expect.any(String),
      expiresAt: null,
      revokedAt: null,
      status: "active",
    });
  });

  it("shows a revoked key as revoked, with the time of revocation", async () => {
    const { id } = await createKey({ name: "to revoke" });
    const before = Date.now();
    expect((await revokeKey(id)).status).toBe(204);
    const view = (await listKeys()).keys.find((key) => key.id === id);
    expect(view?.status).toBe("revoked");
    expect(Date.parse(view?.revokedAt ?? "")).toBeGreaterThanOrEqual(before);
  });

  it("shows an expired key as expired", async () => {
    const { id, later } = await createExpiredKey({ name: "expired" });
    expect((await listKeys()).keys.find((key) => key.id === id)?.status).toBe("active");
    expect((await listKeys({ app: later })).keys.find((key) => key.id === id)?.status).toBe("expired");
  });

  it("lists keys without one KV read per key", async () => {
    for (let i = 0; i < 5; i++) await createKey({ name: `bulk ${i}` });
    const counting = countingKv(env.API_KEYS);
    const response = await call("/admin/keys", { headers: adminHeaders(), vars: { API_KEYS: counting.kv } });
    const { keys } = await json<{ keys: KeyView[] }>(response);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    // Test files share one KV: what the whole suite stored costs one list call per 1,000 keys,
    // plus one read for each record too big to ride in its metadata, and nothing per key.
    let expected = 0;
    let cursor: string | undefined;
    do {
      const page = await env.API_KEYS.list<{ record?: unknown }>({ prefix: "key:id:", cursor });
      expected += 1 + page.keys.filter((entry) => entry.metadata?.record === undefined).length;
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    expect(counting.reads()).toBe(expected);
    expect(expected).toBeLessThan(keys.length);
  });

  it("still lists a key whose record is too big to ride along in KV metadata", async () => {
    const allowedOrigins = Array.from(
      { length: 50 },
      (_, i) => `https://shop-${i}.storefront-with-a-long-name.example`,
    );
    const { id } = await createKey({ name: "many origins", allowedOrigins });
    const view = (await listKeys()).keys.find((key) => key.id === id);
    expect(view?.allowedOrigins).toEqual(allowedOrigins);
    await revokeKey(id);
    expect((await listKeys()).keys.find((key) => key.id === id)?.status).toBe("revoked");
  });
});

describe("DELETE /admin/keys/{id}", () => {
  it("revokes the key: 204 with no body, and the key stops working", async () => {
    const { id, key } = await createKey();
    const uuid = uniqueUuid("ADM");
    await putCustomer(uuid);
    const response = await revokeKey(id);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    await expectProblem(await call(`/v1/customers/${uuid}`, withKey(key)), 401, "unauthorized");
  });

  it("keeps the first revocation time when revoked twice", async () => {
    const { id } = await createKey();
    expect((await revokeKey(id)).status).toBe(204);
    const first = (await listKeys()).keys.find((key) => key.id === id)?.revokedAt;
    expect((await revokeKey(id)).status).toBe(204);
    expect((await listKeys()).keys.find((key) => key.id === id)?.revokedAt).toBe(first);
  });

  it("answers 404 not_found for an unknown id", async () => {
    await expectProblem(await revokeKey("key_0000000000000000"), 404, "not_found");
  });

  it("answers 404 not_found for an id that cannot be a key id, long ones included", async () => {
    for (const id of ["nope", "key_", "key_%2e%2e", "x".repeat(600)]) {
      await expectProblem(await revokeKey(id), 404, "not_found");
    }
  });

  it("answers 404 not_found when given the key instead of its id", async () => {
    const { key } = await createKey();
    await expectProblem(await revokeKey(key), 404, "not_found");
  });
});

describe("DELETE /admin/cache/customers/{uuid}", () => {
  // What a purge does to the cache is tested in cache.test.ts; this is the Admin API's side.
  it("answers 204 with no body, whether or not the customer was cached", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid("ADM");
    await putCustomer(uuid);
    expect((await call(`/v1/customers/${uuid}`, withKey(key))).status).toBe(200);
    for (const target of [uuid, uniqueUuid("ADM")]) {
      const response = await purgeCustomer(target);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe("");
    }
  });

  it("refuses an invalid uuid with 400 invalid_customer_uuid", async () => {
    for (const uuid of ["a%2Fb", "a/b", "", "a.b", "x".repeat(65), "%C3%A6"]) {
      await expectProblem(await purgeCustomer(uuid), 400, "invalid_customer_uuid");
    }
    // Without the trailing slash too: an empty id, as on the read route.
    const bare = await call("/admin/cache/customers", { method: "DELETE", headers: adminHeaders() });
    await expectProblem(bare, 400, "invalid_customer_uuid");
  });

  it("answers another method on a purge path with 405 and Allow: DELETE", async () => {
    const response = await call(`/admin/cache/customers/${uniqueUuid("ADM")}`, { headers: adminHeaders() });
    await expectProblem(response, 405, "method_not_allowed");
    expect(response.headers.get("Allow")).toBe("DELETE");
  });
});

describe("admin routes and methods", () => {
  it("answers 405 with Allow for a known admin path and the wrong method", async () => {
    const response = await call("/admin/keys", { method: "PUT", headers: adminHeaders() });
    await expectProblem(response, 405, "method_not_allowed");
    expect(response.headers.get("Allow")?.split(", ").sort()).toEqual(["GET", "HEAD", "POST"]);
  });

  it("answers 404 not_found for an unknown admin path, once the token is good", async () => {
    await expectProblem(await call("/admin/nothing-here", { headers: adminHeaders() }), 404, "not_found");
  });
});
