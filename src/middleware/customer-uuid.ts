import { sValidator } from "@hono/standard-validator";
import { createMiddleware } from "hono/factory";
import { CustomerUuidParam } from "../customers/schemas.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { problemHook } from "../lib/validation.ts";

export const invalidCustomerUuid = () =>
  new ApiError("invalid_customer_uuid", "uuid: must be 1 to 64 letters or digits");

/**
 * Percent escapes in a customer id are refused outright (docs/api.md#customer-answers), but
 * the router has already decoded the path, so the raw URL is checked (`%41BC` would otherwise
 * pass as `ABC`). Route prefixes hold no `%`.
 *
 * @example
 * app.get("/v1/customers/:uuid", rejectEscapedUuid, customerUuidParam, handler)
 */
export const rejectEscapedUuid = createMiddleware<AppEnv>(async function rejectEscapedUuid(c, next) {
  if (rawPath(c.req.url).includes("%")) throw invalidCustomerUuid();
  await next();
});

/** The path of an absolute URL as sent, without parsing the whole URL on every request. */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/** Validates `:uuid` (letters and digits, 1 to 64) into `c.req.valid("param")`. */
export const customerUuidParam = sValidator("param", CustomerUuidParam, problemHook("invalid_customer_uuid"));
