import { sValidator } from "@hono/standard-validator";
import type { MiddlewareHandler } from "hono";
import type * as z from "zod/mini";
import { ApiError, type ErrorCode } from "../lib/errors.ts";
import { problemHook } from "../lib/validation.ts";

/**
 * Validates a route's path parameters into `c.req.valid("param")`, answering `code` with the
 * problem named when they do not fit `schema`.
 *
 * Percent escapes in a path parameter are refused outright: every id here is plain letters and
 * digits, and the router has already decoded the path, so the raw URL is checked first (`%41BC`
 * would otherwise pass as `ABC`). Route prefixes hold no `%`.
 *
 * @example
 * app.get("/v1/customers/:uuid", paramValidator(CustomerUuidParam, "invalid_customer_uuid"), handler)
 */
export function paramValidator<S extends z.ZodMiniObject>(schema: S, code: ErrorCode) {
  const validate = sValidator("param", schema, problemHook(code));
  const checked: MiddlewareHandler = async (c, next) => {
    if (rawPath(c.req.url).includes("%")) {
      throw new ApiError(code, "path parameters must be letters and digits, without percent escapes");
    }
    return validate(c, next);
  };
  // Typed as the validator it wraps, so that `c.req.valid("param")` stays typed in the route.
  return checked as unknown as typeof validate;
}

/** The path of an absolute URL as sent, without parsing the whole URL on every request. */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}
