import { Hono } from "hono";
import { etag, RETAINED_304_HEADERS } from "hono/etag";
import { setMetric } from "hono/timing";
import { customerNotFound, upstreamBusy, upstreamError, upstreamTimeout } from "../customers/customer-service.ts";
import { profileEtag } from "../customers/profile-etag.ts";
import { Customer, CustomerAddresses, CustomerUuidParam } from "../customers/schemas.ts";
import { addressesOnly } from "../customers/trim.ts";
import { type AppEnv, notConfigured } from "../env.ts";
import { defineRoute } from "../lib/openapi.ts";
import type { UpstreamVariables } from "../middleware/access-log.ts";
import { apiKeyAuth, originNotAllowed, scopeMissing, unauthorizedKey } from "../middleware/api-key.ts";
import { customerUuidParam, invalidCustomerUuid, rejectEscapedUuid } from "../middleware/customer-uuid.ts";
import { rateLimit, rateLimited } from "../middleware/rate-limit.ts";

const readScopes = ["customers:read", "addresses:read"] as const;

export const getCustomer = defineRoute({
  method: "get",
  path: "/v1/customers/{uuid}",
  operationId: "getCustomer",
  summary: "Get a customer's profile and addresses",
  description:
    "Served from the edge cache when a usable copy exists, else fetched from Frontpayment. " +
    "A key with `customers:read` gets the whole trimmed profile; one with only `addresses:read` " +
    "gets `uuid`, `name` and `addresses`. Revalidate with `If-None-Match`.",
  tags: ["customers"],
  security: ["apiKeyBearer", "apiKeyHeader"],
  params: CustomerUuidParam,
  responses: {
    200: {
      description: "The customer (shape depends on the key's scopes)",
      schema: Customer,
      alternative: CustomerAddresses,
      headers: ["ETag", "Cache-Status", "Cache-Control", "X-Request-Id", "Server-Timing", "RateLimit-Policy"],
    },
    304: {
      description: "Not modified: the `If-None-Match` ETag still matches",
      headers: ["ETag", "Cache-Status", "X-Request-Id"],
    },
    400: { description: "Invalid customer UUID", problems: [invalidCustomerUuid] },
    401: { description: "No usable API key", problems: [unauthorizedKey], headers: ["WWW-Authenticate"] },
    403: {
      description: "Scope missing or origin not allowed",
      problems: [() => scopeMissing(readScopes), originNotAllowed],
    },
    404: { description: "No such customer", problems: [customerNotFound] },
    429: {
      description: "Over the key's rate limit",
      problems: [rateLimited],
      headers: ["Retry-After", "RateLimit"],
    },
    502: {
      description:
        "Frontpayment failed, or its request limit is reached (then with Retry-After), and no stale copy exists",
      problems: [upstreamError, upstreamBusy],
      headers: ["Retry-After"],
    },
    503: {
      description: "A secret or setting is missing or invalid",
      problems: [() => notConfigured(["FRONTPAYMENT_TOKEN is not set"])],
    },
    504: { description: "Frontpayment timed out and no stale copy exists", problems: [upstreamTimeout] },
  },
});

/** Headers a 304 keeps besides RFC 9110's list, so it still says how it was served. */
const RETAINED_ON_304 = [
  ...RETAINED_304_HEADERS,
  "cache-status",
  "x-request-id",
  "ratelimit-policy",
  // Without these a browser cannot read the 304 of its own If-None-Match request.
  "access-control-allow-origin",
  "access-control-expose-headers",
];

export const customerRoutes = new Hono<AppEnv & { Variables: Partial<UpstreamVariables> }>()
  .get(
    getCustomer.honoPath,
    apiKeyAuth(readScopes),
    rateLimit(),
    rejectEscapedUuid,
    customerUuidParam,
    etag({ retainedHeaders: RETAINED_ON_304 }),
    async (c) => {
      const { uuid } = c.req.valid("param");
      const lookup = await c.var.services.customers.get(uuid, {
        gate: c.var.rateLimit,
        waitUntil: (work) => c.executionCtx.waitUntil(work),
        observe: ({ status, durationMs }) => {
          if (status !== undefined) c.set("upstreamStatus", status);
          c.set("upstreamMs", durationMs);
          setMetric(c, "upstream", durationMs, "Frontpayment");
        },
      });
      setMetric(c, "cache", lookup.cacheReadMs, "edge cache read");
      const headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "private, no-cache",
        "Cache-Status": lookup.cacheStatus,
      };
      // With the ETag set here (computed once per cached profile), hono/etag only compares it.
      if (c.var.apiKey.scopes.includes("customers:read")) {
        const etag = await profileEtag(lookup.customer, "customer");
        return c.json(lookup.customer, 200, { ...headers, ETag: etag });
      }
      const etag = await profileEtag(lookup.customer, "addresses");
      return c.json(addressesOnly(lookup.customer), 200, { ...headers, ETag: etag });
    },
  )
  // An empty id or one with slashes is still a (bad) customer id, not an unknown route.
  .get("/v1/customers/*", apiKeyAuth(readScopes), rateLimit(), async (c) => {
    // Over the limit is answered first, as on the route above.
    await c.var.rateLimit;
    throw invalidCustomerUuid();
  });
