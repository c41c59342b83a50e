import * as z from "zod/mini";
import { Hono } from "../lib/hono.ts";
import type { AppEnv } from "../services.ts";
import { defineOperation } from "./define-operation.ts";

export const Health = z.object({ status: z.literal("ok") });

export const getHealth = defineOperation({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  summary: "Liveness check",
  description: "Needs no key and never calls Frontpayment.",
  tags: ["meta"],
  responses: { 200: { description: "The Worker is up", schema: Health, example: { status: "ok" } } },
});

export const healthRoutes = new Hono<AppEnv>().get(getHealth.honoPath, getHealth.chain, (c) =>
  c.json({ status: "ok" } satisfies z.infer<typeof Health>, 200, { "Cache-Control": "no-store" }),
);
