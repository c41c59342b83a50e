import { afterAll, describe, expect, it } from "vitest";
import { adminHeaders, call } from "./helpers/app.ts";
import { expectBearerChallenge, expectProblem } from "./helpers/auth-matrix.ts";
import { emulatorStats, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/*
 * A battery of hostile requests, one row each: what is sent, and the status and code that must
 * come back. Requests go through `new Request(url)`, so the WHATWG URL parser runs first, as the
 * Workers runtime's does on a real request: it resolves `..` and `%2e%2e` segments, turns `\`
 * into `/`, drops tabs and newlines and the fragment, and percent-encodes spaces, controls and
 * non-ASCII. A row whose id is normalised away says so; docs/api.md#customer-answers allows 404 not_found there.
 *
 * Every id carries this file's marker, so the emulator's own record (which other files share)
 * shows whether any of them reached Frontpayment: invalid ones never may.
 */
const MARK = uniqueUuid("HOSTILE");
let rowCounter = 0;

interface Context {
  /** A fresh, valid, unique customer id containing MARK (no customer exists for it). */
  id: string;
  /** A new key with customers:read. */
  key(): Promise<string>;
}

interface Row {
  name: string;
  request(context: Context): Promise<{ path: string; init?: RequestInit }> | { path: string; init?: RequestInit };
  status: number;
  code: string;
  /** Set when the id that reaches the route is valid: it goes upstream, unknown there (404). */
  reachesUpstream?: true;
  /** The Allow header a 405 must carry. */
  allow?: string;
}

const get = async (context: Context, path: string, headers: Record<string, string> = {}) => ({
  path,
  init: { headers: { Authorization: `Bearer ${await context.key()}`, ...headers } },
});
const customer = (suffix: string) => async (context: Context) =>
  get(context, `/v1/customers/${suffix.replaceAll("ID", context.id)}`);
const postKey =
  (body: string, contentType = "application/json") =>
  () => ({
    path: "/admin/keys",
    init: { method: "POST", headers: adminHeaders({ "Content-Type": contentType }), body },
  });

const BAD_UUID = { status: 400, code: "invalid_customer_uuid" } as const;
const NO_ROUTE = { status: 404, code: "not_found" } as const;
const UNKNOWN_CUSTOMER = { status: 404, code: "customer_not_found", reachesUpstream: true } as const;
const UNAUTHORIZED = { status: 401, code: "unauthorized" } as const;
const BAD_BODY = { status: 400, code: "invalid_request" } as const;

const rows: Row[] = [
  // Path traversal, in every spelling.
  { name: "plain .. (normalised to /v1/)", request: customer(".."), ...NO_ROUTE },
  { name: "%2e%2e (a dot segment to the URL parser, normalised to /v1/)", request: customer("%2e%2e"), ...NO_ROUTE },
  { name: "%2E%2E uppercase (normalised to /v1/)", request: customer("%2E%2E"), ...NO_ROUTE },
  { name: "%2e%2e/ID climbing out of /v1/customers (lands on /v1/ID)", request: customer("%2e%2e/ID"), ...NO_ROUTE },
  { name: "ID/.. (normalised to an empty id)", request: customer("ID/.."), ...BAD_UUID },
  { name: "ID/. (normalised to ID/, a trailing slash)", request: customer("ID/."), ...BAD_UUID },
  { name: "%2E%2E%2F (an escaped slash is no dot segment)", request: customer("%2E%2E%2FID"), ...BAD_UUID },
  { name: "..%2F", request: customer("..%2FID"), ...BAD_UUID },
  { name: "%2F inside the id", request: customer("ID%2Fadmin"), ...BAD_UUID },
  { name: "%2f lowercase", request: customer("ID%2f..%2f..%2fetc"), ...BAD_UUID },
  { name: "%252F double encoding", request: customer("ID%252F..%252Fadmin"), ...BAD_UUID },
  { name: "%252e%252e double-encoded dots", request: customer("%252e%252eID"), ...BAD_UUID },
  { name: "%5C backslash", request: customer("..%5CID"), ...BAD_UUID },
  { name: "raw backslash (the URL parser makes it a slash)", request: customer("ID\\ID"), ...BAD_UUID },
  { name: "a literal slash", request: customer("ID/ID"), ...BAD_UUID },
  { name: "a trailing slash", request: customer("ID/"), ...BAD_UUID },
  // NUL, control characters, whitespace.
  { name: "%00 NUL", request: customer("ID%00"), ...BAD_UUID },
  { name: "%0d%0a CRLF (header injection)", request: customer("ID%0d%0aX-Injected:%201"), ...BAD_UUID },
  {
    name: "raw U+0001 control character (percent-encoded by the URL parser)",
    request: customer("ID\u00019"),
    ...BAD_UUID,
  },
  {
    name: "trailing raw U+0001 (the URL parser strips it: the id is valid)",
    request: customer("ID\u0001"),
    ...UNKNOWN_CUSTOMER,
  },
  { name: "raw DEL U+007F", request: customer("ID\u007f"), ...BAD_UUID },
  { name: "raw tab (the URL parser drops it: the id is valid)", request: customer("ID\t9"), ...UNKNOWN_CUSTOMER },
  { name: "raw newline (dropped too)", request: customer("ID\n9"), ...UNKNOWN_CUSTOMER },
  { name: "a raw space", request: customer("ID ID"), ...BAD_UUID },
  { name: "%20", request: customer("ID%20"), ...BAD_UUID },
  { name: "+", request: customer("ID+ID"), ...BAD_UUID },
  // Look-alikes and escapes of allowed characters.
  { name: "Cyrillic С for Latin C", request: customer("\u0421ID"), ...BAD_UUID },
  { name: "fullwidth digits", request: customer("ID\uff11\uff12\uff13"), ...BAD_UUID },
  { name: "UTF-8 escape %C3%A6", request: customer("ID%C3%A6"), ...BAD_UUID },
  { name: "zero-width space", request: customer("ID\u200b"), ...BAD_UUID },
  { name: "%41, an escaped letter (escapes are refused, not decoded)", request: customer("%41ID"), ...BAD_UUID },
  { name: ". in the id", request: customer("ID.json"), ...BAD_UUID },
  { name: "@ and a host", request: customer("ID@evil.example"), ...BAD_UUID },
  // Length.
  { name: "65 characters", request: (c) => customer(c.id.padEnd(65, "9"))(c), ...BAD_UUID },
  { name: "1,000 characters", request: (c) => customer(c.id.padEnd(1_000, "9"))(c), ...BAD_UUID },
  {
    name: "exactly 64 characters (valid: Frontpayment answers its 404)",
    request: (c) => customer(c.id.padEnd(64, "9"))(c),
    ...UNKNOWN_CUSTOMER,
  },
  { name: "an empty id", request: customer(""), ...BAD_UUID },
  // `/v1/customers/*` matches the bare path too, so a missing id is a bad id rather than no route.
  { name: "no id and no slash", request: (c) => get(c, "/v1/customers"), ...BAD_UUID },
  // Query, fragment, matrix parameters.
  {
    name: "? after the id (the query is not part of the id)",
    request: customer("ID?uuid=..%2F..%2F"),
    ...UNKNOWN_CUSTOMER,
  },
  { name: "? as the whole id", request: customer("?ID"), ...BAD_UUID },
  { name: "# after the id (the fragment is never sent)", request: customer("ID#..%2F"), ...UNKNOWN_CUSTOMER },
  { name: "# as the whole id", request: customer("#ID"), ...BAD_UUID },
  { name: "; matrix parameter", request: customer("ID;jsessionid=1"), ...BAD_UUID },
  { name: "%3F", request: customer("ID%3Fx=1"), ...BAD_UUID },
  { name: "%23", request: customer("ID%23x"), ...BAD_UUID },
  { name: "%3B", request: customer("ID%3Bx"), ...BAD_UUID },
  // Credentials in odd places and odd sizes.
  {
    name: "an 8 KB Authorization header",
    request: (c) => ({
      path: `/v1/customers/${c.id}`,
      init: { headers: { Authorization: `Bearer ${"a".repeat(8 * 1024)}` } },
    }),
    ...UNAUTHORIZED,
  },
  {
    name: "a 100 KB X-API-Key header",
    request: (c) => ({ path: `/v1/customers/${c.id}`, init: { headers: { "X-API-Key": "k".repeat(100 * 1024) } } }),
    ...UNAUTHORIZED,
  },
  {
    name: "the key in ?api_key=",
    request: async (c) => ({ path: `/v1/customers/${c.id}?api_key=${await c.key()}` }),
    ...UNAUTHORIZED,
  },
  {
    name: "the key in ?key=",
    request: async (c) => ({ path: `/v1/customers/${c.id}?key=${await c.key()}` }),
    ...UNAUTHORIZED,
  },
  {
    name: "the key in ?apikey=",
    request: async (c) => ({ path: `/v1/customers/${c.id}?apikey=${await c.key()}` }),
    ...UNAUTHORIZED,
  },
  {
    name: "two different valid keys in the two headers",
    request: async (c) => ({
      path: `/v1/customers/${c.id}`,
      init: { headers: { Authorization: `Bearer ${await c.key()}`, "X-API-Key": await c.key() } },
    }),
    ...UNAUTHORIZED,
  },
  {
    name: "Bearer without a key",
    request: (c) => ({ path: `/v1/customers/${c.id}`, init: { headers: { Authorization: "Bearer" } } }),
    ...UNAUTHORIZED,
  },
  {
    name: "Bearer and spaces only",
    request: (c) => ({ path: `/v1/customers/${c.id}`, init: { headers: { Authorization: "Bearer    " } } }),
    ...UNAUTHORIZED,
  },
  {
    name: "the key with no scheme",
    request: async (c) => ({ path: `/v1/customers/${c.id}`, init: { headers: { Authorization: await c.key() } } }),
    ...UNAUTHORIZED,
  },
  {
    name: "the key with its scheme in X-API-Key",
    request: async (c) => ({
      path: `/v1/customers/${c.id}`,
      init: { headers: { "X-API-Key": `Bearer ${await c.key()}` } },
    }),
    ...UNAUTHORIZED,
  },
  // Decision: RFC 9110 §11.1 makes the scheme case-insensitive, so `bearer` is a valid credential.
  {
    name: "lowercase bearer (accepted: schemes are case-insensitive)",
    request: async (c) => ({
      path: `/v1/customers/${c.id}`,
      init: { headers: { Authorization: `bearer ${await c.key()}` } },
    }),
    ...UNKNOWN_CUSTOMER,
  },
  // Admin bodies.
  { name: "admin body: malformed JSON", request: postKey('{"name":'), ...BAD_BODY },
  { name: "admin body: name of the wrong type", request: postKey(JSON.stringify({ name: ["k"] })), ...BAD_BODY },
  {
    name: "admin body: an unknown scope",
    request: postKey(JSON.stringify({ name: "k", scopes: ["admin"] })),
    ...BAD_BODY,
  },
  {
    name: "admin body: expiresAt in the past",
    request: postKey(JSON.stringify({ name: "k", expiresAt: "2000-01-01T00:00:00Z" })),
    ...BAD_BODY,
  },
  {
    name: "admin body: expiresAt tomorrow",
    request: postKey(JSON.stringify({ name: "k", expiresAt: "tomorrow" })),
    ...BAD_BODY,
  },
  {
    name: "admin body: a __proto__ field",
    request: postKey('{"name":"k","__proto__":{"scopes":["addresses:read"]}}'),
    ...BAD_BODY,
  },
  {
    name: "admin body: a javascript: origin",
    request: postKey(JSON.stringify({ name: "k", allowedOrigins: ["javascript:alert(1)"] })),
    ...BAD_BODY,
  },
  {
    name: "admin body: JSON sent as text/plain",
    request: postKey(JSON.stringify({ name: "k" }), "text/plain"),
    ...BAD_BODY,
  },
  {
    name: "admin: a key id longer than KV allows",
    request: () => ({
      path: `/admin/keys/key_${"x".repeat(600)}`,
      init: { method: "DELETE", headers: adminHeaders() },
    }),
    ...NO_ROUTE,
  },
  // Wrong methods (OPTIONS is the CORS preflight, tested in cors.test.ts).
  ...(["POST", "PUT", "DELETE", "PATCH"] as const).map((method) => ({
    name: `${method} on a customer`,
    request: (c: Context) => ({
      path: `/v1/customers/${c.id}`,
      init: { method, body: method === "DELETE" ? null : "{}" },
    }),
    status: 405,
    code: "method_not_allowed",
    allow: "GET, HEAD",
  })),
  // Unknown routes.
  { name: "/", request: () => ({ path: "/" }), ...NO_ROUTE },
  { name: "/v2/customers/ID", request: customer("../../v2/customers/ID"), ...NO_ROUTE },
  { name: "/v1/customer/ID (singular)", request: (c) => get(c, `/v1/customer/${c.id}`), ...NO_ROUTE },
  { name: "/V1/customers/ID (paths are case-sensitive)", request: (c) => get(c, `/V1/customers/${c.id}`), ...NO_ROUTE },
  { name: "//v1 with an empty segment", request: (c) => get(c, `/v1//customers/${c.id}`), ...NO_ROUTE },
  { name: "/.env", request: () => ({ path: "/.env" }), ...NO_ROUTE },
  { name: "/v1/customers/ID/addresses (no sub-resources)", request: customer("ID/addresses"), ...BAD_UUID },
];

/** Every id handed out, and the ones expected to reach the emulator. */
const ids: { id: string; row: Row }[] = [];

describe("hostile inputs", () => {
  it("has at least 45 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(45);
  });

  for (const row of rows) {
    it(`${row.name} → ${row.status} ${row.code}`, async () => {
      // The closing X keeps one row's id from being a prefix of another's (R1X, R10X).
      const id = `${MARK}R${++rowCounter}X`;
      ids.push({ id, row });
      const context: Context = { id, key: async () => (await createKey({ name: "hostile" })).key };
      const { path, init } = await row.request(context);
      const response = await call(path, init);

      await expectProblem(response, row.status, row.code);
      if (row.status === 401) expectBearerChallenge(response);
      if (row.allow) expect(response.headers.get("Allow")).toBe(row.allow);
      expect(response.headers.get("X-Request-Id")).toBeTruthy();

      const stats = await emulatorStats();
      expect(stats.invalidIds.filter((seen) => seen.includes(id))).toEqual([]);
      if (!row.reachesUpstream) expect(await upstreamRequests(id)).toBe(0);
    });
  }
});

afterAll(async () => {
  // The whole file at once, against the emulator's record of every invalid id it was sent.
  const stats = await emulatorStats();
  expect(stats.invalidIds.filter((seen) => seen.includes(MARK))).toEqual([]);
  const mayReach = new Set(ids.filter(({ row }) => row.reachesUpstream).map(({ id }) => id));
  const reached = Object.keys(stats.byUuid).filter((uuid) => uuid.includes(MARK));
  for (const uuid of reached) expect([...mayReach].some((id) => uuid.startsWith(id))).toBe(true);
});
