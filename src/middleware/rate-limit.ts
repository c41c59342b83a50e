import type { Context } from "hono";
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
 * Resolves when the request may go on; rejects with 429 `rate_limited` when it may not.
 */
export async function checkRateLimit(c: Context<AppEnv>): Promise<void> {
  c.header("RateLimit-Policy", POLICY);
  startTime(c, "ratelimit", "per-key rate limit");
  const { success } = await c.env.RATE_LIMITER.limit({ key: c.var.apiKey.id });
  endTime(c, "ratelimit");
  if (success) return;
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

/**
 * Waits for the rate limit before anything else runs.
 *
 * @example
 * app.get("/v1/customers/*", apiKeyAuth(scopes), rateLimit(), handler)
 */
export function rateLimit() {
  return createMiddleware<AppEnv>(async function rateLimit(c, next) {
    await checkRateLimit(c);
    await next();
  });
}

/**
 * Starts the rate-limit check and goes on at once, leaving the verdict in `c.var.rateLimit`
 * for the handler to await before it answers or calls upstream: the check then overlaps the
 * cache read instead of adding its own wait to every request.
 *
 * @example
 * app.get("/v1/customers/:uuid", apiKeyAuth(scopes), startRateLimit(), async (c) => {
 *   const [cached] = await Promise.all([cache.read(uuid), c.var.rateLimit]);
 * })
 */
export function startRateLimit() {
  return createMiddleware<AppEnv>(async function startRateLimit(c, next) {
    const verdict = checkRateLimit(c);
    // Handled here so that a request refused for another reason first (a bad id) leaves no
    // unhandled rejection behind; the handler still sees the rejection when it awaits.
    verdict.catch(() => {});
    c.set("rateLimit", verdict);
    await next();
  });
}
