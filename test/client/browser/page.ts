/**
 * A checkout page's use of the packed client, type-checked with a browser (DOM) tsconfig and no
 * Node types by scripts/check-client.ts. examples/storefront runs the same calls in Chromium.
 */
import {
  type CustomerView,
  createCustomerEdgeClient,
  isWholeProfile,
  type Problem,
  type ProblemCode,
} from "@customer-edge/client";

const MESSAGES: Partial<Record<ProblemCode, string>> = {
  unauthorized: "Your session ended; reload the page.",
  customer_not_found: "We could not find your customer record.",
  rate_limited: "Too many requests; try again in a minute.",
};

let token = "";
async function freshToken(): Promise<string> {
  const response = await fetch("/checkout/token", { method: "POST" });
  token = ((await response.json()) as { token: string }).token;
  return token;
}

const edge = createCustomerEdgeClient({
  baseUrl: document.documentElement.dataset.edgeUrl ?? "",
  credential: () => token || freshToken(),
});

function fill(form: HTMLFormElement, customer: CustomerView): void {
  const shipping = customer.addresses.shipping;
  (form.elements.namedItem("name") as HTMLInputElement).value = customer.name;
  (form.elements.namedItem("street") as HTMLInputElement).value = shipping?.street ?? "";
  // @ts-expect-error: only the whole profile has an email; narrow with isWholeProfile() first
  customer.email;
  if (isWholeProfile(customer)) (form.elements.namedItem("email") as HTMLInputElement).value = customer.email;
}

function explain(problem: Problem): string {
  return `${MESSAGES[problem.code] ?? problem.title} (request ${problem.requestId})`;
}

const form = document.querySelector("form");
const { data, error } = await edge.GET("/v1/me");
if (form && data) fill(form, data);
if (error) document.body.append(explain(error));
