import * as z from "zod/mini";
import type { AppEnv } from "../env.ts";
import { Hono } from "../lib/hono.ts";
import { defineRoute } from "../lib/openapi.ts";

export const Health = z.object({ status: z.literal("ok") });

export const getHealth = defineRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  summary: "Liveness check",
  description: "Needs no key and never calls Frontpayment.",
  tags: ["meta"],
  responses: { 200: { description: "The Worker is up", schema: Health, example: { status: "ok" } } },
});

export const healthRoutes = new Hono<AppEnv>().get(getHealth.honoPath, (c) =>
  c.json({ status: "ok" } as const, 200, { "Cache-Control": "no-store" }),
);
