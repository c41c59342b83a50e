import { deepFreeze } from "./deep-freeze.ts";
import type { Customer, CustomerAddresses, UpstreamCustomer } from "./schemas.ts";

/**
 * Upstream data → our answer (docs/api.md#customer-answers): phone joined. The personal number and
 * address uuids were already dropped by parsing (schemas.ts strips unknown keys). Frozen: the
 * cache and the coalescer hand the same profile to many requests.
 */
export function trimCustomer(data: UpstreamCustomer): Customer {
  return deepFreeze({
    uuid: data.uuid,
    type: data.type,
    name: data.name,
    email: data.email,
    phone: data.countryCode && data.msisdn ? data.countryCode + data.msisdn : null,
    preferredLanguage: data.preferredLanguage ?? null,
    status: data.status,
    organizationId: data.organizationId ?? null,
    addresses: {
      billing: data.addresses.billing,
      shipping: data.addresses.shipping,
    },
  });
}

/** The `addresses:read` view of a profile. */
export function addressesOnly(customer: Customer): CustomerAddresses {
  return { uuid: customer.uuid, name: customer.name, addresses: customer.addresses };
}
