/**
 * A storefront server's use of the packed client, type-checked with a plain Node tsconfig and run
 * against `npm run dev` by scripts/check-client.ts. Exits 1 when any expectation fails.
 *   EDGE_URL, EDGE_READ_KEY (customers:read), EDGE_ISSUING_KEY (tokens:issue)
 */
import {
  createCustomerEdgeClient,
  isProblem,
  isWholeProfile,
  type Problem,
  type ProblemCode,
} from "@customer-edge/client";

const EXAMPLE = "CSRT1511414842";
/** Read by nobody before it is prefetched, so the first /v1/me shows what prefetch did. */
const BUSINESS = "CSRT2207300418";
const UNKNOWN = "CSRTNOSUCHCUSTOMER1";
const baseUrl = process.env.EDGE_URL ?? "";
let failures = 0;

function expect(name: string, ok: boolean, detail?: unknown): void {
  if (!ok) failures += 1;
  console.log(`${ok ? "  ✓" : "  ✗"} ${name}${ok || detail === undefined ? "" : `\n      ${JSON.stringify(detail)}`}`);
}

// The types say what the service says: these lines would compile if they were `any`.
// @ts-expect-error: not one of the service's codes
const notACode: ProblemCode = "not_a_code";
void notACode;

const server = createCustomerEdgeClient({ baseUrl, credential: process.env.EDGE_READ_KEY ?? "" });

// A key read: the whole profile, told apart from the addresses view by isWholeProfile().
const read = await server.GET("/v1/customers/{uuid}", { params: { path: { uuid: EXAMPLE } } });
expect("a key reads the example customer (200)", read.response.status === 200, read.error);
if (read.data) {
  const customer = read.data;
  expect("a customers:read key gets the whole profile", isWholeProfile(customer) && customer.email.includes("@"));
  expect("the shipping city is typed and right", customer.addresses.shipping?.city === "Stavanger");
}

// A refusal, typed as a problem with its code and request id.
const missing = await server.GET("/v1/customers/{uuid}", { params: { path: { uuid: UNKNOWN } } });
const problem: Problem | undefined = missing.error;
expect(
  "an unknown customer is 404 customer_not_found, as a problem with a request id",
  missing.response.status === 404 && problem?.code === "customer_not_found" && isProblem(problem),
  problem,
);

// Issuing with prefetch, as a storefront server does for its signed-in customer.
const issuer = createCustomerEdgeClient({ baseUrl, credential: process.env.EDGE_ISSUING_KEY ?? "" });
const issued = await issuer.POST("/v1/customer-tokens", {
  body: { customerUuid: BUSINESS, scopes: ["addresses:read"], ttlSeconds: 300, prefetch: true },
});
expect(
  "the issuing key gets a token (201)",
  issued.response.status === 201 && Boolean(issued.data?.token),
  issued.error,
);
expect("expiresAt is a future time", Date.parse(issued.data?.expiresAt ?? "") > Date.now());

// /v1/me with that token: the addresses view, then a 304 for its ETag.
const page = createCustomerEdgeClient({ baseUrl, credential: () => issued.data?.token ?? "" });
// The prefetch runs in the background after the 201; a page's first read comes later than this.
await new Promise((resolve) => setTimeout(resolve, 500));
const me = await page.GET("/v1/me");
expect("/v1/me answers the token's customer (200)", me.data?.uuid === BUSINESS, me.error);
const cacheStatus = me.response.headers.get("Cache-Status") ?? "";
expect(`prefetch made the first /v1/me a cache hit (${cacheStatus})`, /\bhit\b/.test(cacheStatus));
expect("an addresses:read token gets the addresses view", me.data !== undefined && !isWholeProfile(me.data));
const etag = me.response.headers.get("ETag") ?? "";
const again = await page.GET("/v1/me", { params: { header: { "If-None-Match": etag } } });
expect("If-None-Match with the ETag is 304 with no body", again.response.status === 304 && !again.data);

// The issuing key is not a reader, and a key is refused on /v1/me: both say why in `code`.
const wrongCredential = await server.GET("/v1/me");
expect(
  "an API key on /v1/me is 403 forbidden",
  wrongCredential.response.status === 403 && wrongCredential.error?.code === "forbidden",
  wrongCredential.error,
);
const expired = createCustomerEdgeClient({ baseUrl, credential: "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl" });
const refused = await expired.GET("/v1/me");
expect(
  "a bad token is 401 unauthorized with WWW-Authenticate",
  refused.error?.code === "unauthorized" &&
    refused.response.headers.get("WWW-Authenticate")?.startsWith("Bearer") === true,
  refused.error,
);

console.log(`client calls: ${failures === 0 ? "all passed" : `${failures} failed`}`);
process.exit(failures === 0 ? 0 : 1);
