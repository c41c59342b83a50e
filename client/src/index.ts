/**
 * A typed client for customer-edge: openapi-fetch over the types openapi-typescript generated
 * from the service's /openapi.json (src/schema.ts). Every answer of every operation is typed
 * from that document, errors included, so `error` is a `Problem` and `data` the 200/201 body.
 * It names no Node, DOM or Worker type of its own: `fetch`, `Request` and `Response` are whatever
 * the host (Node 18+, a browser, Deno, Bun, a Worker) provides.
 */
import createFetchClient, { type Client } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

type Schemas = components["schemas"];
/** The whole trimmed profile: what a caller with `customers:read` reads. */
export type Customer = Schemas["Customer"];
/** The addresses view: what a caller with only `addresses:read` reads. */
export type CustomerAddresses = Schemas["CustomerAddresses"];
/** What `GET /v1/customers/{uuid}` and `GET /v1/me` answer: one of the two views. */
export type CustomerView = Customer | CustomerAddresses;
export type Address = Schemas["Address"];
/** The body of `POST /v1/customer-tokens`. */
export type CreateCustomerToken = Schemas["CreateCustomerToken"];
/** A token `POST /v1/customer-tokens` issued, with its `expiresAt`. */
export type CustomerToken = Schemas["CustomerToken"];
/** Every error answer: RFC 9457 problem details with a stable `code`. */
export type Problem = Schemas["Problem"];
/** The stable error codes; branch on these (and `status`), never on `title` or `detail`. */
export type ProblemCode = Problem["code"];
export type CustomerEdgeClient = Client<paths>;

/** A credential, or a function that returns the current one (called before every request). */
export type Credential = string | (() => string | Promise<string>);

export interface CustomerEdgeOptions {
  /** Where customer-edge runs, e.g. `https://edge.shop.example` (no trailing path). */
  baseUrl: string;
  /**
   * An API key (servers only) or a customer token (pages and apps), sent as
   * `Authorization: Bearer …`. A function is asked again on every request, so a page can hand
   * over a refreshed token without building a new client.
   */
  credential?: Credential;
  /** Another `fetch` (tests, instrumented fetches); defaults to the global one. */
  fetch?: (input: Request) => Promise<Response>;
}

/** Builds the client: `client.GET("/v1/me")`, `client.POST("/v1/customer-tokens", { body })`, … */
export function createCustomerEdgeClient(options: CustomerEdgeOptions): CustomerEdgeClient {
  const client = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { credential } = options;
  if (credential !== undefined) {
    client.use({
      async onRequest({ request }) {
        const value = typeof credential === "string" ? credential : await credential();
        request.headers.set("Authorization", `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}

/**
 * True for the whole profile, false for the addresses view. Decided by the document, not a
 * guess: both views are closed objects (no other properties allowed), and `email` is required in
 * the whole profile and absent from the addresses view. Which view arrives follows the
 * credential's scopes: `customers:read` gives the whole profile, `addresses:read` alone the view.
 */
export function isWholeProfile(customer: CustomerView): customer is Customer {
  return "email" in customer;
}

/** True when `value` is a problem body (the `error` of a failed call, or any parsed JSON). */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== "object" || value === null) return false;
  const { status, code, requestId } = value as Record<string, unknown>;
  return typeof status === "number" && typeof code === "string" && typeof requestId === "string";
}
