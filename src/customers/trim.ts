import type { Customer, CustomerAddresses, UpstreamCustomer } from "./schemas.ts";

/** Upstream data → our answer (SPEC §3): phone joined, personal number and address uuids gone. */
export function trimCustomer(data: UpstreamCustomer): Customer {
  return {
    uuid: data.uuid,
    type: data.type,
    name: data.name,
    email: data.email,
    phone: data.countryCode && data.msisdn ? data.countryCode + data.msisdn : null,
    preferredLanguage: data.preferredLanguage ?? null,
    status: data.status,
    organizationId: data.organizationId ?? null,
    addresses: {
      billing: data.addresses.billing && address(data.addresses.billing),
      shipping: data.addresses.shipping && address(data.addresses.shipping),
    },
  };
}

function address(a: { street: string; zip: string; city: string; country: string }) {
  return { street: a.street, zip: a.zip, city: a.city, country: a.country };
}

/** The `addresses:read` view of a profile. */
export function addressesOnly(customer: Customer): CustomerAddresses {
  return { uuid: customer.uuid, name: customer.name, addresses: customer.addresses };
}
