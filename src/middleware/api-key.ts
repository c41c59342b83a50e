import { createMiddleware } from "hono/factory";
import type { ApiKeyRecord, Scope } from "../keys/key-record.ts";
import { isUsable } from "../keys/key-record.ts";
import { BEARER_CHALLENGE, bearerCredential } from "../lib/bearer.ts";
import { ApiError } from "../lib/errors.ts";
import type { ServicesVariables } from "../services.ts";

/** What `apiKeyAuth` sets: the verified key's record. */
export type ApiKeyVariables = { apiKey: ApiKeyRecord };

export const unauthorizedKey = () => new ApiError("unauthorized", "A valid API key is required.", BEARER_CHALLENGE);

export const originNotAllowed = () => new ApiError("forbidden", "This API key may not be used from this origin.");

export const scopeMissing = (scopes: readonly Scope[]) =>
  new ApiError("forbidden", `This API key needs one of the scopes: ${scopes.join(", ")}.`);

/**
 * Requires a valid API key holding at least one of `scopes`, sent as
 * `Authorization: Bearer <key>` or `X-API-Key: <key>` (never in the query string), and checks
 * the key's `allowedOrigins` against a browser's `Origin`. Sets `c.var.apiKey`.
 * Preflights (OPTIONS) pass untouched: browsers send them without credentials.
 *
 * @example
 * app.use("/v1/*", apiKeyAuth(["customers:read", "addresses:read"]))
 */
export function apiKeyAuth(scopes: readonly Scope[]) {
  return createMiddleware<{ Bindings: Env; Variables: ApiKeyVariables & ServicesVariables }>(
    async function apiKeyAuth(c, next) {
      if (c.req.method === "OPTIONS") return next();
      const key = presentedKey(c.req.header("Authorization"), c.req.header("X-API-Key"));
      const record = key ? await c.var.services.keys.find(key) : null;
      if (!record || !isUsable(record)) throw unauthorizedKey();
      const origin = c.req.header("Origin");
      if (origin && record.allowedOrigins && !record.allowedOrigins.includes(origin)) {
        // CORS headers are only ever sent for listed origins (docs/api.md#api-keys).
        c.header("Access-Control-Allow-Origin", undefined);
        c.header("Access-Control-Expose-Headers", undefined);
        throw originNotAllowed();
      }
      if (!scopes.some((scope) => record.scopes.includes(scope))) throw scopeMissing(scopes);
      c.set("apiKey", record);
      await next();
    },
  );
}

/** The key from either header; two different keys at once are refused rather than guessed. */
function presentedKey(authorization: string | undefined, xApiKey: string | undefined): string | undefined {
  const bearer = bearerCredential(authorization);
  const header = xApiKey?.trim() || undefined;
  if (bearer && header && bearer !== header) return undefined;
  return bearer ?? header;
}
