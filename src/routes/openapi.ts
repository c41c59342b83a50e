import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { buildOpenApiDocument } from "../lib/openapi-document.ts";
import { getCustomer } from "./customers.ts";
import { getHealth } from "./health.ts";

/** The public operations, in document order. Admin routes are deliberately absent. */
export const PUBLIC_OPERATIONS = [getCustomer, getHealth] as const;

// Built on first request, then kept for the isolate's life: the schemas cannot change.
let document: string | undefined;

export const openApiRoutes = new Hono<AppEnv>().get("/openapi.json", (c) => {
  document ??= JSON.stringify(buildOpenApiDocument(PUBLIC_OPERATIONS));
  return c.body(document, 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "public, max-age=300",
  });
});
