import { createMiddleware } from "hono/factory";
import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";
import { ApiError } from "../lib/errors.ts";
import type { ServicesVariables } from "../services.ts";
import type { Caller, CallerVariables } from "./authenticate.ts";

/**
 * The per-key limit. wrangler.toml's `[[ratelimits]]` block must say the same (the binding
 * cannot be asked); `npm run check:generated` compares the two.
 */
export const RATE_LIMIT = { limit: 120, periodSeconds: 60 } as const;
const POLICY = `"per-key";q=${RATE_LIMIT.limit};w=${RATE_LIMIT.periodSeconds}`;

/** A request's rate-limit verdict, in the two strengths a handler needs; both reject with 429. */
export interface RateGate {
  /** The binding's verdict on this request: awaited before anything goes upstream. */
  verdict: Promise<void>;
  /**
   * What an answer from cache waits for: nothing when this caller's last verdict in this
   * isolate, within 10 s, was "allowed"; else `verdict` itself.
   */
  forCachedAnswer: Promise<void>;
}

/** What `rateLimit` sets. */
export type RateLimitVariables = { rateLimit: RateGate };

/**
 * Callers whose last verdict was "allowed", per isolate (built by the composition root): a
 * cache hit for them is answered without waiting for the binding, whose own verdict then only
 * updates this. Bound: 10,000 callers for 10 s each. A refusal removes the caller at once, so
 * a caller gets at most the requests already in flight in this isolate past its limit (one,
 * for a client that waits for each answer) — the binding counts per location and approximately
 * anyway.
 */
export const newRateMemory = () => new BoundedTtlMap<string, true>(10_000, 10_000);
export type RateMemory = ReturnType<typeof newRateMemory>;

type RateLimitEnv = { Bindings: Env; Variables: CallerVariables & RateLimitVariables & ServicesVariables };

export const rateLimited = (who = "This API key") => {
  const period = String(RATE_LIMIT.periodSeconds);
  return new ApiError("rate_limited", `${who} is over its limit of ${RATE_LIMIT.limit} requests per ${period} s.`, {
    "Retry-After": period,
    RateLimit: `"per-key";r=0;t=${period}`,
  });
};

/**
 * Per-caller request limit through the `RATE_LIMITER` binding: an API key by its public id, a
 * customer token by its customer (so one leaked token cannot drain its issuing key's budget).
 * Counts per Cloudflare location. The binding tells only "over or not", so the draft
 * `RateLimit` header is sent only when it is known to be true: on a refusal, with r=0.
 *
 * The check starts at once and its gate goes on `c.var.rateLimit`, so the handler can await
 * it together with its cache read instead of adding its own wait (the read path takes it as a
 * required argument). Whatever the handler does, the gate is awaited before the answer leaves:
 * a request over the limit is answered 429 even by a handler that never looked.
 *
 * @example
 * app.get("/v1/customers/:uuid", authenticate(options), rateLimit(), async (c) => {
 *   const lookup = await c.get("services").customers.get(uuid, { gate: c.get("rateLimit"), ... });
 * })
 */
export function rateLimit() {
  return createMiddleware<RateLimitEnv>(async function rateLimit(c, next) {
    c.header("RateLimit-Policy", POLICY);
    const caller = c.get("caller");
    const memory = c.get("services").rateMemory;
    const allowedBefore = memory.get(caller.rateLimitKey) === true;
    const verdict = check(c.env.RATE_LIMITER, caller, memory);
    // Handled here so that a request refused for another reason first leaves no unhandled
    // rejection behind; it is awaited below all the same.
    verdict.catch(() => {});
    const forCachedAnswer = allowedBefore ? Promise.resolve() : verdict;
    c.set("rateLimit", { verdict, forCachedAnswer });
    await next();
    if (allowedBefore) c.executionCtx.waitUntil(verdict.catch(() => {}));
    else await verdict;
  });
}

async function check(limiter: RateLimit, caller: Caller, memory: RateMemory): Promise<void> {
  const { success } = await limiter.limit({ key: caller.rateLimitKey });
  if (success) {
    memory.set(caller.rateLimitKey, true);
    return;
  }
  memory.delete(caller.rateLimitKey);
  throw rateLimited(caller.kind === "key" ? "This API key" : "This customer");
}
