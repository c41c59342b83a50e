import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

// Placeholder: the interactive reference page is being built (issue 5).
export const docsRoutes = new Hono<AppEnv>().get("/docs", (c) => c.text("API reference: see /openapi.json"));
