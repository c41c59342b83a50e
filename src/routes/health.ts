import type { TypedResponse } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../env.ts";
import { Hono } from "../lib/hono.ts";
import { defineRoute } from "../lib/openapi.ts";
import { answerHeaders } from "../middleware/every-answer.ts";

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

const healthy = JSON.stringify({ status: "ok" } satisfies z.infer<typeof Health>);
const healthyHeaders = answerHeaders({ "Content-Type": "application/json", "Cache-Control": "no-store" });

// Built directly, every header in one go (answerHeaders); the type says what c.json would.
export const healthRoutes = new Hono<AppEnv>().get(
  getHealth.honoPath,
  () =>
    new Response(healthy, { status: 200, headers: healthyHeaders }) as unknown as TypedResponse<
      z.infer<typeof Health>,
      200,
      "json"
    >,
);
