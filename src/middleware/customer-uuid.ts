import { sValidator } from "@hono/standard-validator";
import { CustomerUuidParam } from "../customers/schemas.ts";
import { ApiError } from "../lib/errors.ts";
import { problemHook } from "../lib/validation.ts";

export const invalidCustomerUuid = () =>
  new ApiError("invalid_customer_uuid", "uuid: must be 1 to 64 letters or digits");

const validateUuid = sValidator("param", CustomerUuidParam, problemHook("invalid_customer_uuid"));

/**
 * Validates `:uuid` (letters and digits, 1 to 64) into `c.req.valid("param")`.
 *
 * Percent escapes in a customer id are refused outright (docs/api.md#customer-answers), but
 * the router has already decoded the path, so the raw URL is checked first (`%41BC` would
 * otherwise pass as `ABC`). Route prefixes hold no `%`. One middleware for both: each layer
 * in a route's chain costs every request its own step through Hono's composition.
 *
 * @example
 * app.get("/v1/customers/:uuid", customerUuidParam, handler)
 */
// Typed as the validator it wraps, so that `c.req.valid("param")` stays typed in the route.
export const customerUuidParam = (async (c, next) => {
  if (rawPath(c.req.url).includes("%")) throw invalidCustomerUuid();
  return validateUuid(c, next);
}) as typeof validateUuid;

/** The path of an absolute URL as sent, without parsing the whole URL on every request. */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}
