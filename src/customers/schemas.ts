import * as z from "zod/mini";

/*
 * Two families of schemas:
 * - Upstream*: what Frontpayment sends. Parsing with z.object strips unknown keys, so
 *   `personalNumber`, address uuids and the envelope never get past it.
 * - Customer / CustomerAddresses: what we answer (docs/api.md#customer-answers). They also build
 *   /openapi.json.
 */

/** An address's fields, the same upstream and in our answer (upstream also sends a `uuid`). */
const addressFields = {
  street: z.string(),
  zip: z.string(),
  city: z.string(),
  country: z.string().register(z.globalRegistry, { description: "ISO 3166-1 alpha-2 code" }),
};

const UpstreamAddress = z.object(addressFields);

export const UpstreamCustomer = z.object({
  uuid: z.string(),
  type: z.string(),
  name: z.string(),
  countryCode: z.nullish(z.string()),
  msisdn: z.nullish(z.string()),
  organizationId: z.nullish(z.string()),
  email: z.string(),
  preferredLanguage: z.nullish(z.string()),
  status: z.string(),
  addresses: z.object({
    billing: z.nullable(UpstreamAddress),
    shipping: z.nullable(UpstreamAddress),
  }),
});
export type UpstreamCustomer = z.infer<typeof UpstreamCustomer>;

/** The 200 envelope; only `data` matters, the rest is Frontpayment's bookkeeping. */
export const UpstreamFound = z.object({ data: UpstreamCustomer });

export const Address = z.object(addressFields).register(z.globalRegistry, { id: "Address" });

const Addresses = z.object({
  billing: z.nullable(Address),
  shipping: z.nullable(Address),
});

export const Customer = z
  .object({
    uuid: z.string(),
    type: z.string().register(z.globalRegistry, { examples: ["Private"] }),
    name: z.string(),
    email: z.string(),
    phone: z.nullable(z.string()).register(z.globalRegistry, {
      description: "countryCode + msisdn; null when either is missing or empty",
      examples: ["+4700000000"],
    }),
    preferredLanguage: z.nullable(z.string()),
    status: z.string().register(z.globalRegistry, { examples: ["Active"] }),
    organizationId: z.nullable(z.string()),
    addresses: Addresses,
  })
  .register(z.globalRegistry, {
    id: "Customer",
    description: "A Frontpayment customer, trimmed: no personal number, no address uuids.",
  });
export type Customer = z.infer<typeof Customer>;

export const CustomerAddresses = z
  .object({ uuid: z.string(), name: z.string(), addresses: Addresses })
  .register(z.globalRegistry, {
    id: "CustomerAddresses",
    description: "What a key with only the addresses:read scope sees.",
  });
export type CustomerAddresses = z.infer<typeof CustomerAddresses>;

export const CUSTOMER_UUID_PATTERN = /^[A-Za-z0-9]{1,64}$/;

export const CustomerUuidParam = z.object({
  uuid: z
    .string()
    .check(z.regex(CUSTOMER_UUID_PATTERN, "must be 1 to 64 letters or digits"))
    .register(z.globalRegistry, {
      description: "Frontpayment customer UUID: letters and digits only, 1 to 64 characters",
      examples: ["CSRT1511414842"],
    }),
});
