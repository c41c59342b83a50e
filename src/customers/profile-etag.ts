import { toHex } from "../lib/crypto.ts";
import type { Customer } from "./schemas.ts";
import { addressesOnly } from "./trim.ts";

export type View = "customer" | "addresses";

// The strong ETag of each view of a profile, computed once per profile object rather than by
// hono/etag on every response (which clones the response, reads the copy and hashes it).
// The memory tier hands the same object to every request for up to 5 s, and a KV read parses
// a new one, so a hot customer costs one SHA-1 per view per isolate per 5 s.
// Bound and invalidation: a WeakMap entry lives exactly as long as its profile object.
const etags = new WeakMap<Customer, Partial<Record<View, string>>>();
const encoder = new TextEncoder();

/** What hono/etag would compute for `c.json(view of customer)`: the quoted hex SHA-1 of the body. */
export async function profileEtag(customer: Customer, view: View): Promise<string> {
  let known = etags.get(customer);
  if (!known) {
    known = {};
    etags.set(customer, known);
  }
  known[view] ??= await sha1Etag(JSON.stringify(view === "customer" ? customer : addressesOnly(customer)));
  return known[view];
}

async function sha1Etag(body: string): Promise<string> {
  return `"${toHex(await crypto.subtle.digest("SHA-1", encoder.encode(body)))}"`;
}
