import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors.ts";
import type { Caller, CallerVariables } from "./authenticate.ts";
import type { ServerTimingVariables } from "./server-timing.ts";

/**
 * The limit per API key, and per customer for customer tokens. wrangler.toml's `[[ratelimits]]`
 * block must say the same (the binding cannot be asked); `npm run check:generated` compares the
 * two.
 */
export const RATE_LIMIT = { limit: 120, periodSeconds: 60 } as const;

type RateLimitEnv = { Bindings: Env; Variables: CallerVariables & Partial<ServerTimingVariables> };

type CallerKind = Caller["kind"];

/** What is counted for each kind of caller, as the policy names it and as the refusal says it. */
const COUNTED: Record<CallerKind, { policy: string; who: string }> = {
  key: { policy: "per-key", who: "This API key" },
  token: { policy: "per-customer", who: "This customer" },
};

/** The draft IETF `RateLimit-Policy` value for a caller of this kind. */
export const rateLimitPolicy = (kind: CallerKind) =>
  `"${COUNTED[kind].policy}";q=${RATE_LIMIT.limit};w=${RATE_LIMIT.periodSeconds}`;

export const rateLimited = (kind: CallerKind) => {
  const { policy, who } = COUNTED[kind];
  const period = String(RATE_LIMIT.periodSeconds);
  return new ApiError("rate_limited", `${who} is over its limit of ${RATE_LIMIT.limit} requests per ${period} s.`, {
    "Retry-After": period,
    RateLimit: `"${policy}";r=0;t=${period}`,
    "RateLimit-Policy": rateLimitPolicy(kind),
  });
};

/**
 * Per-caller request limit through the `RATE_LIMITER` binding: an API key by its public id, a
 * customer token by its customer (so one leaked token cannot drain its issuing key's budget).
 * Counts per Cloudflare location. A gate: the handler runs only once the binding has said the
 * caller is under its limit, so nothing a handler does can happen for a refused request. The
 * binding tells only "over or not", so the draft `RateLimit` header is sent only when it is
 * known to be true: on a refusal, with r=0. `RateLimit-Policy` goes on every answer after it.
 *
 * @example
 * app.get("/v1/customers/:uuid", authenticate(options), rateLimit(), handler)
 */
export function rateLimit() {
  return createMiddleware<RateLimitEnv>(async function rateLimit(c, next) {
    const started = performance.now();
    const caller = c.get("caller");
    const { success } = await c.env.RATE_LIMITER.limit({ key: caller.rateLimitKey });
    c.get("serverTiming")?.add("ratelimit", performance.now() - started);
    if (!success) throw rateLimited(caller.kind);
    c.header("RateLimit-Policy", rateLimitPolicy(caller.kind));
    await next();
  });
}
