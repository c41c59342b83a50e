import type { Context, TypedResponse } from "hono";
import { customerNotFound, upstreamBusy, upstreamError, upstreamTimeout } from "../customers/customer-service.ts";
import { etagMatches, renderProfile } from "../customers/rendered-profile.ts";
import { Customer, CustomerAddresses, CustomerUuidParam } from "../customers/schemas.ts";
import { type AppEnv, notConfigured } from "../env.ts";
import { READ_SCOPES } from "../keys/key-record.ts";
import { ApiError } from "../lib/errors.ts";
import { Hono } from "../lib/hono.ts";
import { defineRoute, type ResponseSpec } from "../lib/openapi.ts";
import {
  authenticate,
  type CallerVariables,
  identityProviderUnavailable,
  invalidToken,
  keyNotAccepted,
  originNotAllowed,
  scopeMissing,
  tokenScopeMissing,
  unauthorizedKey,
} from "../middleware/authenticate.ts";
import { customerUuidParam, invalidCustomerUuid } from "../middleware/customer-uuid.ts";
import { answerHeaders, type UpstreamVariables } from "../middleware/every-answer.ts";
import { type RateLimitVariables, rateLimit, rateLimited } from "../middleware/rate-limit.ts";

/** The answers both read routes share. */
const readResponses = {
  200: {
    description: "The customer (shape depends on the caller's scopes)",
    schema: Customer,
    alternative: CustomerAddresses,
    headers: ["ETag", "Cache-Status", "Cache-Control", "X-Request-Id", "Server-Timing", "RateLimit-Policy"],
  },
  304: {
    description: "Not modified: the `If-None-Match` ETag still matches",
    headers: ["ETag", "Cache-Status", "X-Request-Id"],
  },
  401: {
    description: "No usable API key or customer token",
    problems: [unauthorizedKey, invalidToken],
    headers: ["WWW-Authenticate"],
  },
  404: { description: "No such customer", problems: [customerNotFound] },
  429: {
    description: "Over the caller's rate limit (per key, or per customer for tokens)",
    problems: [rateLimited],
    headers: ["Retry-After", "RateLimit"],
  },
  502: {
    description:
      "Frontpayment failed and no stale copy exists; or the identity provider's keys cannot be read " +
      "(then with Retry-After)",
    problems: [upstreamError, identityProviderUnavailable],
    headers: ["Retry-After"],
  },
  503: {
    description:
      "A secret or setting is missing or invalid; or Frontpayment's request limit is reached and no stale " +
      "copy exists (then with Retry-After)",
    problems: [() => notConfigured(["FRONTPAYMENT_TOKEN is not set"]), upstreamBusy],
    headers: ["Retry-After"],
  },
  504: { description: "Frontpayment timed out and no stale copy exists", problems: [upstreamTimeout] },
} satisfies Record<number, ResponseSpec>;

export const otherCustomer = () => new ApiError("forbidden", "This customer token is for another customer.");

export const getCustomer = defineRoute({
  method: "get",
  path: "/v1/customers/{uuid}",
  operationId: "getCustomer",
  summary: "Get a customer's profile and addresses",
  description:
    "Served from the edge cache when a usable copy exists, else fetched from Frontpayment. " +
    "A caller with `customers:read` gets the whole trimmed profile; one with only `addresses:read` " +
    "gets `uuid`, `name` and `addresses`. A customer token reads only its own customer. " +
    "Revalidate with `If-None-Match`.",
  tags: ["customers"],
  security: ["apiKeyBearer", "apiKeyHeader", "customerToken"],
  params: CustomerUuidParam,
  responses: {
    ...readResponses,
    400: { description: "Invalid customer UUID", problems: [invalidCustomerUuid] },
    403: {
      description: "Scope missing, origin not allowed, or a customer token for another customer",
      problems: [() => scopeMissing(READ_SCOPES), originNotAllowed, otherCustomer],
    },
  },
});

export const getMe = defineRoute({
  method: "get",
  path: "/v1/me",
  operationId: "getMe",
  summary: "Get the customer token's own profile and addresses",
  description:
    "For public clients (checkout pages, mobile apps) holding a customer token: an edge token from " +
    "`POST /v1/customer-tokens`, or the merchant identity provider's token. The same answers, " +
    "headers and caching as `GET /v1/customers/{uuid}`; the view follows the token's scopes. " +
    "An API key is refused here (403).",
  tags: ["customers"],
  security: ["customerToken"],
  responses: {
    ...readResponses,
    403: {
      description: "An API key was sent, or the token's scopes do not allow reading, or its key's origin list",
      problems: [keyNotAccepted, () => tokenScopeMissing(READ_SCOPES), originNotAllowed],
    },
  },
});

type ReadEnv = AppEnv & { Variables: CallerVariables & RateLimitVariables & Partial<UpstreamVariables> };

/** Answers one customer to the authenticated caller, in the view its scopes allow. */
async function answerCustomer(c: Context<ReadEnv>, uuid: string) {
  const caller = c.get("caller");
  const services = c.get("services");
  const maxAge = services.settings.clientMaxAgeSeconds;
  // A bad CLIENT_MAX_AGE_SECONDS affects only the answers it shapes: customer tokens'.
  if (caller.kind === "token" && maxAge === undefined) {
    throw notConfigured(["CLIENT_MAX_AGE_SECONDS is not valid"]);
  }
  const lookup = await services.customers.get(uuid, {
    gate: c.get("rateLimit"),
    waitUntil: (work) => c.executionCtx.waitUntil(work),
    observe: ({ status, durationMs }) => {
      if (status !== undefined) c.set("upstreamStatus", status);
      c.set("upstreamMs", durationMs);
      c.get("serverTiming")?.add("upstream", durationMs);
    },
  });
  c.get("serverTiming")?.add("cache", lookup.cacheReadMs);
  // A phone's own HTTP cache may keep a token holder's answer; a key's is always revalidated.
  const cacheControl = caller.kind === "token" && maxAge ? `private, max-age=${maxAge}` : "private, no-cache";
  const view = caller.scopes.includes("customers:read") ? "customer" : "addresses";
  const { body, etag } = await renderProfile(lookup.customer, view);
  // Revalidation is answered here, from the ETag computed once per profile: a 304 costs
  // no serialising, no hashing and no body.
  const notModified = etagMatches(c.req.header("If-None-Match"), etag);
  const status = notModified ? 304 : 200;
  const response = new Response(notModified ? null : body, { status, headers: fixedHeaders(status, cacheControl) });
  response.headers.set("ETag", etag);
  response.headers.set("Cache-Status", lookup.cacheStatus);
  // The text is what c.json would send; the types say so for the typed client.
  return response as unknown as
    | TypedResponse<null, 304, "body">
    | TypedResponse<Customer | CustomerAddresses, 200, "json">;
}

/**
 * A customer answer's fixed headers, by status and Cache-Control (two or three per isolate),
 * protecting headers included (answerHeaders). Each answer is one Response built from them
 * plus its ETag and Cache-Status; the middleware adds the rest on the answer afterwards
 * (request id, Server-Timing, RateLimit-Policy, Vary: Origin). Nothing on these routes uses
 * c.header() before the handler: it would not reach this answer. test/headers.test.ts lists
 * the set.
 */
const fixed = new Map<string, Headers>();
function fixedHeaders(status: 200 | 304, cacheControl: string): Headers {
  const id = `${status} ${cacheControl}`;
  let headers = fixed.get(id);
  if (headers === undefined) {
    headers = answerHeaders({
      ...(status === 200 ? { "Content-Type": "application/json; charset=utf-8" } : {}),
      "Cache-Control": cacheControl,
      // The same URL (/v1/me above all) answers each credential differently: a client's HTTP
      // cache must not hand one customer's copy to the next one who signs in on the device.
      Vary: "Authorization",
    });
    fixed.set(id, headers);
  }
  return headers;
}

const readers = { scopes: READ_SCOPES, keys: true, tokens: true };

export const customerRoutes = new Hono<ReadEnv>()
  .get(getCustomer.honoPath, authenticate(readers), rateLimit(), customerUuidParam, (c) => {
    const { uuid } = c.req.valid("param");
    const caller = c.get("caller");
    // Before any cache read or upstream call: a token reads its own customer only.
    if (caller.kind === "token" && caller.customerUuid !== uuid) throw otherCustomer();
    return answerCustomer(c, uuid);
  })
  .get(getMe.honoPath, authenticate({ ...readers, keys: false }), rateLimit(), (c) => {
    const caller = c.get("caller");
    // authenticate() with `keys: false` lets only customer tokens through.
    if (caller.kind !== "token") throw keyNotAccepted();
    return answerCustomer(c, caller.customerUuid);
  })
  // An empty id or one with slashes is still a (bad) customer id, not an unknown route.
  .get("/v1/customers/*", authenticate(readers), rateLimit(), async (c) => {
    // Over the limit is answered first, as on the route above.
    await c.get("rateLimit");
    throw invalidCustomerUuid();
  });
