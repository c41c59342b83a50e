import { createMiddleware } from "hono/factory";
import { endTime, startTime } from "hono/timing";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../lib/errors.ts";

/** Must match `[[ratelimits]]` in wrangler.toml; the binding itself cannot be asked. */
export const RATE_LIMIT = { limit: 120, periodSeconds: 60 } as const;
const POLICY = `"per-key";q=${RATE_LIMIT.limit};w=${RATE_LIMIT.periodSeconds}`;

/**
 * Per-API-key request limit through the `RATE_LIMITER` binding, keyed by the key's public id.
 * Counts per Cloudflare location. The binding tells only "over or not", so the draft
 * `RateLimit` header is sent only when it is known to be true: on a refusal, with r=0.
 *
 * @example
 * app.use("/v1/*", apiKeyAuth(scopes), rateLimit())
 */
export function rateLimit() {
  return createMiddleware<AppEnv>(async function rateLimit(c, next) {
    if (c.req.method === "OPTIONS") return next();
    c.header("RateLimit-Policy", POLICY);
    startTime(c, "ratelimit", "per-key rate limit");
    const { success } = await c.env.RATE_LIMITER.limit({ key: c.var.apiKey.id });
    endTime(c, "ratelimit");
    if (!success) {
      const period = String(RATE_LIMIT.periodSeconds);
      throw new ApiError(
        "rate_limited",
        `This API key is over its limit of ${RATE_LIMIT.limit} requests per ${period} s.`,
        {
          "Retry-After": period,
          RateLimit: `"per-key";r=0;t=${period}`,
        },
      );
    }
    await next();
  });
}
