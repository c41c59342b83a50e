/**
 * The emulator's seeded customers and behaviours: plain data with no Node imports, so tests
 * running inside workerd can import it too (the leak scan needs the personal numbers).
 */
export const MODES = [
  "ok",
  "status",
  "html",
  "malformed",
  "schema",
  "slow",
  "redirect",
  "drop",
  "fail-then-ok",
  "huge",
  "foreign-404",
  "gateway-404",
  "other-customer",
  "throttled",
  "throttled-date",
] as const;
export type Mode = (typeof MODES)[number];
/**
 * `delayMs` is extra delay on any mode; for "slow" it is the delay itself (default slowMs).
 * "foreign-404": Frontpayment's 404 envelope of another resource (`orderNotFound`);
 * "gateway-404": a proxy's HTML 404 page; "other-customer": a 200 carrying another customer's
 * record; "throttled" / "throttled-date": a 429 whose `Retry-After` is `retryAfterSeconds`
 * (default 30) as a number, or as an HTTP date that many seconds from now.
 */
export interface Behaviour {
  mode: Mode;
  status?: number;
  failures?: number;
  delayMs?: number;
  retryAfterSeconds?: number;
  /**
   * Hold each answer until POST /__emulator/release/<uuid>, so a test acts while a call is
   * provably in flight. The answer is the one due when the request arrived.
   */
  hold?: boolean;
}

/** Numbers where Frontpayment documents strings: its own examples elsewhere send them so. */
interface Address {
  uuid: string;
  street: string;
  zip: string | number;
  city: string;
  country: string;
}
export interface CustomerData {
  uuid: string;
  type: string;
  name: string;
  countryCode: string | number;
  msisdn: string | number;
  organizationId: string | number | null;
  personalNumber: string | null;
  email: string;
  preferredLanguage: string | null;
  status: string;
  addresses: { billing: Address | null; shipping: Address | null };
}

const address = (uuid: string, street: string, zip: string | number, city: string, country = "NO"): Address => ({
  uuid,
  street,
  zip,
  city,
  country,
});
const person = (uuid: string, name: string, fields: Partial<CustomerData>): CustomerData => ({
  uuid,
  type: "Private",
  name,
  countryCode: "+47",
  msisdn: "00000000",
  organizationId: null,
  personalNumber: null,
  email: "",
  preferredLanguage: null,
  status: "Active",
  addresses: { billing: null, shipping: null },
  ...fields,
});

export const EXAMPLE_CUSTOMER_UUID = "CSRT1511414842";

export const SEEDS: Record<string, { uuid: string; data?: CustomerData; behaviour?: Behaviour }> = {
  example: {
    uuid: EXAMPLE_CUSTOMER_UUID,
    data: person(EXAMPLE_CUSTOMER_UUID, "Kari Nordmann", {
      email: "kari.nordmann@example.no",
      addresses: {
        billing: address("ADRS2208147269", "Luramyrveien 65", "4313", "Sandnes"),
        shipping: address("ADRS1016062549", "Sjøhusbakken 42", "4313", "Stavanger"),
      },
    }),
  },
  business: {
    uuid: "CSRT2207300418",
    data: person("CSRT2207300418", "Nordlys Kaffebrenneri AS", {
      type: "Business",
      msisdn: "91234567",
      organizationId: "987654321",
      personalNumber: "01017012345",
      email: "faktura@nordlys-kaffe.example.no",
      preferredLanguage: "en",
      addresses: {
        billing: address("ADRS3107221190", "Dronningens gate 12", "7011", "Trondheim"),
        shipping: address("ADRS3107221191", "Sluppenvegen 19", "7037", "Trondheim"),
      },
    }),
  },
  nullShipping: {
    uuid: "CSRT1903125577",
    data: person("CSRT1903125577", "Ola Hansen", {
      msisdn: "46829314",
      personalNumber: "17058433219",
      email: "ola.hansen@example.no",
      preferredLanguage: "nb",
      addresses: { billing: address("ADRS1903125501", "Storgata 7", "9008", "Tromsø"), shipping: null },
    }),
  },
  emptyMsisdn: {
    uuid: "CSRT2011048836",
    data: person("CSRT2011048836", "Ingrid Solberg", {
      msisdn: "",
      personalNumber: "29029622874",
      email: "ingrid.solberg@example.no",
      status: "Inactive",
      addresses: {
        billing: address("ADRS2011048801", "Kongens gate 3", "0153", "Oslo"),
        shipping: address("ADRS2011048802", "Bogstadveien 51", "0366", "Oslo"),
      },
    }),
  },
  fail500: { uuid: "CSRTFAIL500", behaviour: { mode: "status", status: 500 } },
  fail510: { uuid: "CSRTFAIL510", behaviour: { mode: "status", status: 510 } },
  html: { uuid: "CSRTHTML502", behaviour: { mode: "html" } },
  malformedJson: { uuid: "CSRTMALFORMED", behaviour: { mode: "malformed" } },
  schemaViolation: { uuid: "CSRTSCHEMA", behaviour: { mode: "schema" } },
  slow: {
    uuid: "CSRTSLOW",
    behaviour: { mode: "slow" },
    data: person("CSRTSLOW", "Lars Berg", {
      countryCode: "+46",
      msisdn: "701234567",
      personalNumber: "19900811-4773",
      email: "lars.berg@example.se",
      preferredLanguage: "sv",
      addresses: {
        billing: address("ADRS0811199001", "Drottninggatan 88", "111 36", "Stockholm", "SE"),
        shipping: address("ADRS0811199002", "Götgatan 14", "118 46", "Stockholm", "SE"),
      },
    }),
  },
  redirect: { uuid: "CSRTREDIRECT", behaviour: { mode: "redirect" } },
  drop: { uuid: "CSRTDROP", behaviour: { mode: "drop" } },
  // Read liberally: answered as decimal strings, the unknown field ignored.
  numericFields: {
    uuid: "CSRTNUMERIC",
    data: {
      ...person("CSRTNUMERIC", "Fjordkraft Testkunde AS", {
        type: "Corporate",
        countryCode: 47,
        msisdn: 45678901,
        organizationId: 192933933,
        email: "post@fjordkraft-test.example.no",
        addresses: { billing: address("ADRS7001", "Nygårdsgaten 1", 5015, "Bergen"), shipping: null },
      }),
      loyaltyTier: "gold",
    } as CustomerData,
  },
  foreign404: { uuid: "CSRTFOREIGN404", behaviour: { mode: "foreign-404" } },
  gateway404: { uuid: "CSRTGATEWAY404", behaviour: { mode: "gateway-404" } },
  otherCustomer: { uuid: "CSRTOTHERCUSTOMER", behaviour: { mode: "other-customer" } },
  throttled: { uuid: "CSRTTHROTTLED", behaviour: { mode: "throttled" } },
  throttledDate: { uuid: "CSRTTHROTTLEDDATE", behaviour: { mode: "throttled-date" } },
};

export const SEEDED: Record<string, string> = Object.fromEntries(
  Object.entries(SEEDS).map(([name, seed]) => [name, seed.uuid]),
);
export const PERSONAL_NUMBERS: string[] = Object.values(SEEDS).flatMap((seed) => seed.data?.personalNumber ?? []);

/** The personal number every generated customer carries; it must never come back. */
export const TEST_PERSONAL_NUMBER = "31129912345";

/** A realistic upstream customer (the shape and size of the documented example) for tests and the benchmark. */
export function upstreamCustomer(uuid: string, overrides: Record<string, unknown> = {}) {
  return {
    uuid,
    type: "Private",
    name: "Test Kunde",
    countryCode: "+47",
    msisdn: "40000000",
    organizationId: null,
    personalNumber: TEST_PERSONAL_NUMBER,
    email: "test.kunde@example.no",
    preferredLanguage: "nb",
    status: "Active",
    addresses: {
      billing: { uuid: "ADRSBILL1", street: "Storgata 1", zip: "0155", city: "Oslo", country: "NO" },
      shipping: { uuid: "ADRSSHIP1", street: "Bryggen 2", zip: "5003", city: "Bergen", country: "NO" },
    },
    ...overrides,
  };
}
