import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { routePath } from "hono/route";
import type { CallerVariables } from "./authenticate.ts";

/** Set by the read path when it waited for Frontpayment, for the log line. */
export type UpstreamVariables = { upstreamStatus: number; upstreamMs: number };

/** What the log line reads; only the request id exists on every route. */
type AccessLogEnv = { Variables: RequestIdVariables & Partial<CallerVariables & UpstreamVariables> };

/**
 * One structured JSON line per request, for Workers Logs (`[observability]`): request id,
 * route pattern (not the path), status, cache outcome, upstream status and time, key id.
 * Deliberately never the key, a token, the customer's data or the query string.
 *
 * @example
 * app.use(requestId(), accessLog())
 */
export function accessLog() {
  return createMiddleware<AccessLogEnv>(async function accessLog(c, next) {
    const started = Date.now();
    await next();
    console.log(
      JSON.stringify({
        level: "info",
        message: "request",
        requestId: c.get("requestId"),
        method: c.req.method,
        // The last handler that ran (not merely matched): the route pattern, never the raw path.
        route: routePath(c) || null,
        status: c.res.status,
        cache: c.res.headers.get("Cache-Status"),
        upstreamStatus: c.get("upstreamStatus") ?? null,
        upstreamMs: c.get("upstreamMs") ?? null,
        // The key's public id (an edge token's issuing key's); never a key or a token.
        keyId: c.get("caller")?.key?.id ?? null,
        caller: c.get("caller")?.kind ?? null,
        durationMs: Date.now() - started,
      }),
    );
  });
}
