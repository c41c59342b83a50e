import type { Context } from "hono";
import { customerNotFound, upstreamBusy, upstreamError, upstreamTimeout } from "../customers/customer-service.ts";
import { etagMatches, renderProfile } from "../customers/rendered-profile.ts";
import { Customer, CustomerAddresses, CustomerUuidParam } from "../customers/schemas.ts";
import { notConfigured } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { Hono } from "../lib/hono.ts";
import type { ResponseSpec } from "../lib/openapi.ts";
import { READ_SCOPES } from "../lib/scopes.ts";
import {
  authenticate,
  type CallerVariables,
  identityProviderUnavailable,
  invalidToken,
  keyNotAccepted,
  originNotAllowed,
  scopeMissing,
  tokenRequired,
  tokenScopeMissing,
  unauthorizedKey,
} from "../middleware/authenticate.ts";
import { invalidCustomerUuid } from "../middleware/customer-uuid.ts";
import type { UpstreamVariables } from "../middleware/every-answer.ts";
import { rateLimit, rateLimited } from "../middleware/rate-limit.ts";
import type { AppEnv } from "../services.ts";
import { defineOperation } from "./define-operation.ts";

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
    problems: [() => rateLimited("key"), () => rateLimited("token")],
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

export const getCustomer = defineOperation({
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
  scopes: READ_SCOPES,
  params: CustomerUuidParam,
  paramsError: "invalid_customer_uuid",
  needs: ["customerReads"],
  responses: {
    ...readResponses,
    400: { description: "Invalid customer UUID", problems: [invalidCustomerUuid] },
    403: {
      description: "Scope missing, origin not allowed, or a customer token for another customer",
      problems: [() => scopeMissing(READ_SCOPES), originNotAllowed, otherCustomer],
    },
  },
});

export const getMe = defineOperation({
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
  scopes: READ_SCOPES,
  needs: ["customerReads", "tokenReads"],
  responses: {
    ...readResponses,
    401: { ...readResponses[401], description: "No usable customer token", problems: [tokenRequired, invalidToken] },
    403: {
      description: "An API key was sent, or the token's scopes do not allow reading, or its key's origin list",
      problems: [keyNotAccepted, () => tokenScopeMissing(READ_SCOPES), originNotAllowed],
    },
  },
});

type ReadEnv = AppEnv & { Variables: CallerVariables & Partial<UpstreamVariables> };

/** Answers one customer to the authenticated caller, in the view its scopes allow. */
async function answerCustomer(c: Context<ReadEnv>, uuid: string) {
  const caller = c.get("caller");
  const services = c.get("services");
  // A bad CLIENT_MAX_AGE_SECONDS affects only the answers it shapes: customer tokens'.
  if (caller.kind === "token") services.require("tokenReads");
  const lookup = await services.customers.get(uuid, {
    waitUntil: (work) => c.executionCtx.waitUntil(work),
    observe: ({ status, durationMs }) => {
      if (status !== undefined) c.set("upstreamStatus", status);
      c.set("upstreamMs", durationMs);
      c.get("serverTiming")?.add("upstream", durationMs);
    },
  });
  c.get("serverTiming")?.add("cache", lookup.cacheReadMs);
  const maxAge = services.settings.clientMaxAgeSeconds;
  // A phone's own HTTP cache may keep a token holder's answer; a key's is always revalidated.
  c.header("Cache-Control", caller.kind === "token" && maxAge ? `private, max-age=${maxAge}` : "private, no-cache");
  // The same URL (/v1/me above all) answers each credential differently: a client's HTTP
  // cache must not hand one customer's copy to the next one who signs in on the device.
  c.header("Vary", "Authorization", { append: true });
  const view = caller.scopes.includes("customers:read") ? "customer" : "addresses";
  const { body, etag } = await renderProfile(lookup.customer, view);
  c.header("ETag", etag);
  c.header("Cache-Status", lookup.cacheStatus);
  // Revalidation is answered from the ETag computed once per profile: no serialising, no body.
  if (etagMatches(c.req.header("If-None-Match"), etag)) return c.body(null, 304);
  // The body is the profile as c.json would serialise it, kept from the last rendering.
  c.header("Content-Type", "application/json; charset=utf-8");
  return c.body(body, 200) as unknown as ReturnType<typeof c.json<Customer | CustomerAddresses, 200>>;
}

export const customerRoutes = new Hono<ReadEnv>()
  .get(getCustomer.honoPath, getCustomer.chain, (c) => {
    const { uuid } = c.req.valid("param");
    const caller = c.get("caller");
    // Before any cache read or upstream call: a token reads its own customer only.
    if (caller.kind === "token" && caller.customerUuid !== uuid) throw otherCustomer();
    return answerCustomer(c, uuid);
  })
  .get(getMe.honoPath, getMe.chain, (c) => {
    const caller = c.get("caller");
    // The chain lets only customer tokens through (its security has no API key scheme).
    if (caller.kind !== "token") throw keyNotAccepted();
    return answerCustomer(c, caller.customerUuid);
  })
  // An empty id or one with slashes is still a (bad) customer id, not an unknown route: the
  // same credentials and limit as the operation, then its 400.
  .get("/v1/customers/*", authenticate({ scopes: READ_SCOPES, keys: true, tokens: true }), rateLimit(), () => {
    throw invalidCustomerUuid();
  });
