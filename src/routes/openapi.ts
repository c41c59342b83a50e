import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import document from "../openapi.generated.json" with { type: "json" };

// Serialised once per isolate; the document is fixed at build time (src/openapi-spec.ts).
const body = JSON.stringify(document);

export const openApiRoutes = new Hono<AppEnv>().get("/openapi.json", (c) =>
  c.body(body, 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "public, max-age=300",
  }),
);
