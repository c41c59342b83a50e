import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { routePath } from "hono/route";
import type { CallerVariables } from "./authenticate.ts";

/** Set by the read path when it waited for Frontpayment, for the log line. */
export type UpstreamVariables = { upstreamStatus: number; upstreamMs: number };

/** What the log line reads; only the request id exists on every route. */
type EveryAnswerEnv = { Variables: RequestIdVariables & Partial<CallerVariables & UpstreamVariables> };

/**
 * What protects a JSON answer: no sniffing, no framing or loading as a document (CSP
 * `default-src 'none'; frame-ancestors 'none'`), HTTPS only, no referrer, and a resource policy
 * that lets pages on other origins read it through CORS. The browser-document headers
 * (X-XSS-Protection, X-Frame-Options beside frame-ancestors, Origin-Agent-Cluster, ...) do
 * nothing on JSON and cost every mobile answer bytes; /docs, a real page, sets its own.
 */
export const API_SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "no-referrer"],
  ["Cross-Origin-Resource-Policy", "cross-origin"],
];

/**
 * What every answer of every route gets, around Hono's `requestId()` (which sets
 * `c.var.requestId` and `X-Request-Id`, echoing a caller's own id of 1 to 64 letters, digits,
 * `_`, `-` or `=`):
 *
 * - the protecting headers above, set with `c.header()` before the handler, so every answer
 *   built with `c.json()`/`c.body()` carries them, errors included; a route that is a real page
 *   (/docs) sets its own over them;
 * - one structured JSON log line for Workers Logs (`[observability]`): request id, route
 *   pattern (not the path), status, cache outcome, upstream status and time, key id. Never
 *   the key, a token, the customer's data or the query string.
 *
 * @example
 * app.use(requestId({ limitLength: 64 }), everyAnswer())
 */
export function everyAnswer() {
  return createMiddleware<EveryAnswerEnv>(async function everyAnswer(c, next) {
    const started = Date.now();
    for (const [name, value] of API_SECURITY_HEADERS) c.header(name, value);
    await next();
    const caller = c.get("caller");
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
        keyId: caller?.key?.id ?? null,
        caller: caller?.kind ?? null,
        durationMs: Date.now() - started,
      }),
    );
  });
}
