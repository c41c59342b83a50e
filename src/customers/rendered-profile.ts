import { toHex } from "../lib/crypto.ts";
import { deepFreeze } from "./deep-freeze.ts";
import type { Customer } from "./schemas.ts";
import { addressesOnly } from "./trim.ts";

export type View = "customer" | "addresses";

/** A view of a profile as it goes on the wire: the JSON text and its strong ETag. Frozen: shared. */
export interface RenderedProfile {
  body: string;
  etag: string;
}

// Each view of a profile is serialised and hashed once per profile object, not per answer.
// The memory tier hands the same object to every request for up to 5 s, and a KV read parses
// a new one, so a hot customer costs one JSON.stringify and one SHA-1 per view per isolate
// per 5 s. Bound and invalidation: a WeakMap entry lives exactly as long as its profile object.
const rendered = new WeakMap<Customer, Partial<Record<View, RenderedProfile>>>();
const encoder = new TextEncoder();

/** The body `c.json(view of customer)` would send, with the ETag hono/etag would give it (hex SHA-1). */
export async function renderProfile(customer: Customer, view: View): Promise<RenderedProfile> {
  let known = rendered.get(customer);
  if (!known) {
    known = {};
    rendered.set(customer, known);
  }
  const cached = known[view];
  if (cached) return cached;
  const body = JSON.stringify(view === "customer" ? customer : addressesOnly(customer));
  const etag = `"${toHex(await crypto.subtle.digest("SHA-1", encoder.encode(body)))}"`;
  const fresh = deepFreeze({ body, etag });
  known[view] = fresh;
  return fresh;
}

/**
 * Whether `If-None-Match` names `etag` (RFC 9110 §13.1.2: weak comparison, so `W/` is
 * ignored; `*` matches any current representation).
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
