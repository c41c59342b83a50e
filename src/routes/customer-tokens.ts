import * as z from "zod/mini";
import { notConfigured } from "../env.ts";
import { CUSTOMER_UUID_PATTERN } from "../lib/customer-uuid.ts";
import { ApiError } from "../lib/errors.ts";
import { Hono } from "../lib/hono.ts";
import { READ_SCOPES, type ReadScope, readScopesCoveredBy } from "../lib/scopes.ts";
import { scopeMissing, unauthorizedKey } from "../middleware/authenticate.ts";
import { rateLimited } from "../middleware/rate-limit.ts";
import type { AppEnv } from "../services.ts";
import { issueEdgeToken } from "../tokens/edge-tokens.ts";
import { browserRefused, defineOperation } from "./define-operation.ts";

export const DEFAULT_TOKEN_TTL_SECONDS = 900;

/* zod/mini ships no locale: each field names its own problem, which the 400 repeats. */
export const CreateCustomerTokenBody = z
  .strictObject(
    {
      customerUuid: z
        .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
        .check(z.regex(CUSTOMER_UUID_PATTERN, "must be 1 to 64 letters or digits"))
        .register(z.globalRegistry, {
          description: "The Frontpayment customer the token may read",
          examples: ["CSRT1511414842"],
        }),
      scopes: z.optional(
        z
          .array(z.enum(READ_SCOPES, `must be one of ${READ_SCOPES.join(", ")}`), "must be an array of scopes")
          .check(
            z.minLength(1, "must list at least one scope, or be left out"),
            z.refine((scopes) => new Set(scopes).size === scopes.length, "must not repeat a scope"),
          )
          // uniqueItems: the refine above, said in the document, so a gateway refuses what this does.
          .register(z.globalRegistry, { description: 'Default `["addresses:read"]`', uniqueItems: true }),
      ),
      ttlSeconds: z.optional(
        z
          .number("must be a number")
          .check(z.int("must be a whole number"), z.gte(60, "must be at least 60"), z.lte(3600, "must be at most 3600"))
          .register(z.globalRegistry, { description: `Lifetime in seconds, default ${DEFAULT_TOKEN_TTL_SECONDS}` }),
      ),
      prefetch: z.optional(
        z.boolean("must be true or false").register(z.globalRegistry, {
          description:
            "Fetch the customer into the edge cache in the background (never delaying this answer), " +
            "so the page's first `GET /v1/me` is a cache hit",
        }),
      ),
    },
    {
      // Field names are cut short: they come from the caller and are echoed in the answer.
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown field ${issue.keys.map((key) => JSON.stringify(key.slice(0, 40))).join(", ")}`
          : "the body must be a JSON object",
    },
  )
  .register(z.globalRegistry, {
    id: "CreateCustomerToken",
    description:
      "A JSON object of at most 4 KiB (4096 bytes), sent with `Content-Type: application/json`; " +
      "anything else is `400 invalid_request`",
  });

export const CustomerToken = z
  .object({
    token: z
      .string()
      .register(z.globalRegistry, { description: "The JWT; send it as `Authorization: Bearer <token>`" }),
    tokenType: z.literal("Bearer"),
    customerUuid: z.string(),
    scopes: z.array(z.enum(READ_SCOPES)),
    expiresAt: z
      .string()
      .register(z.globalRegistry, { description: "ISO-8601", examples: ["2030-01-01T00:15:00.000Z"] }),
  })
  .register(z.globalRegistry, { id: "CustomerToken", description: "A customer token, shown only in this answer." });
export type CustomerToken = z.infer<typeof CustomerToken>;

export const scopeNotCovered = (scope: ReadScope) =>
  new ApiError(
    "forbidden",
    `This API key may not issue a token with ${scope}: a token carries only what its issuing key may read.`,
  );

export const createCustomerToken = defineOperation({
  method: "post",
  path: "/v1/customer-tokens",
  operationId: "createCustomerToken",
  summary: "Issue a customer token for a checkout page or app",
  description:
    "Called by the merchant's server with an API key holding `tokens:issue` and the read scopes its " +
    "tokens will carry: a token never carries more than its issuing key may read (`customers:read` " +
    "covers both scopes, `addresses:read` only itself). The token reads only `customerUuid`, with the " +
    "given scopes, until it expires or its issuing key is revoked. " +
    "A request with an `Origin` header (a browser) is refused.",
  tags: ["customer tokens"],
  security: ["apiKeyBearer", "apiKeyHeader"],
  scopes: ["tokens:issue"],
  serverOnly: true,
  body: CreateCustomerTokenBody,
  bodyLimitKiB: 4,
  needs: ["tokenIssuing"],
  responses: {
    201: {
      description: "The token (shown only here)",
      schema: CustomerToken,
      headers: ["Cache-Control", "X-Request-Id"],
    },
    400: {
      description: "A bad body (`detail` names the field), a body over 4 KiB, or one not sent as `application/json`",
      problems: [() => new ApiError("invalid_request", "ttlSeconds: must be at most 3600")],
    },
    401: { description: "No usable API key", problems: [unauthorizedKey], headers: ["WWW-Authenticate"] },
    403: {
      description:
        "The key lacks `tokens:issue`, asks for a scope its own read scopes do not cover " +
        "(`customers:read` covers both, `addresses:read` only itself), or the request came from a browser",
      problems: [() => scopeMissing(["tokens:issue"]), () => scopeNotCovered("customers:read"), browserRefused],
    },
    429: {
      description: "Over the key's rate limit",
      problems: [() => rateLimited("key")],
      headers: ["Retry-After", "RateLimit"],
    },
    503: {
      description: "TOKEN_SIGNING_SECRET is missing or shorter than 32 bytes",
      problems: [() => notConfigured(["TOKEN_SIGNING_SECRET is not set"])],
    },
  },
});

/** Edge tokens (docs/api.md#customer-tokens): like Stripe's ephemeral keys, for public clients. */
export const customerTokenRoutes = new Hono<AppEnv>().post(
  createCustomerToken.honoPath,
  createCustomerToken.chain,
  async (c) => {
    const services = c.get("services");
    const caller = c.get("caller");
    const body = c.req.valid("json");
    const scopes = body.scopes ?? ["addresses:read"];
    const covered = readScopesCoveredBy(caller.key!.scopes);
    const beyond = scopes.find((scope) => !covered.includes(scope));
    if (beyond) throw scopeNotCovered(beyond);
    const { token, expiresAt } = await issueEdgeToken({
      // The chain's `needs` has made sure of it.
      secret: services.settings.tokenSecrets!.current,
      customerUuid: body.customerUuid,
      scopes,
      ttlSeconds: body.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
      keyId: caller.key!.id,
      now: services.clock.now(),
    });
    if (body.prefetch) {
      c.executionCtx.waitUntil(services.prefetch(body.customerUuid, (work) => c.executionCtx.waitUntil(work)));
    }
    const answer: CustomerToken = {
      token,
      tokenType: "Bearer",
      customerUuid: body.customerUuid,
      scopes,
      expiresAt: new Date(expiresAt).toISOString(),
    };
    return c.json(answer, 201, { "Cache-Control": "no-store" });
  },
);
