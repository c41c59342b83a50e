import type { Context } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { RegExpRouter } from "hono/router/reg-exp-router";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, ERRORS, type ErrorCode, problemBody } from "./lib/errors.ts";
import { Hono } from "./lib/hono.ts";
import { logLine } from "./lib/log.ts";
import { everyAnswer } from "./middleware/every-answer.ts";
import { serverTiming } from "./middleware/server-timing.ts";
import { adminRoutes } from "./routes/admin.ts";
import { customerTokenRoutes } from "./routes/customer-tokens.ts";
import { customerRoutes } from "./routes/customers.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import type { AppEnv } from "./services.ts";
import { type Deps, services } from "./services.ts";

/** Headers a browser caller may read (CORS hides the rest). */
const EXPOSED_HEADERS = [
  "ETag",
  "Cache-Status",
  "X-Request-Id",
  "Server-Timing",
  "Retry-After",
  "WWW-Authenticate",
  "Allow",
  "RateLimit",
  "RateLimit-Policy",
];

/**
 * The app: middleware order, routes, errors. `deps` replaces what a test or a benchmark needs
 * to control (the clock, the upstream guard, the outbound fetch); src/services.ts builds the
 * rest.
 */
export function createApp(deps: Deps = {}) {
  const app = new Hono<AppEnv>();

  // Every answer of every route: an id (a caller's own of 1 to 64 safe characters is echoed),
  // the protecting headers, a log line.
  app.use(requestId({ limitLength: 64 }), everyAnswer());
  // Only where they are used: /healthz and /openapi.json stay as cheap as a route can be.
  const withServices = services(deps);
  app.use("/v1/*", serverTiming(), withServices);
  app.use("/admin/*", withServices);

  // Preflights carry no credentials, so they are answered by key-independent rules
  // (docs/api.md#cors); the per-key `allowedOrigins` check happens in authenticate() on the
  // real request. Servers and apps send no Origin: they get no CORS headers to pay for.
  const corsForBrowsers = cors({
    origin: (origin) => origin,
    allowMethods: ["GET"],
    // One string, so the header reads exactly as documented (Hono joins with ",").
    allowHeaders: ["Authorization, X-API-Key, If-None-Match"],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  app.use("/v1/*", async function corsIfBrowser(c, next) {
    if (c.req.header("Origin") !== undefined) return corsForBrowsers(c, next);
    await next();
    // The answer differs with Origin, so a cache keyed without it must not reuse it. Set on the
    // answer itself, as hono/cors does: after the handler, `c.header()` copies the Response.
    c.res.headers.append("Vary", "Origin");
  });

  const routes = app
    .route("/", healthRoutes)
    .route("/", customerRoutes)
    .route("/", customerTokenRoutes)
    .route("/", adminRoutes)
    .route("/", openApiRoutes)
    .route("/", docsRoutes);

  // A request comes here only when no route takes its method on its path: the one place where
  // a wrong method (405) is told from an unknown path, at no cost to any other request.
  const allowedMethods = methodsOf(routes);
  app.notFound((c) => {
    const methods = allowedMethods(c.req.path);
    if (methods.length === 0) return problem(c, "not_found", "No route matches this path.");
    const allow = methods.join(", ");
    return problem(c, "method_not_allowed", `Use ${allow} on this path.`, { Allow: allow });
  });
  app.onError((error, c) => {
    if (error instanceof ApiError) return problem(c, error.code, error.detail, error.headers);
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own refusals (malformed JSON body, ...): their messages are ours to show.
      const code = codeForStatus(error.status);
      return problem(c, code, error.message || ERRORS[code].title);
    }
    logLine("error", "unhandled error", { requestId: c.get("requestId"), error: describe(error) });
    return problem(c, "internal_error", "Something went wrong on our side.");
  });

  return routes;
}

export type AppType = ReturnType<typeof createApp>;

/**
 * The methods the app's routes take on a path (GET brings HEAD), for 405s. The router is built
 * from `app.routes` at the first wrong method, as hono/method-not-allowed builds its own; that
 * middleware wraps every request, which here costs nothing until one arrives.
 */
function methodsOf(app: { routes: { method: string; path: string }[] }): (path: string) => string[] {
  let router: RegExpRouter<string[]> | undefined;
  return (path) => {
    if (!router) {
      const byPath = new Map<string, Set<string>>();
      for (const route of app.routes) {
        if (route.method === "ALL") continue; // middleware
        const methods = byPath.get(route.path) ?? new Set();
        methods.add(route.method);
        if (route.method === "GET") methods.add("HEAD");
        byPath.set(route.path, methods);
      }
      router = new RegExpRouter();
      for (const [routePath, methods] of byPath) router.add("ALL", routePath, [...methods]);
    }
    return [...new Set(router.match("ALL", path)[0].flatMap(([methods]) => methods))];
  };
}

/**
 * A problem+json answer, built through Hono like every other answer, so what the middleware
 * set with `c.header()` before the error (request id, protecting headers, CORS,
 * RateLimit-Policy) reaches it; the error's own headers (Retry-After, Allow, WWW-Authenticate,
 * ...) are added, and Content-Type and Cache-Control are always the problem's.
 */
function problem(c: Context<AppEnv>, code: ErrorCode, detail: string, headers: Record<string, string> = {}) {
  const body = problemBody(code, detail, c.get("requestId") ?? "");
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    ...headers,
    "Content-Type": "application/problem+json",
    "Cache-Control": "no-store",
  });
}

/** Hono's built-in refusals, by status, in our codes. */
const HONO_STATUS_CODES: Record<number, ErrorCode> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  429: "rate_limited",
};

function codeForStatus(status: number): ErrorCode {
  return HONO_STATUS_CODES[status] ?? "invalid_request";
}

/** Name and message only: stacks stay in the logs' own exception capture, not our lines. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown";
}
