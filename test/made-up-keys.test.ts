import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json } from "./helpers/app.ts";
import { putCustomer, uniqueUuid } from "./helpers/emulator.ts";
import { createKey, madeUpKey } from "./helpers/keys.ts";

/*
 * Made-up keys (docs/api.md#api-keys): anyone can compute a key's prefix and public checksum,
 * but not its tag, so a key this deployment never issued fails in the Worker with no KV read,
 * and nothing counted per client IP can ever refuse a real key.
 */

/** API_KEYS as the app sees it, counting the reads it makes. */
function countingKeyStore() {
  let reads = 0;
  const counting = new Proxy(env.API_KEYS, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "get" || property === "getWithMetadata" || property === "list") reads += 1;
        return value.apply(target, args);
      };
    },
  });
  return { API_KEYS: counting as KVNamespace, reads: () => reads };
}

const SHARED_IP = "203.0.113.7";

function readAs(key: string, uuid: string, store?: { API_KEYS: KVNamespace }) {
  const headers = { Authorization: `Bearer ${key}`, "CF-Connecting-IP": SHARED_IP };
  return call(`/v1/customers/${uuid}`, { headers, vars: store });
}

describe("made-up API keys", () => {
  it("cost no KV read, however many arrive", async () => {
    const store = countingKeyStore();
    const uuid = uniqueUuid();
    for (let i = 0; i < 100; i++) {
      const refused = await readAs(await madeUpKey(), uuid, store);
      expect(refused.status).toBe(401);
      expect((await json(refused)).code).toBe("unauthorized");
    }
    expect(store.reads()).toBe(0);
  });

  it("never lock out a real key from the same IP: its first request after a flood answers 200", async () => {
    const uuid = uniqueUuid();
    await putCustomer(uuid);
    // Created through the admin API and never used, so no isolate has it in memory yet.
    const { key } = await createKey({ name: "merchant behind a shared NAT" });
    for (let i = 0; i < 200; i++) expect((await readAs(await madeUpKey(), uuid)).status).toBe(401);
    const store = countingKeyStore();
    const first = await readAs(key, uuid, store);
    expect(first.status).toBe(200);
    expect((await json(first)).uuid).toBe(uuid);
    // Its one KV read is its own record: nothing else stood in its way.
    expect(store.reads()).toBe(1);
  });
});
