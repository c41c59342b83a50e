import { ApiError } from "../lib/errors.ts";
import { Hono } from "../lib/hono.ts";
import type { AppEnv } from "../services.ts";

/**
 * GET /openapi.json: the document `npm run openapi` generates into public/openapi.json from
 * the routes' own schemas (src/openapi-spec.ts). It is a static asset rather than part of the
 * bundle (it would add ~4 KB gzip to every cold start); the Worker still answers the route
 * (wrangler.toml `run_worker_first`) so it carries the same headers as every other answer.
 * The asset's body goes into an answer built with `c.body()`, so the headers the middleware
 * prepared (request id, protecting headers) reach it like any other answer.
 */
export const openApiRoutes = new Hono<AppEnv>().get("/openapi.json", async (c) => {
  const asset = await c.env.ASSETS.fetch(new URL("/openapi.json", c.req.url));
  if (!asset.ok) throw new ApiError("internal_error", "The API description is missing from this deployment.");
  return c.body(asset.body!, 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "public, max-age=300",
    // Public: a docs viewer or a client generator hosted elsewhere may load it from a page.
    "Access-Control-Allow-Origin": "*",
  });
});
