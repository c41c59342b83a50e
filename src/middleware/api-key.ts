import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { isUsable, type Scope } from "../keys/key-record.ts";
import { ApiKeyStore } from "../keys/key-store.ts";
import { BEARER_CHALLENGE, bearerCredential } from "../lib/bearer.ts";
import { ApiError } from "../lib/errors.ts";

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
  return createMiddleware<AppEnv>(async function apiKeyAuth(c, next) {
    if (c.req.method === "OPTIONS") return next();
    const key = presentedKey(c.req.header("Authorization"), c.req.header("X-API-Key"));
    const record = key ? await new ApiKeyStore(c.env.API_KEYS).find(key) : null;
    if (!record || !isUsable(record)) {
      throw new ApiError("unauthorized", "A valid API key is required.", BEARER_CHALLENGE);
    }
    const origin = c.req.header("Origin");
    if (origin && record.allowedOrigins && !record.allowedOrigins.includes(origin)) {
      // CORS headers are only ever sent for listed origins (SPEC §2).
      c.header("Access-Control-Allow-Origin", undefined);
      c.header("Access-Control-Expose-Headers", undefined);
      throw new ApiError("forbidden", "This API key may not be used from this origin.");
    }
    if (!scopes.some((scope) => record.scopes.includes(scope))) {
      throw new ApiError("forbidden", `This API key needs one of the scopes: ${scopes.join(", ")}.`);
    }
    c.set("apiKey", record);
    await next();
  });
}

/** The key from either header; two different keys at once are refused rather than guessed. */
function presentedKey(authorization: string | undefined, xApiKey: string | undefined): string | undefined {
  const bearer = bearerCredential(authorization);
  const header = xApiKey?.trim() || undefined;
  if (bearer && header && bearer !== header) return undefined;
  return bearer ?? header;
}
