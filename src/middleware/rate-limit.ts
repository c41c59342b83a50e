import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors.ts";
import type { CallerVariables } from "./authenticate.ts";
import type { ServerTimingVariables } from "./server-timing.ts";

/**
 * The per-key limit. wrangler.toml's `[[ratelimits]]` block must say the same (the binding
 * cannot be asked); `npm run check:generated` compares the two.
 */
export const RATE_LIMIT = { limit: 120, periodSeconds: 60 } as const;
const POLICY = `"per-key";q=${RATE_LIMIT.limit};w=${RATE_LIMIT.periodSeconds}`;

/** What `rateLimit` sets: the verdict, which rejects with 429 `rate_limited` when over. */
export type RateLimitVariables = { rateLimit: Promise<void> };

type RateLimitEnv = { Bindings: Env; Variables: CallerVariables & RateLimitVariables & Partial<ServerTimingVariables> };

export const rateLimited = (who = "This API key") => {
  const period = String(RATE_LIMIT.periodSeconds);
  return new ApiError("rate_limited", `${who} is over its limit of ${RATE_LIMIT.limit} requests per ${period} s.`, {
    "Retry-After": period,
    RateLimit: `"per-key";r=0;t=${period}`,
    "RateLimit-Policy": POLICY,
  });
};

/**
 * Per-caller request limit through the `RATE_LIMITER` binding: an API key by its public id, a
 * customer token by its customer (so one leaked token cannot drain its issuing key's budget).
 * Counts per Cloudflare location. The binding tells only "over or not", so the draft
 * `RateLimit` header is sent only when it is known to be true: on a refusal, with r=0.
 *
 * The check starts at once and its verdict goes on `c.var.rateLimit`, so the handler can
 * await it together with its cache read instead of adding its own wait (the read path takes it
 * as a required argument). Whatever the handler does, the verdict is awaited before the answer
 * leaves: a request over the limit is answered 429 even by a handler that never looked.
 *
 * (Answering a cache hit from the caller's last verdict, without waiting for the binding, was
 * tried and measured: no difference beyond the noise, locally, so every answer waits for the
 * binding's own verdict. docs/performance.md has the numbers.)
 *
 * @example
 * app.get("/v1/customers/:uuid", authenticate(options), rateLimit(), async (c) => {
 *   const lookup = await c.get("services").customers.get(uuid, { gate: c.get("rateLimit"), ... });
 * })
 */
export function rateLimit() {
  return createMiddleware<RateLimitEnv>(async function rateLimit(c, next) {
    const verdict = check(c);
    // Handled here so that a request refused for another reason first leaves no unhandled
    // rejection behind; it is awaited below all the same.
    verdict.catch(() => {});
    c.set("rateLimit", verdict);
    await next();
    await verdict;
    // On the answer itself, whatever the handler built (an error included): written once,
    // where c.header() before the handler would have been written and then copied.
    c.res.headers.set("RateLimit-Policy", POLICY);
  });
}

async function check(c: Context<RateLimitEnv>): Promise<void> {
  const started = performance.now();
  const caller = c.get("caller");
  const { success } = await c.env.RATE_LIMITER.limit({ key: caller.rateLimitKey });
  c.get("serverTiming")?.add("ratelimit", performance.now() - started);
  if (!success) throw rateLimited(caller.kind === "key" ? "This API key" : "This customer");
}
