import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../src/env.ts";
import {
  generateKeyId,
  isWellFormedApiKey,
  KEY_ID_PATTERN,
  KEY_PATTERN,
  KEY_PREFIX,
  KeyTagger,
} from "../src/keys/key-format.ts";
import { ApiKeyStore } from "../src/keys/key-store.ts";
import { ApiError } from "../src/lib/errors.ts";
import { TEST_API_KEY_TAG_SECRET } from "./support/constants.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** The format src/keys/key-format.ts documents: cedge_, 32 secret, 8 tag, 6 checksum characters. */
const SECRET_LENGTH = 32;
const TAG_LENGTH = 8;
const CHECKSUM_LENGTH = 6;

const tagger = new KeyTagger(TEST_API_KEY_TAG_SECRET);
const generateApiKey = () => tagger.generate();
const generateKeys = (count: number) => Promise.all(Array.from({ length: count }, generateApiKey));
/** What anyone can make: prefix, length and public checksum right, tag from another secret. */
const madeUpKey = () => new KeyTagger(`a stranger's secret ${crypto.randomUUID()}`).generate();

/** The random part of a generated key: what lies between the prefix and the tag. */
const secretOf = (key: string) => key.slice(KEY_PREFIX.length, KEY_PREFIX.length + SECRET_LENGTH);

describe("API key format", () => {
  it("starts with the cedge_ prefix that secret scanners match", async () => {
    expect(KEY_PREFIX).toBe("cedge_");
    for (const key of await generateKeys(100)) expect(key.startsWith("cedge_")).toBe(true);
  });

  it("is 52 characters: prefix, 32 secret, 8 tag and 6 checksum characters, all base62", async () => {
    for (const key of await generateKeys(100)) {
      expect(key).toHaveLength(KEY_PREFIX.length + SECRET_LENGTH + TAG_LENGTH + CHECKSUM_LENGTH);
      expect(key).toMatch(/^cedge_[0-9A-Za-z]{46}$/);
      expect(key).toMatch(KEY_PATTERN);
    }
  });

  it("carries at least 128 bits of randomness in its secret part", async () => {
    // Measured on real keys rather than computed from the format's numbers: every secret
    // position must vary over the whole alphabet, and no symbol may be favoured.
    const keys = await generateKeys(1_000);
    const secrets = keys.map(secretOf);
    for (const secret of secrets) expect(secret).toMatch(/^[0-9A-Za-z]{32}$/);
    const counts = new Map<string, number>();
    for (const secret of secrets) for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
    // 32,000 draws give each of the 62 symbols ~516, σ ≈ 22; the bounds are over 7σ away, so a
    // modulo bias or a smaller alphabet shows.
    expect([...counts.keys()].sort().join("")).toBe([...BASE62].sort().join(""));
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(350);
      expect(count).toBeLessThan(700);
    }
    // A stuck or low-variety position would lower the entropy without changing the length.
    const varyingPositions = Array.from(
      { length: SECRET_LENGTH },
      (_, position) => new Set(secrets.map((secret) => secret[position])).size,
    ).filter((distinct) => distinct > 40).length;
    expect(varyingPositions).toBe(SECRET_LENGTH);
    expect(varyingPositions * Math.log2(counts.size)).toBeGreaterThanOrEqual(128);
  });

  it("never repeats a key across 1,000", async () => {
    const keys = await generateKeys(1_000);
    expect(new Set(keys).size).toBe(1_000);
    expect(new Set(keys.map(secretOf)).size).toBe(1_000);
  });

  it("accepts every key it generates, and finds its own tag on each", async () => {
    for (const key of await generateKeys(1_000)) {
      expect(isWellFormedApiKey(key)).toBe(true);
      expect(await tagger.isTagged(key)).toBe(true);
    }
  });

  it("finds no tag of its own on a key made under another secret, though its checksum is valid", async () => {
    for (let i = 0; i < 200; i++) {
      const key = await madeUpKey();
      expect(isWellFormedApiKey(key)).toBe(true);
      expect(await tagger.isTagged(key)).toBe(false);
    }
  });

  it("ties the tag to the secret part: another key's tag does not fit", async () => {
    const [first = "", second = ""] = await generateKeys(2);
    const tagStart = KEY_PREFIX.length + SECRET_LENGTH;
    const body = first.slice(0, tagStart) + second.slice(tagStart, tagStart + TAG_LENGTH);
    const { crc32, base62Fixed } = await import("../src/lib/crypto.ts");
    const spliced = body + base62Fixed(crc32(body), CHECKSUM_LENGTH);
    expect(isWellFormedApiKey(spliced)).toBe(true);
    expect(await tagger.isTagged(spliced)).toBe(false);
  });

  it("detects every single-character change in a sample of keys", async () => {
    const accepted: string[] = [];
    let tried = 0;
    for (const key of await generateKeys(20)) {
      for (let position = 0; position < key.length; position++) {
        for (const replacement of `${BASE62}_-`) {
          if (replacement === key[position]) continue;
          const changed = key.slice(0, position) + replacement + key.slice(position + 1);
          if (isWellFormedApiKey(changed)) accepted.push(`${key} changed at ${position} to ${replacement}`);
          tried++;
        }
      }
    }
    expect(accepted).toEqual([]);
    // Every one of the 52 positions was tried with each of the 63 other symbols.
    expect(tried).toBe(20 * 52 * 63);
  });

  it("detects two swapped neighbouring characters", async () => {
    const key = await generateApiKey();
    for (let position = KEY_PREFIX.length; position < key.length - 1; position++) {
      if (key[position] === key[position + 1]) continue;
      const swapped = key.slice(0, position) + key[position + 1] + key[position] + key.slice(position + 2);
      expect(isWellFormedApiKey(swapped)).toBe(false);
    }
  });

  it("refuses anything that is not exactly a key", async () => {
    const key = await generateApiKey();
    for (const candidate of [
      "",
      KEY_PREFIX,
      key.slice(0, -1),
      `${key}A`,
      ` ${key}`,
      `${key} `,
      `${key}\n`,
      key.toUpperCase(),
      key.replace("cedge_", "cedge-"),
      key.replace("cedge_", "sk_"),
      `Bearer ${key}`,
      `${key.slice(0, 20)}é${key.slice(21)}`,
    ]) {
      expect(isWellFormedApiKey(candidate)).toBe(false);
    }
  });

  it("gives public ids of key_ and 16 base62 characters, unique across 1,000", () => {
    const ids = Array.from({ length: 1_000 }, generateKeyId);
    for (const id of ids) expect(id).toMatch(KEY_ID_PATTERN);
    expect(new Set(ids).size).toBe(1_000);
  });
});

/**
 * A stand-in for Cloudflare's KV (not for our code): a Map that counts reads, so a test can
 * show which lookups reach storage.
 */
function countingKvStandIn() {
  const values = new Map<string, { value: string; metadata?: unknown }>();
  const reads: string[] = [];
  const kv = {
    async get(key: string, type?: string) {
      reads.push(key);
      const entry = values.get(key);
      if (!entry) return null;
      return type === "json" ? JSON.parse(entry.value) : entry.value;
    },
    async put(key: string, value: string, options?: { metadata?: unknown }) {
      values.set(key, { value, metadata: options?.metadata });
    },
    async list({ prefix = "" }: { prefix?: string } = {}) {
      reads.push(`list:${prefix}`);
      const keys = [...values]
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, { metadata }]) => ({ name, metadata }));
      return { keys, list_complete: true, cacheStatus: null };
    },
    async delete(key: string) {
      values.delete(key);
    },
  };
  return { kv: kv as unknown as KVNamespace, reads };
}

/** Hashed here rather than with src/lib/crypto.ts, so the test does not trust the code it checks. */
async function sha256HexOf(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const newKey = { name: "unit", scopes: ["customers:read" as const], allowedOrigins: null, expiresAt: null };

describe("ApiKeyStore.find", () => {
  it("refuses a malformed key without reading KV", async () => {
    const { kv, reads } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    const key = await generateApiKey();
    const wrongChecksum = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    for (const candidate of ["", "nope", "cedge_short", wrongChecksum, `${key}x`, "x".repeat(100_000)]) {
      expect(await store.find(candidate)).toBeNull();
    }
    expect(reads).toEqual([]);
  });

  it("reads KV once for a valid key, then answers from memory", async () => {
    const { kv, reads } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    const { key, record } = await store.create(newKey);
    for (let i = 0; i < 5; i++) expect(await store.find(key)).toEqual(record);
    expect(reads.filter((name) => name.startsWith("key:hash:"))).toHaveLength(1);
  });

  it("reads nothing at all for made-up keys with a valid public checksum, however many arrive", async () => {
    const { kv, reads } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    for (let i = 0; i < 2_000; i++) expect(await store.find(await madeUpKey())).toBeNull();
    expect(reads).toEqual([]);
  });

  it("reads KV for a key with this deployment's tag that was never stored (only a leaked secret makes one)", async () => {
    const { kv, reads } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    expect(await store.find(await generateApiKey())).toBeNull();
    expect(reads).toHaveLength(1);
  });

  it("keeps a valid key in memory, and its first read working, through a flood of made-up keys", async () => {
    const { kv, reads } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    const [first, second] = [await store.create(newKey), await store.create(newKey)];
    expect(await store.find(first.key)).not.toBeNull();
    for (let i = 0; i < 1_500; i++) await store.find(await madeUpKey());
    const before = reads.length;
    expect(await store.find(first.key)).not.toBeNull();
    expect(reads.length).toBe(before);
    // A key not yet in memory is read and found, whatever came before it.
    expect(await store.find(second.key)).toEqual(second.record);
    expect(reads.length).toBe(before + 1);
  });

  it("verifies no key and reads nothing without a tag secret, and refuses to create one", async () => {
    const { kv, reads } = countingKvStandIn();
    const made = await new ApiKeyStore(kv, tagger).create(newKey);
    const missing = new ApiError("not_configured", "API_KEY_TAG_SECRET is not set");
    const store = new ApiKeyStore(kv, missing);
    expect(await store.find(made.key)).toBeNull();
    expect(reads).toEqual([]);
    await expect(store.create(newKey)).rejects.toBe(missing);
  });

  it("refuses keys of a deployment whose tag secret changed: they must be issued again", async () => {
    const { kv } = countingKvStandIn();
    const { key } = await new ApiKeyStore(kv, tagger).create(newKey);
    const rotated = new ApiKeyStore(kv, new KeyTagger(`${TEST_API_KEY_TAG_SECRET}-rotated`));
    expect(await rotated.find(key)).toBeNull();
  });

  it("stores only the SHA-256 hash of the key, never the key", async () => {
    const { kv } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    const { key } = await store.create(newKey);
    const stored = JSON.stringify(await kv.list());
    const everything =
      stored + JSON.stringify(await Promise.all((await kv.list()).keys.map(({ name }) => kv.get(name))));
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(secretOf(key));
    const hash = await sha256HexOf(key);
    expect(stored).toContain(`key:hash:${hash}`);
  });

  it("returns a revoked key's record marked revoked at once, though it was remembered", async () => {
    const { kv } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    const { key, record } = await store.create(newKey);
    expect((await store.find(key))?.revokedAt).toBeNull();
    expect(await store.revoke(record.id)).toBe(true);
    expect((await store.find(key))?.revokedAt).toEqual(expect.any(String));
  });

  it("treats a KV record it cannot parse as no key", async () => {
    const { kv } = countingKvStandIn();
    const store = new ApiKeyStore(kv, tagger);
    const key = await generateApiKey();
    const hash = await sha256HexOf(key);
    await kv.put(`key:hash:${hash}`, JSON.stringify({ id: "key_x", scopes: "everything" }));
    expect(await store.find(key)).toBeNull();
  });
});

describe("API_KEY_TAG_SECRET", () => {
  it("is required, at least 32 bytes, and named (never shown) when wrong", () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(parseSettings({ ...env, API_KEY_TAG_SECRET: undefined } as never).apiKeyTagSecret).toEqual({
        problem: "API_KEY_TAG_SECRET is not set",
      });
      const short = "too-short-a-secret";
      expect(parseSettings({ ...env, API_KEY_TAG_SECRET: short } as never).apiKeyTagSecret).toEqual({
        problem: "API_KEY_TAG_SECRET is shorter than 32 bytes",
      });
      expect(parseSettings(env).apiKeyTagSecret).toBe(TEST_API_KEY_TAG_SECRET);
      expect(errors.join("\n")).toContain("API_KEY_TAG_SECRET is shorter than 32 bytes");
      expect(errors.join("\n")).not.toContain(short);
    } finally {
      console.error = original;
    }
  });
});
