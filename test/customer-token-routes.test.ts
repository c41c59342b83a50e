import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { manualClock } from "../src/lib/clock.ts";
import { issueEdgeToken } from "../src/tokens/edge-tokens.ts";
import { call, json, withKey } from "./helpers/app.ts";
import { expectProblem } from "./helpers/auth-matrix.ts";
import { issueToken, remember, requestToken, withToken } from "./helpers/customer-tokens.ts";
import { putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { IDP_AUDIENCE, type IdpAlg, newIdentityProvider } from "./helpers/identity-provider-client.ts";
import { createKey, revokeKey } from "./helpers/keys.ts";
import { expectLogged } from "./helpers/logs.ts";
import { headerOf, payloadOf, signHs256, withPayload } from "./helpers/raw-jwt.ts";
import { TEST_TOKEN_SIGNING_SECRET } from "./support/constants.ts";

const issuerKey = () => createKey({ name: "storefront server", scopes: ["customers:read", "tokens:issue"] });

async function customer(): Promise<string> {
  const uuid = uniqueUuid("TK");
  await putCustomer(uuid);
  return uuid;
}

/** A customer with an edge token for it and an API key that reads any customer. */
async function tokenAndReader() {
  const { key } = await issuerKey();
  const reader = await createKey({ scopes: ["customers:read"] });
  const uuid = await customer();
  const { token } = await issueToken(key, { customerUuid: uuid });
  return { reader, uuid, token };
}

describe("POST /v1/customer-tokens", () => {
  it("issues an HS256 token bound to the customer, shown once, with no upstream call", async () => {
    const { id, key } = await issuerKey();
    const uuid = await customer();
    const before = Date.now();
    const response = await requestToken(key, { customerUuid: uuid, scopes: ["customers:read"], ttlSeconds: 600 });
    expect(response.status).toBe(201);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(["customerUuid", "expiresAt", "scopes", "token", "tokenType"]);
    expect(body).toMatchObject({ tokenType: "Bearer", customerUuid: uuid, scopes: ["customers:read"] });
    const token = body.token as string;
    expect(headerOf(token)).toMatchObject({ alg: "HS256", kid: expect.any(String) });
    const claims = payloadOf(token);
    expect(claims).toMatchObject({ sub: uuid, scope: "customers:read", azp: id, jti: expect.any(String) });
    expect(claims.exp).toBe((claims.iat as number) + 600);
    expect(Date.parse(body.expiresAt as string)).toBe((claims.exp as number) * 1000);
    expect((claims.iat as number) * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(await upstreamRequests(uuid)).toBe(0);
    expect(await env.CACHE.get(`customer:v1:${uuid}`)).toBeNull();
  });

  it("defaults to the addresses:read scope for 900 seconds", async () => {
    const { key } = await issuerKey();
    const body = await issueToken(key, { customerUuid: "CSRT1" });
    expect(body.scopes).toEqual(["addresses:read"]);
    const claims = payloadOf(body.token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
  });

  it.each([
    [{ customerUuid: "bad-uuid" }, /^customerUuid: /],
    [{}, /^customerUuid: is required$/],
    [{ customerUuid: "C1", scopes: [] }, /^scopes: /],
    [{ customerUuid: "C1", scopes: ["tokens:issue"] }, /^scopes\.0: must be one of customers:read, addresses:read$/],
    [{ customerUuid: "C1", scopes: ["addresses:read", "addresses:read"] }, /^scopes: must not repeat/],
    [{ customerUuid: "C1", ttlSeconds: 59 }, /^ttlSeconds: must be at least 60$/],
    [{ customerUuid: "C1", ttlSeconds: 3601 }, /^ttlSeconds: must be at most 3600$/],
    [{ customerUuid: "C1", ttlSeconds: 90.5 }, /^ttlSeconds: must be a whole number$/],
    [{ customerUuid: "C1", prefetch: "yes" }, /^prefetch: must be true or false$/],
    [{ customerUuid: "C1", admin: true }, /^unknown field "admin"$/],
  ])("refuses %j with 400 invalid_request naming the field", async (body, detail) => {
    const { key } = await issuerKey();
    const response = await requestToken(key, body);
    const problem = await expectProblem(response, 400, "invalid_request");
    expect(problem.detail).toMatch(detail);
  });

  it("refuses a body that is not JSON", async () => {
    const { key } = await issuerKey();
    const response = await requestToken(key, "customerUuid=C1", { headers: { "Content-Type": "text/plain" } });
    await expectProblem(response, 400, "invalid_request");
  });

  it("needs a usable API key (401) holding tokens:issue (403)", async () => {
    const reader = await createKey({ scopes: ["customers:read"] });
    await expectProblem(await requestToken("cedge_nonsense", { customerUuid: "C1" }), 401, "unauthorized");
    await expectProblem(await requestToken(reader.key, { customerUuid: "C1" }), 403, "forbidden");
  });

  it("refuses a customer token as the credential (401)", async () => {
    const { key } = await issuerKey();
    const { token } = await issueToken(key, { customerUuid: "C1" });
    const response = await requestToken(token, { customerUuid: "C2" });
    await expectProblem(response, 401, "unauthorized");
  });

  it("refuses a browser: any Origin header is 403, for a key that allows that origin too", async () => {
    const { key } = await createKey({
      scopes: ["customers:read", "tokens:issue"],
      allowedOrigins: ["https://shop.example"],
    });
    const response = await requestToken(key, { customerUuid: "C1" }, { headers: { Origin: "https://shop.example" } });
    await expectProblem(response, 403, "forbidden");
  });

  it.each([
    ["missing", undefined],
    ["shorter than 32 bytes", "too-short-secret"],
  ])("answers 503 not_configured when TOKEN_SIGNING_SECRET is %s", async (_, secret) => {
    const { key } = await issuerKey();
    const response = await requestToken(key, { customerUuid: "C1" }, { vars: { TOKEN_SIGNING_SECRET: secret } });
    const problem = await expectProblem(response, 503, "not_configured");
    expect(problem.detail).toContain("TOKEN_SIGNING_SECRET");
    if (secret) {
      expect(problem.detail).not.toContain(secret);
      const [line] = expectLogged("invalid configuration", "TOKEN_SIGNING_SECRET is shorter than 32 bytes");
      expect(line).not.toContain(secret);
    }
  });

  it("leaves API-key reads alone when TOKEN_SIGNING_SECRET is missing", async () => {
    const { key } = await createKey();
    const uuid = await customer();
    const response = await call(`/v1/customers/${uuid}`, {
      ...withKey(key),
      vars: { TOKEN_SIGNING_SECRET: undefined },
    });
    expect(response.status).toBe(200);
  });
});

describe("GET /v1/me with an edge token", () => {
  it("answers the token's customer with the same headers as a key's read", async () => {
    const { key } = await issuerKey();
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid, scopes: ["customers:read"] });
    const response = await call("/v1/me", withToken(token));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("private, no-cache");
    expect(response.headers.get("Cache-Status")).toBe("customer-edge; fwd=miss; stored");
    expect(response.headers.get("ETag")).toMatch(/^"[0-9a-f]{40}"$/);
    const body = await json(response);
    expect(body.uuid).toBe(uuid);
    expect(body).toHaveProperty("email");

    const again = await call("/v1/me", withToken(token, { "If-None-Match": response.headers.get("ETag")! }));
    expect(again.status).toBe(304);
    expect(again.headers.get("Cache-Status")).toMatch(/^customer-edge; hit; ttl=\d+$/);
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("follows the token's scopes: addresses:read sees uuid, name and addresses only", async () => {
    const { key } = await issuerKey();
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid });
    const body = await json(await call("/v1/me", withToken(token)));
    expect(Object.keys(body).sort()).toEqual(["addresses", "name", "uuid"]);
  });

  it("refuses an API key (403) and no credential (401)", async () => {
    const { key } = await createKey({ scopes: ["customers:read"] });
    await expectProblem(await call("/v1/me", withKey(key)), 403, "forbidden");
    const none = await call("/v1/me");
    const problem = await expectProblem(none, 401, "unauthorized");
    expect(none.headers.get("WWW-Authenticate")).toBe("Bearer");
    // It asks for what the route takes: a customer token, never an API key it would refuse.
    expect(problem.detail).toContain("customer token");
    expect(problem.detail).not.toMatch(/API key/);
  });

  it("refuses a tampered, a re-signed and a mangled token with 401 invalid_token", async () => {
    const { key } = await issuerKey();
    const { token } = await issueToken(key, { customerUuid: "C1" });
    const claims = payloadOf(token);
    for (const bad of [
      withPayload(token, { ...claims, sub: "C2" }),
      withPayload(token, { ...claims, scope: "customers:read" }),
      `${token.slice(0, -2)}AA`,
      `${token}.extra`,
    ]) {
      const response = await call("/v1/me", withToken(bad));
      await expectProblem(response, 401, "unauthorized");
      expect(response.headers.get("WWW-Authenticate")).toBe('Bearer error="invalid_token"');
    }
  });

  it("never takes a token from the query string or a cookie", async () => {
    const { key } = await issuerKey();
    const { token } = await issueToken(key, { customerUuid: "C1" });
    await expectProblem(await call(`/v1/me?access_token=${token}`), 401, "unauthorized");
    await expectProblem(await call(`/v1/me?token=${token}`), 401, "unauthorized");
    await expectProblem(await call("/v1/me", { headers: { Cookie: `token=${token}` } }), 401, "unauthorized");
  });

  it("ends the tokens of a revoked issuing key at once", async () => {
    const { id, key } = await issuerKey();
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid });
    expect((await call("/v1/me", withToken(token))).status).toBe(200);
    expect((await revokeKey(id)).status).toBe(204);
    await expectProblem(await call("/v1/me", withToken(token)), 401, "unauthorized");
  });

  it("ends the tokens of an issuing key once it expires", async () => {
    const clock = manualClock();
    const app = createApp({ clock });
    const expiresAt = new Date(clock.now() + 60_000).toISOString();
    const { key } = await createKey({ scopes: ["customers:read", "tokens:issue"], expiresAt });
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid }, { app });
    expect((await call("/v1/me", { ...withToken(token), app })).status).toBe(200);
    clock.advance(120_000);
    await expectProblem(await call("/v1/me", { ...withToken(token), app }), 401, "unauthorized");
  });

  it("applies the issuing key's allowedOrigins to its tokens", async () => {
    const { key, id } = await createKey({
      scopes: ["customers:read", "tokens:issue"],
      allowedOrigins: ["https://shop.example"],
    });
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid });
    const listed = await call("/v1/me", withToken(token, { Origin: "https://shop.example" }));
    expect(listed.status).toBe(200);
    expect(listed.headers.get("Access-Control-Allow-Origin")).toBe("https://shop.example");
    const other = await call("/v1/me", withToken(token, { Origin: "https://evil.example" }));
    await expectProblem(other, 403, "forbidden");
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expectLogged('"message":"origin not allowed"', `"keyId":"${id}"`, '"origin":"https://evil.example"');
  });

  it("verifies tokens signed with TOKEN_SIGNING_SECRET_PREVIOUS, and no others, after a rotation", async () => {
    const { key } = await issuerKey();
    const uuid = await customer();
    const oldSecret = "old-signing-secret-0123456789abcdef-0123";
    const newSecret = "new-signing-secret-0123456789abcdef-4567";
    const { token } = await issueToken(key, { customerUuid: uuid }, { vars: { TOKEN_SIGNING_SECRET: oldSecret } });
    const rotated = { TOKEN_SIGNING_SECRET: newSecret, TOKEN_SIGNING_SECRET_PREVIOUS: oldSecret };
    expect((await call("/v1/me", { ...withToken(token), vars: rotated })).status).toBe(200);
    const done = { TOKEN_SIGNING_SECRET: newSecret };
    await expectProblem(await call("/v1/me", { ...withToken(token), vars: done }), 401, "unauthorized");
    // The suite's own secret never signed it either.
    await expectProblem(await call("/v1/me", withToken(token)), 401, "unauthorized");
  });

  it("answers with private, max-age=N when CLIENT_MAX_AGE_SECONDS is set, API keys still no-cache", async () => {
    const { reader, uuid, token } = await tokenAndReader();
    const vars = { CLIENT_MAX_AGE_SECONDS: "120" };
    const tokenAnswer = await call("/v1/me", { ...withToken(token), vars });
    expect(tokenAnswer.headers.get("Cache-Control")).toBe("private, max-age=120");
    // One URL for every customer: a device's cache must key the copy by the credential.
    expect(tokenAnswer.headers.get("Vary")).toContain("Authorization");
    const revalidated = await call("/v1/me", {
      ...withToken(token, { "If-None-Match": tokenAnswer.headers.get("ETag")! }),
      vars,
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get("Vary")).toContain("Authorization");
    const byPath = await call(`/v1/customers/${uuid}`, { ...withToken(token), vars });
    expect(byPath.headers.get("Cache-Control")).toBe("private, max-age=120");
    const keyAnswer = await call(`/v1/customers/${uuid}`, { ...withKey(reader.key), vars });
    expect(keyAnswer.headers.get("Cache-Control")).toBe("private, no-cache");
  });
});

describe("GET /v1/customers/{uuid} with a customer token", () => {
  it("reads the token's own customer", async () => {
    const { key } = await issuerKey();
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid, scopes: ["customers:read"] });
    const response = await call(`/v1/customers/${uuid}`, withToken(token));
    expect(response.status).toBe(200);
    expect((await json(response)).uuid).toBe(uuid);
  });

  it("refuses any other customer with 403, before any cache read or upstream call", async () => {
    const { key } = await issuerKey();
    const own = await customer();
    const other = await customer();
    const { token } = await issueToken(key, { customerUuid: own, scopes: ["customers:read"] });
    const response = await call(`/v1/customers/${other}`, withToken(token));
    const problem = await expectProblem(response, 403, "forbidden");
    expect(problem.detail).toBe("This customer token is for another customer.");
    expect(response.headers.get("Cache-Status")).toBeNull();
    expect(await upstreamRequests(other)).toBe(0);
    expect(await env.CACHE.get(`customer:v1:${other}`)).toBeNull();
  });
});

describe("prefetch", () => {
  it("warms the cache in the background so the page's first /v1/me is a hit, with one upstream call", async () => {
    const { key } = await issuerKey();
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid, prefetch: true });
    expect(await upstreamRequests(uuid)).toBe(1);
    const first = await call("/v1/me", withToken(token));
    expect(first.status).toBe(200);
    expect(first.headers.get("Cache-Status")).toMatch(/^customer-edge; hit; ttl=\d+$/);
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("does not delay the 201 for a slow Frontpayment", async () => {
    const { key } = await issuerKey();
    const uuid = uniqueUuid("TK");
    await putCustomer(uuid, { behaviour: { mode: "slow", delayMs: 1_000 } });
    const started = Date.now();
    const response = await requestToken(key, { customerUuid: uuid, prefetch: true }, { settle: false });
    expect(response.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("makes no upstream call when a fresh copy is already cached", async () => {
    const { key } = await issuerKey();
    const reader = await createKey();
    const uuid = await customer();
    await call(`/v1/customers/${uuid}`, withKey(reader.key));
    await issueToken(key, { customerUuid: uuid, prefetch: true });
    expect(await upstreamRequests(uuid)).toBe(1);
  });
});

describe("per-customer rate limit", () => {
  it("counts a customer's token requests apart from the issuing key's own", async () => {
    const { key } = await createKey({ scopes: ["tokens:issue", "customers:read"] });
    const uuid = await customer();
    const { token } = await issueToken(key, { customerUuid: uuid });
    const first = await call("/v1/me", withToken(token));
    expect(first.status).toBe(200);
    // Named for what is counted, so a client can tell this budget from its server's key's.
    expect(first.headers.get("RateLimit-Policy")).toBe('"per-customer";q=120;w=60');
    let refusal: Response | undefined;
    for (let sent = 0; sent < 300 && !refusal; sent++) {
      const response = await call("/v1/me", withToken(token));
      if (response.status === 429) refusal = response;
      else expect(response.status).toBe(200);
    }
    expect(refusal).toBeDefined();
    const problem = await expectProblem(refusal!, 429, "rate_limited");
    expect(problem.detail).toMatch(/^This customer is over its limit/);
    expect(refusal!.headers.get("Retry-After")).toBe("60");
    expect(refusal!.headers.get("RateLimit")).toBe('"per-customer";r=0;t=60');
    expect(refusal!.headers.get("RateLimit-Policy")).toBe('"per-customer";q=120;w=60');
    // The key that issued the token still has its own budget, under its own policy name.
    const keyRead = await call(`/v1/customers/${uuid}`, withKey(key));
    expect(keyRead.status).toBe(200);
    expect(keyRead.headers.get("RateLimit-Policy")).toBe('"per-key";q=120;w=60');
  });
});

describe("GET /v1/me with the identity provider's token", () => {
  async function provider() {
    const idp = newIdentityProvider();
    const vars = {
      CUSTOMER_JWT_ISSUER: idp.issuer,
      CUSTOMER_JWT_AUDIENCE: IDP_AUDIENCE,
      CUSTOMER_JWT_JWKS_URL: idp.jwksUrl,
    };
    const token = async (uuid: string, alg: IdpAlg = "ES256", overrides: Record<string, unknown> = {}) =>
      remember(await idp.mint(alg, idp.claims(Date.now(), uuid, overrides)));
    return { idp, vars, token };
  }

  it.each(["ES256", "RS256", "EdDSA"] as const)("reads the token's customer with a %s token", async (alg) => {
    const { vars, token } = await provider();
    const uuid = await customer();
    const response = await call("/v1/me", { ...withToken(await token(uuid, alg)), vars });
    expect(response.status).toBe(200);
    const body = await json(response);
    // CUSTOMER_JWT_SCOPES defaults to customers:read: the whole profile.
    expect(body.uuid).toBe(uuid);
    expect(body).toHaveProperty("email");
  });

  it("fetches the JWKS once for many requests, and keeps known keys while the provider is down", async () => {
    const { idp, vars, token } = await provider();
    const uuid = await customer();
    const credential = await token(uuid);
    for (let i = 0; i < 5; i++) expect((await call("/v1/me", { ...withToken(credential), vars })).status).toBe(200);
    expect(await idp.jwksFetches()).toBe(1);
    await idp.fail();
    const fresh = await token(uuid);
    expect((await call("/v1/me", { ...withToken(fresh), vars })).status).toBe(200);
  });

  it("keeps one JWKS per isolate: tokens of many customers cost one fetch", async () => {
    const { idp, vars, token } = await provider();
    for (let i = 0; i < 3; i++) {
      const uuid = await customer();
      expect((await call("/v1/me", { ...withToken(await token(uuid)), vars })).status).toBe(200);
    }
    expect(await idp.jwksFetches()).toBe(1);
  });

  it("answers 502 with Retry-After when no keys can be had at all", async () => {
    const { idp, vars, token } = await provider();
    await idp.fail();
    const response = await call("/v1/me", { ...withToken(await token("C1")), vars });
    await expectProblem(response, 502, "upstream_error");
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
    expectLogged("JWKS refresh failed");
  });

  it("refuses a token for another customer on /v1/customers/{uuid} and one with a bad claim", async () => {
    const { vars, token } = await provider();
    const own = await customer();
    const other = await customer();
    const response = await call(`/v1/customers/${other}`, { ...withToken(await token(own)), vars });
    await expectProblem(response, 403, "forbidden");
    expect(await upstreamRequests(other)).toBe(0);
    const bad = await token("not-a-uuid!");
    await expectProblem(await call("/v1/me", { ...withToken(bad), vars }), 401, "unauthorized");
  });

  it("refuses the provider's tokens with 401, naming no setting, when its issuer is set without an audience", async () => {
    const { vars, token } = await provider();
    const uuid = await customer();
    for (const broken of [
      { ...vars, CUSTOMER_JWT_AUDIENCE: undefined },
      { ...vars, CUSTOMER_JWT_JWKS_URL: undefined },
      { ...vars, CUSTOMER_JWT_JWKS_URL: "ftp://idp.example/jwks" },
    ]) {
      const refused = await call("/v1/me", { ...withToken(await token(uuid)), vars: broken });
      const problem = await expectProblem(refused, 401, "unauthorized");
      expect(JSON.stringify(problem)).not.toMatch(/CUSTOMER_JWT|not_configured/);
      const { key } = await createKey();
      expect((await call(`/v1/customers/${uuid}`, { ...withKey(key), vars: broken })).status).toBe(200);
    }
    expect(await upstreamRequests(uuid)).toBe(1);
    // The operator's log names each setting; the caller's answer above named none.
    expectLogged("invalid configuration", "CUSTOMER_JWT_AUDIENCE is missing or not valid");
    expect(expectLogged("invalid configuration", "CUSTOMER_JWT_JWKS_URL is missing or not valid")).toHaveLength(2);
  });
});

describe("what a token may carry: never more than its issuing key may read", () => {
  it("refuses to issue a scope the key's own read scopes do not cover, naming it (403)", async () => {
    const { key } = await createKey({ scopes: ["addresses:read", "tokens:issue"] });
    const uuid = await customer();
    const refused = await requestToken(key, { customerUuid: uuid, scopes: ["customers:read"] });
    const problem = await expectProblem(refused, 403, "forbidden");
    expect(problem.detail).toContain("customers:read");
    const both = await requestToken(key, { customerUuid: uuid, scopes: ["addresses:read", "customers:read"] });
    expect((await expectProblem(both, 403, "forbidden")).detail).toContain("customers:read");
    // What it may read, it may hand on: the default scope and addresses:read itself.
    const { token, scopes } = await issueToken(key, { customerUuid: uuid });
    expect(scopes).toEqual(["addresses:read"]);
    expect(Object.keys(await json(await call("/v1/me", withToken(token)))).sort()).toEqual([
      "addresses",
      "name",
      "uuid",
    ]);
    // The same view the key itself reads.
    const direct = await json(await call(`/v1/customers/${uuid}`, withKey(key)));
    expect(Object.keys(direct).sort()).toEqual(["addresses", "name", "uuid"]);
  });

  it("lets customers:read cover both read scopes", async () => {
    const { key } = await issuerKey();
    const uuid = await customer();
    const issued = await issueToken(key, { customerUuid: uuid, scopes: ["customers:read", "addresses:read"] });
    expect(issued.scopes).toEqual(["customers:read", "addresses:read"]);
    const body = await json(await call("/v1/me", withToken(issued.token)));
    expect(body).toHaveProperty("email");
  });

  it("reads no more than the issuing key covers, even with a token that claims more", async () => {
    // A token signed before the rule existed (or by a bug): the key's scopes still decide.
    const { id } = await createKey({ scopes: ["addresses:read", "tokens:issue"] });
    const uuid = await customer();
    const { token } = await issueEdgeToken({
      secret: TEST_TOKEN_SIGNING_SECRET,
      customerUuid: uuid,
      scopes: ["customers:read"],
      ttlSeconds: 600,
      keyId: id,
      now: Date.now(),
    });
    remember(token);
    const body = await json(await call("/v1/me", withToken(token)));
    expect(Object.keys(body).sort()).toEqual(["addresses", "name", "uuid"]);
  });
});

describe("no anonymous 5xx from the token features", () => {
  it("refuses an edge token with 401 when TOKEN_SIGNING_SECRET is missing, naming no setting", async () => {
    const { uuid, token } = await tokenAndReader();
    const forged = await signHs256(
      "any secret at all, 32 bytes or more",
      { alg: "HS256", typ: "JWT", kid: "x" },
      {
        iss: "customer-edge",
        sub: uuid,
        scope: "customers:read",
        exp: Math.floor(Date.now() / 1000) + 600,
      },
    );
    for (const presented of [token, forged]) {
      for (const secret of [undefined, "too-short"]) {
        const refused = await call("/v1/me", { ...withToken(presented), vars: { TOKEN_SIGNING_SECRET: secret } });
        const problem = await expectProblem(refused, 401, "unauthorized");
        expect(JSON.stringify(problem)).not.toMatch(/TOKEN_SIGNING_SECRET|not_configured/);
      }
    }
    expect(await upstreamRequests(uuid)).toBe(0);
    expectLogged("invalid configuration", "TOKEN_SIGNING_SECRET is shorter than 32 bytes");
  });
});

describe("configuration of the token features", () => {
  it("answers token reads 503 for a bad CLIENT_MAX_AGE_SECONDS, and leaves API-key reads alone", async () => {
    const { reader, uuid, token } = await tokenAndReader();
    const vars = { CLIENT_MAX_AGE_SECONDS: "soon" };
    const refused = await call("/v1/me", { ...withToken(token), vars });
    const problem = await expectProblem(refused, 503, "not_configured");
    expect(problem.detail).toContain("CLIENT_MAX_AGE_SECONDS");
    expect(expectLogged("invalid configuration", "CLIENT_MAX_AGE_SECONDS is not valid").join()).not.toContain("soon");
    expect(await upstreamRequests(uuid)).toBe(0);
    expect((await call(`/v1/customers/${uuid}`, { ...withKey(reader.key), vars })).status).toBe(200);
  });

  it("logs a TOKEN_SIGNING_SECRET_PREVIOUS too short to use, by name only", async () => {
    const { key } = await issuerKey();
    const vars = { TOKEN_SIGNING_SECRET_PREVIOUS: "short-old-secret" };
    expect((await requestToken(key, { customerUuid: "C1" }, { vars })).status).toBe(201);
    const logged = expectLogged("TOKEN_SIGNING_SECRET_PREVIOUS is shorter than 32 bytes").join("\n");
    expect(logged).not.toContain("short-old-secret");
  });
});
