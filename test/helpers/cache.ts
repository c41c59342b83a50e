import { env } from "cloudflare:workers";
import { CustomerCache } from "../../src/customers/customer-cache.ts";
import type { Customer } from "../../src/customers/schemas.ts";
import { parseSettings } from "../../src/env.ts";
import { adminHeaders, type CallOptions, call, customerMemory } from "./app.ts";

/** The real cache over the test's KV and the app's hot tier, to set up cached states directly. */
export function customerCache(): CustomerCache {
  const { readPath } = parseSettings(env);
  if (!readPath) throw new Error("test env is misconfigured");
  return new CustomerCache(env.CACHE, readPath, customerMemory);
}

export function cachedCustomer(uuid: string, name = "Cached Name"): Customer {
  return {
    uuid,
    type: "Private",
    name,
    email: "cached@example.no",
    phone: "+4711111111",
    preferredLanguage: null,
    status: "Active",
    organizationId: null,
    addresses: { billing: null, shipping: null },
  };
}

/** Caches a copy fetched `ageSeconds` ago (in memory it has then already expired: KV serves it). */
export async function seedCache(uuid: string, ageSeconds: number, name?: string): Promise<void> {
  await customerCache().write(uuid, cachedCustomer(uuid, name), Date.now() - ageSeconds * 1000);
}

/** DELETE /admin/cache/customers/{uuid} with the admin token, as an operator purges. */
export function purgeCustomer(uuid: string, options: CallOptions = {}): Promise<Response> {
  return call(`/admin/cache/customers/${uuid}`, { method: "DELETE", headers: adminHeaders(), ...options });
}
