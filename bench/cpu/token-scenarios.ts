import type { webcrypto } from "node:crypto";
import { WORKER_ORIGIN } from "./bindings.ts";
import { call, createKey, EXAMPLE_CUSTOMER, get, type Harness, type Prepared, type Scenario, warm } from "./harness.ts";

/*
 * Cached reads through GET /v1/me with a customer token: an edge token from
 * POST /v1/customer-tokens, and an ES256 token from the merchant's identity provider (its JWKS
 * answered by the instant upstream). Each is skipped, with a note, until its route exists.
 */

export const tokenEdge: Scenario = {
  id: "token-edge",
  label: "cached read, GET /v1/me, edge token",
  setup: async (h) => {
    const probe = await call(h.worker, h.bindings.env, post("/v1/customer-tokens", {}, {}));
    if (probe.status === 404) return "POST /v1/customer-tokens does not exist yet";
    const issuer = await createKey(h, "bench-issuer", ["tokens:issue"]);
    const body = { customerUuid: EXAMPLE_CUSTOMER, scopes: ["customers:read"] };
    const issued = await call(h.worker, h.bindings.env, post("/v1/customer-tokens", { "X-API-Key": issuer }, body));
    if (issued.status !== 201) throw new Error(`POST /v1/customer-tokens answered ${issued.status}`);
    const { token } = (await issued.json()) as { token: string };
    return meRead(h, token);
  },
};

export const tokenIdp: Scenario = {
  id: "token-idp",
  label: "cached read, GET /v1/me, ES256 IdP token",
  setup: async (h) => {
    const probe = await call(h.worker, h.bindings.env, get("/v1/me"));
    if (probe.status === 404) return "GET /v1/me does not exist yet";
    return meRead(h, await idpToken(h));
  },
};

async function meRead(h: Harness, token: string): Promise<Prepared> {
  const headers = { Authorization: `Bearer ${token}` };
  await warm(h, "/v1/me", headers);
  const request = get("/v1/me", headers);
  return {
    handler: h.worker,
    env: h.bindings.env,
    expectedStatus: 200,
    upstreamCallsPerRequest: 0,
    before: async () => void (await warm(h, "/v1/me", headers)),
    request: () => request,
  };
}

/** A fresh P-256 key, published in the JWKS, and a token for the example customer signed with it. */
async function idpToken(h: Harness): Promise<string> {
  const env = h.bindings.env as Record<string, string>;
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const kid = `bench-${h.runId}`;
  h.jwks.keys.push({
    ...((await crypto.subtle.exportKey("jwk", pair.publicKey)) as object),
    kid,
    alg: "ES256",
    use: "sig",
  } as webcrypto.JsonWebKey);
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "ES256", typ: "JWT", kid };
  const claims = {
    iss: env.CUSTOMER_JWT_ISSUER,
    aud: env.CUSTOMER_JWT_AUDIENCE,
    sub: "bench-user",
    iat: now,
    exp: now + 3600,
    [env.CUSTOMER_JWT_CLAIM!]: EXAMPLE_CUSTOMER,
  };
  const signed = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    pair.privateKey,
    new TextEncoder().encode(signed),
  );
  return `${signed}.${base64url(new Uint8Array(signature))}`;
}

function post(path: string, headers: Record<string, string>, body: unknown): Request {
  return new Request(WORKER_ORIGIN + path, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

const base64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");
