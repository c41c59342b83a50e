import { createMiddleware } from "hono/factory";
import { BEARER_CHALLENGE, bearerCredential } from "../lib/bearer.ts";
import { secretsEqual } from "../lib/crypto.ts";
import { ApiError } from "../lib/errors.ts";
import type { ServicesVariables } from "../services.ts";

/**
 * Requires `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. Without an
 * ADMIN_TOKEN secret every admin call is refused, so a forgotten secret fails closed.
 *
 * @example
 * app.use("/admin/*", adminAuth())
 */
export function adminAuth() {
  return createMiddleware<{ Bindings: Env; Variables: ServicesVariables }>(async function adminAuth(c, next) {
    const expected = c.get("services").settings.adminToken;
    const given = bearerCredential(c.req.header("Authorization"));
    if (!expected || !given || !(await secretsEqual(given, expected))) {
      throw new ApiError("unauthorized", "A valid admin token is required.", BEARER_CHALLENGE);
    }
    await next();
  });
}
