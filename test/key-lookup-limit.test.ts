import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateApiKey } from "../src/keys/key-format.ts";
import { KEY_LOOKUP_LIMIT } from "../src/keys/key-lookup-limit.ts";
import { call, json } from "./helpers/app.ts";
import { putCustomer, uniqueUuid } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/*
 * Forged keys with a valid checksum (anyone can compute one) cost a KV read each; failed
 * lookups are bounded per client IP (docs/api.md#api-keys).
 */

let ipCounter = 0;
/** A client IP no other test uses (the limiter's counts outlive a test). */
const uniqueIp = () => `2001:db8:${Date.now().toString(16).slice(-4)}::${(++ipCounter).toString(16)}`;

/** API_KEYS as the app sees it, counting the reads it makes. */
function countingKeyStore() {
  const kv = env.API_KEYS;
  let reads = 0;
  const counting = new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "get" || property === "getWithMetadata") reads += 1;
        return value.apply(target, args);
      };
    },
  });
  return { API_KEYS: counting as KVNamespace, reads: () => reads };
}

async function readAs(ip: string | undefined, key: string, vars?: { API_KEYS: KVNamespace }) {
  const uuid = uniqueUuid();
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
  if (ip) headers["CF-Connecting-IP"] = ip;
  return call(`/v1/customers/${uuid}`, { headers, vars });
}

describe("failed key lookups per client IP", () => {
  it(`answers 429 with Retry-After and no KV read once an IP has tried ${KEY_LOOKUP_LIMIT.limit} unknown keys`, async () => {
    const ip = uniqueIp();
    const store = countingKeyStore();
    for (let i = 0; i < KEY_LOOKUP_LIMIT.limit; i++) {
      expect((await readAs(ip, generateApiKey(), store)).status).toBe(401);
    }
    expect(store.reads()).toBe(KEY_LOOKUP_LIMIT.limit);

    const refused = await readAs(ip, generateApiKey(), store);
    expect(refused.status).toBe(429);
    expect((await json(refused)).code).toBe("rate_limited");
    expect(refused.headers.get("Retry-After")).toBe(String(KEY_LOOKUP_LIMIT.periodSeconds));
    expect(store.reads()).toBe(KEY_LOOKUP_LIMIT.limit);
  });

  it("does not slow or refuse a real key already in memory, even from a limited IP", async () => {
    const ip = uniqueIp();
    const { key } = await createKey({ name: "real" });
    const customer = uniqueUuid();
    await putCustomer(customer);
    const real = () =>
      call(`/v1/customers/${customer}`, { headers: { Authorization: `Bearer ${key}`, "CF-Connecting-IP": ip } });
    expect((await real()).status).toBe(200);
    for (let i = 0; i <= KEY_LOOKUP_LIMIT.limit; i++) await readAs(ip, generateApiKey());
    expect((await readAs(ip, generateApiKey())).status).toBe(429);
    expect((await real()).status).toBe(200);
  });

  it("counts per IP: another client is not affected", async () => {
    const limited = uniqueIp();
    for (let i = 0; i <= KEY_LOOKUP_LIMIT.limit; i++) await readAs(limited, generateApiKey());
    expect((await readAs(limited, generateApiKey())).status).toBe(429);
    expect((await readAs(uniqueIp(), generateApiKey())).status).toBe(401);
  });

  it("never consults the limiter for a real key from a client that has not failed: it cannot be refused", async () => {
    const ip = uniqueIp();
    const customer = uniqueUuid();
    await putCustomer(customer);
    for (let i = 0; i < KEY_LOOKUP_LIMIT.limit + 5; i++) {
      const { key } = await createKey({ name: `real ${i}` });
      const response = await call(`/v1/customers/${customer}`, {
        headers: { Authorization: `Bearer ${key}`, "CF-Connecting-IP": ip },
      });
      expect(response.status).toBe(200);
    }
  });

  it("refuses a key with a wrong checksum before any KV read, whatever the IP", async () => {
    const store = countingKeyStore();
    const forged = generateApiKey();
    const broken = forged.slice(0, -1) + (forged.endsWith("A") ? "B" : "A");
    expect((await readAs(uniqueIp(), broken, store)).status).toBe(401);
    expect(store.reads()).toBe(0);
  });
});
