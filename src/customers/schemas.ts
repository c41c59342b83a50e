import * as z from "zod/mini";
import { CUSTOMER_UUID_PATTERN } from "../lib/customer-uuid.ts";

/*
 * Two families of schemas:
 * - Upstream*: what Frontpayment sends, read liberally (docs/api.md#reading-frontpayment).
 *   Parsing with z.object strips unknown keys, so `personalNumber`, address uuids, the
 *   envelope and any field Frontpayment adds later never get past it.
 * - Customer / CustomerAddresses: what we answer (docs/api.md#customer-answers). They also build
 *   /openapi.json.
 */

/**
 * A string, or an integer where Frontpayment documents a string (its own examples elsewhere
 * send `organizationId` as a number): read as its decimal string. A fraction, or an integer
 * too big to be exact, cannot be read as one and stays a schema violation.
 */
const digits = z.pipe(
  z.union([z.string(), z.int()]),
  z.transform((value: string | number) => (typeof value === "number" ? String(value) : value)),
);

/** An address's fields in our answer (upstream also sends a `uuid`). */
const addressFields = {
  street: z.string(),
  zip: z.string(),
  city: z.string(),
  country: z.string().register(z.globalRegistry, { description: "ISO 3166-1 alpha-2 code" }),
};

const UpstreamAddress = z.object({ ...addressFields, zip: digits });

export const UpstreamCustomer = z.object({
  uuid: z.string(),
  type: z.string(),
  name: z.string(),
  countryCode: z.nullish(digits),
  msisdn: z.nullish(digits),
  organizationId: z.nullish(digits),
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

export const CustomerUuidParam = z.object({
  uuid: z
    .string()
    .check(z.regex(CUSTOMER_UUID_PATTERN, "must be 1 to 64 letters or digits"))
    .register(z.globalRegistry, {
      description: "Frontpayment customer UUID: letters and digits only, 1 to 64 characters",
      examples: ["CSRT1511414842"],
    }),
});
