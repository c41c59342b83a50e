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
 * The headers a route sends on every answer of one kind, the protecting ones first, as one
 * `Headers` to build once per isolate (at module scope) and pass to `new Response(body, {
 * headers })`. Inside workerd a Response copies a Headers object natively, while a plain
 * object's entries and every header set afterwards are calls into C++ each: 9 headers take
 * ~4 µs from a Headers and ~10 µs from a plain object (`npm run bench:headers`; what it saves
 * on a whole request is in docs/performance.md). An answer built this way carries a
 * Content-Security-Policy, so everyAnswer() adds only the request id to it.
 *
 * @example
 * const healthy = answerHeaders({ "Content-Type": "application/json", "Cache-Control": "no-store" });
 * app.get("/healthz", () => new Response('{"status":"ok"}', { headers: healthy }));
 */
export function answerHeaders(fixed: Record<string, string>): Headers {
  return new Headers([...API_SECURITY_HEADERS, ...Object.entries(fixed)]);
}

/** A caller's own id is kept when it is safe to echo and to log. */
const USABLE_REQUEST_ID = /^[\w\-=]{1,64}$/;

/**
 * Everything every answer of every route gets, in one pass around the handler:
 *
 * - a request id (`c.var.requestId`, the `X-Request-Id` header): the caller's own when it is 1
 *   to 64 letters, digits, `_`, `-` or `=`, else a new UUID;
 * - the protecting headers above, unless the route chose its own (an answer that already
 *   carries a Content-Security-Policy, like the /docs page, keeps all of its own);
 * - one structured JSON log line for Workers Logs (`[observability]`): request id, route
 *   pattern (not the path), status, cache outcome, upstream status and time, key id. Never
 *   the key, a token, the customer's data or the query string.
 *
 * One middleware rather than Hono's requestId, secureHeaders and a logger in a row: on a cached
 * read, each layer and each header written twice cost measurable µs (docs/performance.md), and
 * here every header is written once, on the answer itself.
 *
 * @example
 * app.use(everyAnswer())
 */
export function everyAnswer() {
  return createMiddleware<EveryAnswerEnv>(async function everyAnswer(c, next) {
    const started = Date.now();
    const incoming = c.req.raw.headers.get("X-Request-Id");
    const requestId = incoming !== null && USABLE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    await next();

    // Every answer here is one this Worker built, so its headers can be written in place.
    const headers = c.res.headers;
    headers.set("X-Request-Id", requestId);
    if (!headers.has("Content-Security-Policy")) {
      for (const [name, value] of API_SECURITY_HEADERS) headers.set(name, value);
    }
    const caller = c.get("caller");
    console.log(
      JSON.stringify({
        level: "info",
        message: "request",
        requestId,
        method: c.req.method,
        // The last handler that ran (not merely matched): the route pattern, never the raw path.
        route: routePath(c) || null,
        status: c.res.status,
        cache: headers.get("Cache-Status"),
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
