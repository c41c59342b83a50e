import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { isWellFormedApiKey } from "../../src/keys/key-format.ts";
import { manualClock } from "../../src/lib/clock.ts";
import { SCOPES, type Scope } from "../../src/lib/scopes.ts";
import { TEST_ADMIN_TOKEN } from "../support/constants.ts";
import { type CallOptions, call } from "./app.ts";
import { createKey, madeUpKey, revokeKey, storeKeyRecord, taggedButNeverIssuedKey } from "./keys.ts";

/*
 * The auth matrix, in the manner of Unkey's `src/pkg/testutil/common-tests.ts`: describe a
 * protected route once and get every way a caller can fail to authenticate as its own test.
 * Each case builds its own request (a new customer, a new key), so cases share no state.
 */

/** A request to send: `init` carries the method and body; the matrix adds the credentials. */
export interface PreparedRequest {
  path: string;
  init?: RequestInit;
  /**
   * Called after a refusal: asserts the request did no work (no upstream call, no key revoked,
   * ...). Optional, for routes whose refusal has nothing to observe.
   */
  assertUntouched?: () => Promise<void>;
}

export interface ApiKeyRoute {
  /** For the test names, e.g. "GET /v1/customers/{uuid}". */
  name: string;
  /** Any one of these scopes is enough. */
  scopes: readonly Scope[];
  /** What an authorised caller gets (the positive control that shows refusals mean something). */
  okStatus: number;
  prepare(): Promise<PreparedRequest>;
}

export interface AdminRoute {
  name: string;
  okStatus: number;
  prepare(): Promise<PreparedRequest>;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
}

/** Asserts an RFC 9457 answer with this status and code; returns the body for more checks. */
export async function expectProblem(response: Response, status: number, code: string): Promise<ProblemBody> {
  const text = await response.clone().text();
  expect({ status: response.status, body: text.slice(0, 300) }).toMatchObject({ status });
  expect(response.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as ProblemBody;
  expect(body).toMatchObject({ status, code });
  return body;
}

/** 401s challenge for a Bearer credential (docs/api.md#errors, RFC 9110 §11.6.1). */
export function expectBearerChallenge(response: Response): void {
  expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
}

/** Sends `request` with extra headers (credentials) and a query added to its path. */
export function send(
  request: PreparedRequest,
  headers: Record<string, string> | [string, string][] = {},
  options: { query?: string; vars?: CallOptions["vars"]; app?: CallOptions["app"] } = {},
): Promise<Response> {
  const merged = new Headers(request.init?.headers);
  for (const [name, value] of Array.isArray(headers) ? headers : Object.entries(headers)) merged.append(name, value);
  const path = options.query
    ? `${request.path}${request.path.includes("?") ? "&" : "?"}${options.query}`
    : request.path;
  const { vars, app } = options;
  return call(path, { ...request.init, headers: merged, ...(vars && { vars }), ...(app && { app }) });
}

/**
 * A key as an isolate sees it once the key has expired. The admin API refuses an `expiresAt` in
 * the past, so the key expires a minute from now, and `later` is an app (an isolate of its own)
 * whose injected clock reads a second past that: nothing sleeps and nothing fakes Date.
 */
export async function createExpiredKey(body: Parameters<typeof createKey>[0] = {}) {
  const clock = manualClock();
  const expiresAt = clock.now() + 60_000;
  const created = await createKey({ ...body, expiresAt: new Date(expiresAt).toISOString() });
  clock.set(expiresAt + 1_000);
  return { ...created, later: createApp({ clock }) };
}

/** A key with the right format and a checksum that does not match its secret. */
export function withWrongChecksum(key: string): string {
  const last = key.at(-1) === "A" ? "B" : "A";
  const forged = key.slice(0, -1) + last;
  expect(isWellFormedApiKey(forged)).toBe(false);
  return forged;
}

/** Registers the API-key auth matrix for `route` as a `describe` block. */
export function describeApiKeyAuth(route: ApiKeyRoute): void {
  const otherScopes = SCOPES.filter((scope) => !route.scopes.includes(scope));

  async function expectUnauthorized(request: PreparedRequest, response: Response) {
    await expectProblem(response, 401, "unauthorized");
    expectBearerChallenge(response);
    await request.assertUntouched?.();
  }

  describe(`API key auth of ${route.name}`, () => {
    for (const scope of route.scopes) {
      it(`accepts a key with only the ${scope} scope as Authorization: Bearer`, async () => {
        const { key } = await createKey({ scopes: [scope] });
        const response = await send(await route.prepare(), { Authorization: `Bearer ${key}` });
        expect(response.status).toBe(route.okStatus);
      });
    }

    it("accepts a key as X-API-Key", async () => {
      const { key } = await createKey({ scopes: [...route.scopes] });
      const response = await send(await route.prepare(), { "X-API-Key": key });
      expect(response.status).toBe(route.okStatus);
    });

    it("accepts the same key sent in both headers", async () => {
      const { key } = await createKey({ scopes: [...route.scopes] });
      const response = await send(await route.prepare(), { Authorization: `Bearer ${key}`, "X-API-Key": key });
      expect(response.status).toBe(route.okStatus);
    });

    it("refuses a request without a key", async () => {
      const request = await route.prepare();
      await expectUnauthorized(request, await send(request));
    });

    for (const malformed of [
      "not-a-key",
      "cedge_",
      "cedge_tooShort",
      `CEDGE_${"A".repeat(38)}`,
      `cedge_${"-".repeat(38)}`,
    ]) {
      it(`refuses a malformed key (${malformed.slice(0, 16)}...)`, async () => {
        const request = await route.prepare();
        await expectUnauthorized(request, await send(request, { Authorization: `Bearer ${malformed}` }));
      });
    }

    it("refuses a well-formed key whose checksum does not match", async () => {
      const { key } = await createKey({ scopes: [...route.scopes] });
      const request = await route.prepare();
      await expectUnauthorized(request, await send(request, { Authorization: `Bearer ${withWrongChecksum(key)}` }));
    });

    it("refuses a made-up key with a valid public checksum", async () => {
      const request = await route.prepare();
      await expectUnauthorized(request, await send(request, { Authorization: `Bearer ${await madeUpKey()}` }));
    });

    it("refuses a key with this deployment's tag that was never issued", async () => {
      const request = await route.prepare();
      const key = await taggedButNeverIssuedKey();
      await expectUnauthorized(request, await send(request, { Authorization: `Bearer ${key}` }));
    });

    it("refuses a revoked key", async () => {
      const { id, key } = await createKey({ scopes: [...route.scopes] });
      expect((await revokeKey(id)).status).toBe(204);
      const request = await route.prepare();
      await expectUnauthorized(request, await send(request, { Authorization: `Bearer ${key}` }));
    });

    it("refuses an expired key", async () => {
      const { key, later } = await createExpiredKey({ scopes: [...route.scopes] });
      // Still good now: only the later clock makes it fail.
      expect((await send(await route.prepare(), { Authorization: `Bearer ${key}` })).status).toBe(route.okStatus);
      const request = await route.prepare();
      await expectUnauthorized(request, await send(request, { Authorization: `Bearer ${key}` }, { app: later }));
    });

    it(`refuses a key without ${route.scopes.join(" or ")} with 403`, async () => {
      // tokens:issue alone can no longer be created, but a record stored before that rule can exist.
      const readless = otherScopes.every((scope) => scope === "tokens:issue");
      const { key } = readless ? await storeKeyRecord(otherScopes) : await createKey({ scopes: otherScopes });
      const request = await route.prepare();
      const response = await send(request, { Authorization: `Bearer ${key}` });
      await expectProblem(response, 403, "forbidden");
      await request.assertUntouched?.();
    });

    for (const parameter of ["api_key", "key", "apikey", "access_token", "token"]) {
      it(`refuses a key sent only in the query string (?${parameter}=)`, async () => {
        const { key } = await createKey({ scopes: [...route.scopes] });
        const request = await route.prepare();
        await expectUnauthorized(request, await send(request, {}, { query: `${parameter}=${key}` }));
      });
    }

    it("refuses two different valid keys sent in the two headers", async () => {
      const [first, second] = [
        await createKey({ scopes: [...route.scopes] }),
        await createKey({ scopes: [...route.scopes] }),
      ];
      const request = await route.prepare();
      const response = await send(request, { Authorization: `Bearer ${first.key}`, "X-API-Key": second.key });
      await expectUnauthorized(request, response);
    });

    it("refuses two Authorization headers carrying two keys", async () => {
      const [first, second] = [
        await createKey({ scopes: [...route.scopes] }),
        await createKey({ scopes: [...route.scopes] }),
      ];
      const request = await route.prepare();
      const response = await send(request, [
        ["Authorization", `Bearer ${first.key}`],
        ["Authorization", `Bearer ${second.key}`],
      ]);
      await expectUnauthorized(request, response);
    });

    for (const scheme of ["Basic", "Token", "ApiKey"]) {
      it(`refuses a valid key under the ${scheme} scheme`, async () => {
        const { key } = await createKey({ scopes: [...route.scopes] });
        const request = await route.prepare();
        await expectUnauthorized(request, await send(request, { Authorization: `${scheme} ${key}` }));
      });
    }
  });
}

/** Registers the admin-token matrix for every admin route as one `describe` block. */
export function describeAdminAuth(routes: readonly AdminRoute[]): void {
  async function expectRefused(request: PreparedRequest, response: Response) {
    await expectProblem(response, 401, "unauthorized");
    expectBearerChallenge(response);
    await request.assertUntouched?.();
  }

  describe("admin token auth", () => {
    for (const route of routes) {
      describe(route.name, () => {
        it("answers with the admin token", async () => {
          const response = await send(await route.prepare(), { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
          expect(response.status).toBe(route.okStatus);
        });

        it("refuses a request without a token", async () => {
          const request = await route.prepare();
          await expectRefused(request, await send(request));
        });

        it("refuses a wrong token", async () => {
          const request = await route.prepare();
          await expectRefused(request, await send(request, { Authorization: `Bearer ${TEST_ADMIN_TOKEN}x` }));
        });

        it("refuses a prefix of the token", async () => {
          const request = await route.prepare();
          await expectRefused(
            request,
            await send(request, { Authorization: `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}` }),
          );
        });

        it("refuses the token under another scheme", async () => {
          const request = await route.prepare();
          const basic = btoa(`admin:${TEST_ADMIN_TOKEN}`);
          await expectRefused(request, await send(request, { Authorization: `Basic ${basic}` }));
          await expectRefused(request, await send(request, { Authorization: `Token ${TEST_ADMIN_TOKEN}` }));
        });

        it("refuses the token in X-API-Key or the query string", async () => {
          const request = await route.prepare();
          await expectRefused(request, await send(request, { "X-API-Key": TEST_ADMIN_TOKEN }));
          await expectRefused(request, await send(request, {}, { query: `token=${TEST_ADMIN_TOKEN}` }));
        });

        it("refuses a valid API key in place of the admin token", async () => {
          const { key } = await createKey({ scopes: [...SCOPES] });
          const request = await route.prepare();
          await expectRefused(request, await send(request, { Authorization: `Bearer ${key}` }));
        });

        it("refuses even the right token when ADMIN_TOKEN is unset", async () => {
          const request = await route.prepare();
          const response = await send(
            request,
            { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
            { vars: { ADMIN_TOKEN: undefined } },
          );
          await expectRefused(request, response);
        });

        it("refuses an empty token when ADMIN_TOKEN is empty", async () => {
          const request = await route.prepare();
          const response = await send(request, { Authorization: "Bearer " }, { vars: { ADMIN_TOKEN: "" } });
          await expectRefused(request, response);
        });

        it("uses the ADMIN_TOKEN of the environment it runs in", async () => {
          // The positive control for the two cases above: `vars` really replaces the secret.
          const response = await send(
            await route.prepare(),
            { Authorization: "Bearer rotated-admin-token" },
            {
              vars: { ADMIN_TOKEN: "rotated-admin-token" },
            },
          );
          expect(response.status).toBe(route.okStatus);
        });
      });
    }
  });
}

/**
 * The real KV binding behind a wrapper that counts reads, passed to the Worker through
 * `call(..., { vars: { API_KEYS } })`. It stands in for nothing: every call reaches local KV.
 */
export function countingKv(kv: KVNamespace): { kv: KVNamespace; reads: () => number } {
  let reads = 0;
  const counted = {
    get: (...args: unknown[]) => {
      reads++;
      return (kv.get as (...a: unknown[]) => unknown)(...args);
    },
    getWithMetadata: (...args: unknown[]) => {
      reads++;
      return (kv.getWithMetadata as (...a: unknown[]) => unknown)(...args);
    },
    list: (...args: unknown[]) => {
      reads++;
      return (kv.list as (...a: unknown[]) => unknown)(...args);
    },
    put: kv.put.bind(kv),
    delete: kv.delete.bind(kv),
  };
  return { kv: counted as unknown as KVNamespace, reads: () => reads };
}
