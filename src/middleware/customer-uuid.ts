import { CustomerUuidParam } from "../customers/schemas.ts";
import { ApiError } from "../lib/errors.ts";
import { paramValidator } from "./params.ts";

export const invalidCustomerUuid = () =>
  new ApiError("invalid_customer_uuid", "uuid: must be 1 to 64 letters or digits");

/**
 * Validates `:uuid` (letters and digits, 1 to 64, no percent escapes) into
 * `c.req.valid("param")`, answering `400 invalid_customer_uuid`.
 *
 * @example
 * app.delete("/admin/cache/customers/:uuid", customerUuidParam, handler)
 */
export const customerUuidParam = paramValidator(CustomerUuidParam, "invalid_customer_uuid");
