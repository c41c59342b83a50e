// @ts-check
/**
 * The checkout page: reads the signed-in customer from customer-edge with a customer token its
 * own server issued, and fills the shipping form. The page never holds an API key; when its token
 * expires (or is refused), it asks its server for a new one and tries once more.
 */
import { createCustomerEdgeClient, isWholeProfile } from "@customer-edge/client";

/** Ask for a new token this long before the old one expires, so no request carries a dying one. */
const RENEW_BEFORE_MS = 30_000;

/**
 * What the shopper reads for each refusal `code`; every message also quotes the request id.
 * @type {Partial<Record<import("@customer-edge/client").ProblemCode, string>>}
 */
const MESSAGES = {
  unauthorized: "Your session has ended. Sign in again to use your saved address.",
  forbidden: "This page may not read your saved address. Please enter it below.",
  customer_not_found: "We could not find a saved address for you. Please enter it below.",
  rate_limited: "Too many lookups just now. Please wait a minute, or enter your address below.",
  upstream_error: "Your saved address is unavailable right now. Please enter it below.",
  upstream_timeout: "Your saved address is taking too long to load. Please enter it below.",
  upstream_busy: "Your saved address is unavailable right now. Please try again shortly.",
};
const FALLBACK = "Something went wrong while loading your saved address. Please enter it below.";

const edgeUrl = document.documentElement.dataset.edgeUrl ?? "";
const status = /** @type {HTMLElement} */ (document.getElementById("status"));
const form = /** @type {HTMLFormElement} */ (document.getElementById("shipping"));

/** @type {{ token: string, expiresAt: number } | undefined} */
let current;

/** Asks the storefront's own server (which holds the API key) for a customer token. */
async function newToken() {
  const response = await fetch("/checkout/token", { method: "POST", credentials: "same-origin" });
  if (!response.ok) throw new Error(`the storefront could not issue a token (HTTP ${response.status})`);
  const { token, expiresAt } = await response.json();
  current = { token, expiresAt: Date.parse(expiresAt) };
  return token;
}

/** The token to send: the current one, or a new one when it is missing or about to expire. */
async function token() {
  if (!current || current.expiresAt - Date.now() < RENEW_BEFORE_MS) return newToken();
  return current.token;
}

const edge = createCustomerEdgeClient({ baseUrl: edgeUrl, credential: token });

/** GET /v1/me; a 401 means the token expired or was revoked: one new token, one more try. */
async function readMe() {
  const first = await edge.GET("/v1/me");
  if (first.response.status !== 401) return first;
  current = undefined;
  return edge.GET("/v1/me");
}

/** @param {string} name @param {string} value */
function setField(name, value) {
  const field = /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
  field.value = value;
}

/** @param {import("@customer-edge/client").CustomerView} customer */
function fill(customer) {
  const address = customer.addresses.shipping ?? customer.addresses.billing;
  setField("name", customer.name);
  // Only the whole profile (a token with customers:read) carries an email.
  if (isWholeProfile(customer)) setField("email", customer.email);
  if (address) {
    setField("street", address.street);
    setField("zip", address.zip);
    setField("city", address.city);
    setField("country", address.country);
  }
}

/** @param {string} text @param {"filled" | "refused"} kind */
function say(text, kind) {
  status.textContent = text;
  status.dataset.kind = kind;
}

async function useSavedAddress() {
  say("Looking up your saved address…", "filled");
  try {
    const { data, error, response } = await readMe();
    if (data) {
      fill(data);
      say("We filled in your saved address. Check it before you continue.", "filled");
    } else if (error) {
      const retryAfter = response.headers.get("Retry-After");
      const wait = error.code === "rate_limited" && retryAfter ? ` (try again in ${retryAfter} s)` : "";
      say(`${MESSAGES[error.code] ?? FALLBACK}${wait} Reference: ${error.requestId}`, "refused");
    } else {
      say(FALLBACK, "refused");
    }
  } catch {
    // A network failure, or a refusal the browser hid from the page (CORS): no request id to show.
    say("We could not reach the address service. Please enter your address below.", "refused");
  }
}

document.getElementById("reload")?.addEventListener("click", () => void useSavedAddress());
form.addEventListener("submit", (event) => {
  event.preventDefault();
  say("This example stops here: your shipping address is ready for payment.", "filled");
});
await useSavedAddress();
