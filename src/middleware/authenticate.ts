import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { type ApiKeyRecord, isUsable } from "../keys/key-record.ts";
import { BEARER_CHALLENGE, bearerCredential } from "../lib/bearer.ts";
import { ApiError } from "../lib/errors.ts";
import { logLine } from "../lib/log.ts";
import { isWebOrigin } from "../lib/origin.ts";
import { type ReadScope, readScopesCoveredBy, type Scope } from "../lib/scopes.ts";
import type { ServicesVariables } from "../services.ts";

/**
 * Who is calling: a merchant server with an API key, or a public client (a checkout page, a
 * mobile app) with a customer token bound to one customer.
 */
export type Caller =
  | { kind: "key"; key: ApiKeyRecord; scopes: readonly Scope[]; rateLimitKey: string }
  | {
      kind: "token";
      customerUuid: string;
      scopes: readonly ReadScope[];
      /** The API key that issued an edge token; none for an identity provider's token. */
      key: ApiKeyRecord | undefined;
      rateLimitKey: string;
    };

/** What `authenticate` sets. */
export type CallerVariables = { caller: Caller };

export const unauthorizedKey = () => new ApiError("unauthorized", "A valid API key is required.", BEARER_CHALLENGE);

export const tokenRequired = () =>
  new ApiError("unauthorized", "A customer token is required: send Authorization: Bearer <token>.", BEARER_CHALLENGE);

export const invalidToken = () =>
  new ApiError("unauthorized", "The customer token is invalid or expired.", {
    "WWW-Authenticate": 'Bearer error="invalid_token"',
  });

export const originNotAllowed = () => new ApiError("forbidden", "This API key may not be used from this origin.");

export const scopeMissing = (scopes: readonly Scope[]) =>
  new ApiError("forbidden", `This API key needs one of the scopes: ${scopes.join(", ")}.`);

export const tokenScopeMissing = (scopes: readonly Scope[]) =>
  new ApiError("forbidden", `This customer token needs one of the scopes: ${scopes.join(", ")}.`);

export const keyNotAccepted = () =>
  new ApiError("forbidden", "An API key cannot be used here: send the customer's token instead.");

export const identityProviderUnavailable = () =>
  new ApiError("upstream_error", "The identity provider's signing keys could not be read. Try again later.", {
    "Retry-After": "30",
  });

/** A JWT has dots between its parts; an API key (`cedge_` and base62) never has one. */
const looksLikeToken = (credential: string) => credential.includes(".");

type AuthEnv = { Bindings: Env; Variables: CallerVariables & ServicesVariables & RequestIdVariables };

/**
 * Requires a caller holding at least one of `scopes`: an API key (`Authorization: Bearer <key>`
 * or `X-API-Key: <key>`) where `keys` allows one, a customer token (`Authorization: Bearer
 * <jwt>`) where `tokens` allows one; never from the query string or a cookie. A key on a
 * token-only route is 403, a token on a key-only route 401. The key's `allowedOrigins` (an
 * edge token's issuing key's too) are checked against a browser's `Origin`. Sets
 * `c.var.caller`. Preflights (OPTIONS) pass untouched: browsers send them without credentials.
 *
 * @example
 * app.get("/v1/me", authenticate({ scopes: READ_SCOPES, keys: false, tokens: true }), handler)
 */
export function authenticate(options: { scopes: readonly Scope[]; keys: boolean; tokens: boolean }) {
  return createMiddleware<AuthEnv>(async function authenticate(c, next) {
    if (c.req.method === "OPTIONS") return next();
    const bearer = bearerCredential(c.req.header("Authorization"));
    const apiKeyHeader = c.req.header("X-API-Key")?.trim() || undefined;
    const caller =
      bearer && !apiKeyHeader && looksLikeToken(bearer)
        ? await tokenCaller(c, bearer, options)
        : await keyCaller(c, presentedKey(bearer, apiKeyHeader), options);
    if (!caller.scopes.some((scope) => options.scopes.includes(scope))) {
      throw caller.kind === "key" ? scopeMissing(options.scopes) : tokenScopeMissing(options.scopes);
    }
    c.set("caller", caller);
    await next();
  });
}

async function keyCaller(c: Context<AuthEnv>, key: string | undefined, options: { keys: boolean }): Promise<Caller> {
  // A route that takes only customer tokens asks for one, not for a key it would refuse.
  if (!key && !options.keys) throw tokenRequired();
  const services = c.get("services");
  const record = key ? await services.keys.find(key) : null;
  if (!record || !isUsable(record, services.clock.now())) throw unauthorizedKey();
  checkOrigin(c, record);
  if (!options.keys) throw keyNotAccepted();
  return { kind: "key", key: record, scopes: record.scopes, rateLimitKey: record.id };
}

async function tokenCaller(c: Context<AuthEnv>, token: string, options: { tokens: boolean }): Promise<Caller> {
  if (!options.tokens) throw unauthorizedKey();
  const services = c.get("services");
  const result = await services.customerTokens.verify(token);
  if (!result.ok) {
    if (result.reason === "jwks_unavailable") throw identityProviderUnavailable();
    throw invalidToken();
  }
  let key: ApiKeyRecord | undefined;
  let scopes = result.scopes as ReadScope[];
  if (result.kind === "edge") {
    // Revoking or expiring the issuing key ends its tokens, within the key's own bound.
    const record = await services.keys.findById(result.keyId);
    if (!record || !isUsable(record, services.clock.now())) throw invalidToken();
    checkOrigin(c, record);
    key = record;
    // Never more than the issuing key may read, whatever the token says (issuing checks it too).
    const covered = readScopesCoveredBy(record.scopes);
    scopes = readScopesCoveredBy(scopes).filter((scope) => covered.includes(scope));
    if (scopes.length === 0) throw invalidToken();
  }
  return {
    kind: "token",
    customerUuid: result.customerUuid,
    scopes,
    key,
    // Per customer, so one leaked token cannot drain its issuing key's budget.
    rateLimitKey: `customer:${result.customerUuid}`,
  };
}

/** A browser's `Origin` must be listed when the key lists origins (docs/api.md#api-keys). */
function checkOrigin(c: Context<AuthEnv>, record: ApiKeyRecord): void {
  if (!record.allowedOrigins) return;
  const origin = c.req.header("Origin");
  if (origin && !record.allowedOrigins.includes(origin)) {
    // CORS headers are only ever sent for listed origins, so the page cannot read this refusal
    // (docs/decisions.md): the line below is how its developer and support find it.
    c.header("Access-Control-Allow-Origin", undefined);
    c.header("Access-Control-Expose-Headers", undefined);
    logLine("warn", "origin not allowed", {
      requestId: c.get("requestId"),
      keyId: record.id,
      // Only what a browser could have sent: anything else in the header is the caller's own
      // text, which could be anything, so it is not copied into the log.
      origin: origin === "null" || isWebOrigin(origin) ? origin : "(not an origin)",
    });
    throw originNotAllowed();
  }
}

/** The key from either header; two different keys at once are refused rather than guessed. */
function presentedKey(bearer: string | undefined, header: string | undefined): string | undefined {
  if (bearer && header && bearer !== header) return undefined;
  return bearer ?? header;
}
