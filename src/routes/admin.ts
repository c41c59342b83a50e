import { sValidator } from "@hono/standard-validator";
import { CreateKeyBody, KeyIdParam } from "../keys/admin-schemas.ts";
import { type ApiKeyRecord, type CreatedKey, isExpired, type KeyView } from "../keys/key-record.ts";
import { ApiError } from "../lib/errors.ts";
import { Hono } from "../lib/hono.ts";
import { problemHook } from "../lib/validation.ts";
import { adminAuth } from "../middleware/admin-auth.ts";
import { customerUuidParam, invalidCustomerUuid } from "../middleware/customer-uuid.ts";
import { jsonBody } from "../middleware/json-body.ts";
import type { AppEnv } from "../services.ts";

/** Admin API (docs/api.md#admin-api), behind ADMIN_TOKEN. Not in /openapi.json: it is not public. */
export const adminRoutes = new Hono<AppEnv>()
  .use("/admin/*", adminAuth())
  .post("/admin/keys", jsonBody(16), sValidator("json", CreateKeyBody, problemHook("invalid_request")), async (c) => {
    const body = c.req.valid("json");
    const { key, record } = await c.get("services").keys.create({
      name: body.name,
      scopes: body.scopes ?? ["customers:read"],
      allowedOrigins: body.allowedOrigins ?? null,
      expiresAt: body.expiresAt ? new Date(body.expiresAt).toISOString() : null,
    });
    const { id, name, scopes, allowedOrigins, createdAt, expiresAt } = record;
    const created: CreatedKey = { id, key, name, scopes, allowedOrigins, createdAt, expiresAt };
    return c.json(created, 201, {
      "Cache-Control": "no-store",
    });
  })
  .get("/admin/keys", async (c) => {
    const records = await c.get("services").keys.list();
    const now = c.get("services").clock.now();
    return c.json({ keys: records.map((record) => keyView(record, now)) }, 200, { "Cache-Control": "no-store" });
  })
  .delete("/admin/keys/:id", sValidator("param", KeyIdParam, problemHook("not_found")), async (c) => {
    const revoked = await c.get("services").keys.revoke(c.req.valid("param").id);
    if (!revoked) throw new ApiError("not_found", "No API key with this id.");
    return c.body(null, 204);
  })
  .delete("/admin/cache/customers/:uuid", customerUuidParam, async (c) => {
    await c.get("services").cache.delete(c.req.valid("param").uuid);
    return c.body(null, 204);
  })
  // An empty id or one with slashes is still a (bad) customer id, not an unknown route.
  .delete("/admin/cache/customers/*", () => {
    throw invalidCustomerUuid();
  });

function keyView(record: ApiKeyRecord, now: number): KeyView {
  const status = record.revokedAt ? "revoked" : isExpired(record, now) ? "expired" : "active";
  return { ...record, status };
}
