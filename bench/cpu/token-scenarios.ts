import { WORKER_ORIGIN } from "./bindings.ts";
import { call, createKey, EXAMPLE_CUSTOMER, get, type Harness, type Prepared, type Scenario, warm } from "./harness.ts";
import { type IdpAlg, mintIdpToken, publishIdpKeys } from "./idp-keys.ts";

/*
 * Cached reads through GET /v1/me with a customer token: an edge token from
 * POST /v1/customer-tokens, and an ES256 token from the merchant's identity provider (its JWKS
 * answered by the instant upstream). Each is skipped, with a note, until its route exists.
 * Both send the same token every time, so the Worker's verdict cache answers for the signature;
 * the verify-* scenarios below send a never-seen token each time, so it cannot.
 */

export const tokenEdge: Scenario = {
  id: "token-edge",
  label: "cached read, GET /v1/me, edge token",
  setup: async (h) => {
    const probe = await call(h.worker, h.bindings.env, post("/v1/customer-tokens", {}, {}));
    if (probe.status === 404) return "POST /v1/customer-tokens does not exist yet";
    const issuer = await createKey(h, "bench-issuer", ["tokens:issue"]);
    return meRead(h, await issueEdgeToken(h, issuer));
  },
};

export const tokenIdp: Scenario = {
  id: "token-idp",
  label: "cached read, GET /v1/me, ES256 IdP token",
  setup: async (h) => {
    const probe = await call(h.worker, h.bindings.env, get("/v1/me"));
    if (probe.status === 404) return "GET /v1/me does not exist yet";
    await publishIdpKeys(h);
    return meRead(h, await mintIdpToken(h, "ES256"));
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

function post(path: string, headers: Record<string, string>, body: unknown): Request {
  return new Request(WORKER_ORIGIN + path, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function issueEdgeToken(h: Harness, issuer: string): Promise<string> {
  const body = { customerUuid: EXAMPLE_CUSTOMER, scopes: ["customers:read"] };
  const issued = await call(h.worker, h.bindings.env, post("/v1/customer-tokens", { "X-API-Key": issuer }, body));
  if (issued.status !== 201) throw new Error(`POST /v1/customer-tokens answered ${issued.status}`);
  return ((await issued.json()) as { token: string }).token;
}

/**
 * GET /v1/me with a token the Worker has never seen, every request: the cached read plus the
 * full verification (parse, claims, signature, remembering the verdict). Tokens are made in
 * `before`, outside the timed loop; the customer is re-warmed with one more token. What the
 * verification alone costs is this row minus its cached-verdict row (report.ts, COSTS).
 */
function freshTokenRead(id: string, label: string, mint: (h: Harness) => Promise<() => Promise<string>>): Scenario {
  return {
    id,
    label,
    setup: async (h) => {
      const probe = await call(h.worker, h.bindings.env, get("/v1/me"));
      if (probe.status === 404) return "GET /v1/me does not exist yet";
      const next = await mint(h);
      let requests: Request[] = [];
      const prepared: Prepared = {
        handler: h.worker,
        env: h.bindings.env,
        expectedStatus: 200,
        upstreamCallsPerRequest: 0,
        before: async (n) => {
          await warm(h, "/v1/me", { Authorization: `Bearer ${await next()}` });
          requests = [];
          for (let i = 0; i < n; i++) requests.push(get("/v1/me", { Authorization: `Bearer ${await next()}` }));
        },
        request: (i) => requests[i]!,
      };
      return prepared;
    },
  };
}

export const verifyEdge = freshTokenRead("verify-edge", "GET /v1/me, never-seen edge token (HS256)", async (h) => {
  const issuer = await createKey(h, "bench-issuer-fresh", ["tokens:issue"]);
  return () => issueEdgeToken(h, issuer);
});

const verifyIdp = (alg: IdpAlg) =>
  freshTokenRead(`verify-${alg.toLowerCase()}`, `GET /v1/me, never-seen ${alg} IdP token`, async (h) => {
    await publishIdpKeys(h);
    return () => mintIdpToken(h, alg);
  });

export const verifyEs256 = verifyIdp("ES256");
export const verifyRs256 = verifyIdp("RS256");
export const verifyEddsa = verifyIdp("EdDSA");
