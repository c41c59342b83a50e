import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import apiDoc from "../docs/api.md?raw";
import { parseSettings } from "../src/env.ts";
import { ERRORS } from "../src/lib/errors.ts";
import { call, json, withKey } from "./helpers/app.ts";
import { putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";
import { expectLogged } from "./helpers/logs.ts";
import { markdownTable } from "./helpers/markdown-table.ts";

/** docs/api.md's error table as the document itself has it: the contract the code must keep. */
const DOCUMENTED_ERRORS: [number, string][] = markdownTable(apiDoc, "## Errors").map(([status, code]) => [
  Number(status),
  code ?? "",
]);

describe("the error table", () => {
  it("is read from docs/api.md: a status and a code on every row", () => {
    expect(DOCUMENTED_ERRORS.length).toBeGreaterThanOrEqual(10);
    for (const [status, code] of DOCUMENTED_ERRORS) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(code).toMatch(/^[a-z_]+$/);
    }
  });

  it.each(DOCUMENTED_ERRORS)("maps %i to %s as documented", (status, code) => {
    expect(ERRORS[code as keyof typeof ERRORS]?.status).toBe(status);
  });

  it("has no code beyond the documented closed list", () => {
    const extra = Object.keys(ERRORS).filter(
      (code) => !DOCUMENTED_ERRORS.some(([, documented]) => documented === code),
    );
    expect(extra).toEqual([]);
  });
});

describe("problem+json answers", () => {
  it("answers an unknown route with 404 not_found and every field of RFC 9457 plus code and requestId", async () => {
    const response = await call("/no/such/route", { headers: { "X-Request-Id": "trace-abc-123" } });
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(response.headers.get("X-Request-Id")).toBe("trace-abc-123");
    expect(await json(response)).toEqual({
      type: "urn:customer-edge:problem:not_found",
      title: "Not found",
      status: 404,
      detail: expect.any(String),
      code: "not_found",
      requestId: "trace-abc-123",
    });
  });

  it("writes the problem fields in RFC 9457's order, plus code and requestId", async () => {
    const response = await call("/no/such/route");
    expect(Object.keys(await json(response))).toEqual(["type", "title", "status", "detail", "code", "requestId"]);
  });

  it("answers a wrong method on a known path with 405 and Allow", async () => {
    const response = await call("/healthz", { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
    expect((await json(response)).code).toBe("method_not_allowed");
  });

  it("answers HEAD /healthz like GET, without a body", async () => {
    const response = await call("/healthz", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    expect(response.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("answers OPTIONS outside /v1 with 405 and no CORS, with or without an Origin", async () => {
    const callers: Record<string, string>[] = [{}, { Origin: "https://shop.example" }];
    for (const headers of callers) {
      const response = await call("/healthz", { method: "OPTIONS", headers });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("GET, HEAD");
      expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });

  it("answers 500 internal_error without any detail of what broke", async () => {
    const { key } = await createKey();
    const broken = {
      get: () => Promise.reject(new Error("kv exploded: secret-internal-detail")),
    } as unknown as KVNamespace;
    const response = await call(`/v1/customers/${uniqueUuid()}`, { ...withKey(key), vars: { CACHE: broken } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).code).toBe("internal_error");
    expect(text).not.toContain("secret-internal-detail");
    expect(text).not.toContain("at ");
    // What broke goes to the log only, under the answer's request id.
    const [line] = expectLogged('"message":"unhandled error"', `"requestId":"${response.headers.get("X-Request-Id")}"`);
    expect(line).toContain("kv exploded");
  });
});

describe("configuration", () => {
  it("answers 503 not_configured when FRONTPAYMENT_TOKEN is missing, without calling upstream", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid);
    const response = await call(`/v1/customers/${uuid}`, { ...withKey(key), vars: { FRONTPAYMENT_TOKEN: undefined } });
    expect(response.status).toBe(503);
    const body = await json(response);
    expect(body.code).toBe("not_configured");
    expect(body.detail).toContain("FRONTPAYMENT_TOKEN");
    expect(await upstreamRequests(uuid)).toBe(0);
  });

  const badVars: [string, string][] = [
    ["CACHE_TTL_SECONDS", "0"],
    ["CACHE_TTL_SECONDS", "abc"],
    ["CACHE_STALE_SECONDS", "-5"],
    ["NEGATIVE_CACHE_TTL_SECONDS", "1.5"],
    ["UPSTREAM_TIMEOUT_MS", ""],
    ["FRONTPAYMENT_BASE_URL", "not a url"],
    ["FRONTPAYMENT_BASE_URL", "ftp://demo-api.frontpayment.no"],
  ];
  it.each(badVars)(
    "answers 503 not_configured when %s is %j, naming the var but not its value",
    async (name, value) => {
      const { key } = await createKey();
      const response = await call(`/v1/customers/${uniqueUuid()}`, { ...withKey(key), vars: { [name]: value } });
      expect(response.status).toBe(503);
      const body = await json(response);
      expect(body.code).toBe("not_configured");
      expect(body.detail).toContain(name);
      if (value) expect(body.detail).not.toContain(value);
      const [line] = expectLogged('"message":"invalid configuration"', `${name} is not valid`);
      expect(JSON.parse(line!).problems).toEqual([`${name} is not valid`]);
    },
  );

  it("parses absent vars to the documented defaults", () => {
    const parsed = parseSettings({} as Env);
    expectLogged("invalid configuration", "API_KEY_TAG_SECRET is not set");
    expect(parsed).toEqual({
      unavailable: {
        cache: [],
        customerReads: ["FRONTPAYMENT_TOKEN is not set"],
        tokenIssuing: ["TOKEN_SIGNING_SECRET is not set"],
        tokenReads: [],
        keyCreation: ["API_KEY_TAG_SECRET is not set"],
      },
      frontpaymentToken: undefined,
      adminToken: undefined,
      apiKeyTagSecret: undefined,
      tokenSecrets: undefined,
      identityProvider: undefined,
      clientMaxAgeSeconds: 0,
      readPath: {
        baseUrl: "https://demo-api.frontpayment.no",
        cacheTtlSeconds: 300,
        cacheStaleSeconds: 86_400,
        negativeCacheTtlSeconds: 60,
        upstreamTimeoutMs: 2_500,
      },
    });
  });

  it("reads CUSTOMER_JWT_SCOPES as read scopes only", () => {
    const provider = {
      CUSTOMER_JWT_ISSUER: "https://id.example",
      CUSTOMER_JWT_AUDIENCE: "shop",
      CUSTOMER_JWT_JWKS_URL: "https://id.example/jwks.json",
      API_KEY_TAG_SECRET: "a tag secret of at least thirty-two bytes",
    };
    const read = (scopes: string) => parseSettings({ ...provider, CUSTOMER_JWT_SCOPES: scopes } as unknown as Env);
    expect(read(" addresses:read  customers:read addresses:read ").identityProvider).toMatchObject({
      scopes: ["addresses:read", "customers:read"],
    });
    for (const bad of ["customers:read tokens:issue", "   ", "customers:write"]) {
      // Its tokens are then refused (401); the operator's log names the setting.
      expect(read(bad).identityProvider, bad).toBeUndefined();
      expectLogged("invalid configuration", "CUSTOMER_JWT_SCOPES is not valid");
    }
  });

  it("accepts a FRONTPAYMENT_BASE_URL with a trailing slash", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid);
    const vars = { FRONTPAYMENT_BASE_URL: `${env.FRONTPAYMENT_BASE_URL}/` };
    expect((await call(`/v1/customers/${uuid}`, { ...withKey(key), vars })).status).toBe(200);
    expect(await upstreamRequests(uuid)).toBe(1);
  });

  it("uses the documented defaults when the vars are absent", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid);
    const vars = { CACHE_TTL_SECONDS: undefined, CACHE_STALE_SECONDS: undefined, UPSTREAM_TIMEOUT_MS: undefined };
    await call(`/v1/customers/${uuid}`, { ...withKey(key), vars });
    const hit = await call(`/v1/customers/${uuid}`, { ...withKey(key), vars });
    expect(hit.headers.get("Cache-Status")).toMatch(/^customer-edge; hit; ttl=(29\d|300)$/);
  });
});

/** An answer of each kind: a route's, a 404, a 405, a refusal, an admin refusal, an asset's. */
const everyKindOfAnswer = () =>
  Promise.all([
    call("/healthz"),
    call("/nowhere"),
    call("/healthz", { method: "DELETE" }),
    call("/v1/customers/X"),
    call("/admin/keys"),
    call("/openapi.json"),
  ]);

describe("request ids", () => {
  it("echoes a safe inbound X-Request-Id", async () => {
    const response = await call("/healthz", { headers: { "X-Request-Id": "abc_DEF-123=" } });
    expect(response.headers.get("X-Request-Id")).toBe("abc_DEF-123=");
  });

  it.each([
    ["too long", "a".repeat(65)],
    ["unsafe characters", "abc def<script>"],
  ])("replaces an inbound id that is %s", async (_, inbound) => {
    const response = await call("/healthz", { headers: { "X-Request-Id": inbound } });
    const id = response.headers.get("X-Request-Id");
    expect(id).toBeTruthy();
    expect(id).not.toBe(inbound);
  });

  it("puts an X-Request-Id on every kind of answer", async () => {
    const answers = await everyKindOfAnswer();
    for (const response of answers) expect(response.headers.get("X-Request-Id")).toMatch(/\S{8,}/);
  });

  it("puts the protecting headers on every JSON answer, errors and 405s included", async () => {
    const answers = await everyKindOfAnswer();
    for (const response of answers) {
      expect(Object.fromEntries(response.headers)).toMatchObject({
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        "strict-transport-security": "max-age=15552000; includeSubDomains",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cross-origin-resource-policy": "cross-origin",
      });
      expect(response.headers.get("X-Frame-Options")).toBeNull();
    }
  });
});

describe("GET /healthz", () => {
  it("answers ok without a key or an upstream call", async () => {
    const response = await call("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("carries security headers and no framework banner", async () => {
    const response = await call("/healthz");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(response.headers.get("Strict-Transport-Security")).toMatch(/max-age=\d+/);
    expect(response.headers.get("X-Powered-By")).toBeNull();
    expect(response.headers.get("Server")).toBeNull();
  });
});
