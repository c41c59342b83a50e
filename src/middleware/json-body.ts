import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors.ts";

/**
 * Requires a JSON body of at most `maxKiB`. Hono's JSON validator reads a body with any other
 * Content-Type as `{}`, which would answer "name: Invalid input" to a caller whose real mistake
 * is the header; this names that mistake.
 *
 * @example
 * app.post("/admin/keys", jsonBody(16), sValidator("json", CreateKeyBody, hook), handler)
 */
export function jsonBody(maxKiB: number) {
  return every(
    createMiddleware(async function requireJsonBody(c, next) {
      const mediaType = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
      if (mediaType !== "application/json") {
        throw new ApiError("invalid_request", "The body must be JSON, sent with Content-Type: application/json.");
      }
      await next();
    }),
    bodyLimit({
      maxSize: maxKiB * 1024,
      onError: () => {
        throw new ApiError("invalid_request", `The body is larger than ${maxKiB} KiB.`);
      },
    }),
  );
}
