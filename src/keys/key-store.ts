import * as z from "zod/mini";
import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";
import { type Clock, systemClock } from "../lib/clock.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { generateApiKey, generateKeyId, isWellFormedApiKey } from "./key-format.ts";
import { type KeyLookupLimit, newLookupSuspects } from "./key-lookup-limit.ts";
import { type ApiKeyRecord, ApiKeyRecordSchema, type Scope } from "./key-record.ts";

/*
 * KV layout in API_KEYS:
 *   key:hash:<sha256 hex of the key>  ->  ApiKeyRecord (JSON)            read on verification
 *   key:id:<id>                      ->  the hash; metadata { hash, record }  for list and revoke
 * The record rides in the id entry's metadata so listing costs one KV list per 1,000 keys
 * instead of one read per key (a Worker may make only 1,000 KV calls per request). Metadata
 * is capped at 1,024 bytes by KV; a record too big for it (many origins) is read instead.
 */
const hashKey = (hash: string) => `key:hash:${hash}`;
const idKey = (id: string) => `key:id:${id}`;

/**
 * Keys remembered per isolate, by hash (one set per isolate, built by the composition root),
 * so a valid key costs no KV read on most requests (docs/api.md#api-keys). Known keys: 1,000
 * for at most 60 s; revoke overwrites the entry at once in this isolate, other isolates see it
 * within 60 s plus KV's propagation. Unknown keys: 1,000 for 10 s, so a client retrying a bad
 * key costs one KV read. Two maps, because the checksum is public: a flood of forged
 * well-formed keys must not push real callers' keys out of memory.
 */
export const newKeyMemory = () => ({
  known: new BoundedTtlMap<string, ApiKeyRecord>(1_000, 60_000),
  unknown: new BoundedTtlMap<string, true>(1_000, 10_000),
  // By id, for the edge tokens a key issued (their `azp`): same bound and expiry as `known`.
  // Only ids from tokens we signed are looked up, so there is no forged-id flood to fear.
  byId: new BoundedTtlMap<string, ApiKeyRecord | null>(1_000, 60_000),
  // The hash of each key found valid, so a key in use is hashed once a minute, not on every
  // request. It holds keys as presented, in this isolate's memory only (where the request
  // already put them), never in KV or a log. Same bound as `known`; forged keys never enter.
  hashes: new BoundedTtlMap<string, string>(1_000, 60_000),
  // Client IPs that presented an unknown key lately (key-lookup-limit.ts).
  suspects: newLookupSuspects(),
});
export type KeyMemory = ReturnType<typeof newKeyMemory>;

const MAX_METADATA_BYTES = 1_000;

interface IdMetadata {
  hash: string;
  record?: ApiKeyRecord;
}

export interface NewKey {
  name: string;
  scopes: Scope[];
  allowedOrigins: string[] | null;
  expiresAt: string | null;
}

export class ApiKeyStore {
  readonly #kv: KVNamespace;
  readonly #known: KeyMemory["known"];
  readonly #unknown: KeyMemory["unknown"];
  readonly #byId: KeyMemory["byId"];
  readonly #hashes: KeyMemory["hashes"];
  readonly #lookupLimit: KeyLookupLimit | undefined;
  readonly #clock: Clock;

  constructor(
    kv: KVNamespace,
    memory: KeyMemory = newKeyMemory(),
    lookupLimit?: KeyLookupLimit,
    clock: Clock = systemClock,
  ) {
    this.#kv = kv;
    this.#known = memory.known;
    this.#unknown = memory.unknown;
    this.#byId = memory.byId;
    this.#hashes = memory.hashes;
    this.#lookupLimit = lookupLimit;
    this.#clock = clock;
  }

  /** Creates a key; the plaintext is returned here and never stored. */
  async create(input: NewKey, now = new Date()): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = generateApiKey();
    const hash = await sha256Hex(key);
    const record: ApiKeyRecord = {
      id: generateKeyId(),
      name: input.name,
      scopes: input.scopes,
      allowedOrigins: input.allowedOrigins,
      createdAt: now.toISOString(),
      expiresAt: input.expiresAt,
      revokedAt: null,
    };
    await this.#kv.put(hashKey(hash), JSON.stringify(record));
    await this.#putIdEntry(hash, record);
    this.#unknown.delete(hash);
    return { key, record };
  }

  /**
   * The record for a presented key, or null when the key is malformed or unknown.
   * Revoked and expired records are returned as they are: the caller decides. A key not in
   * memory costs a KV read, which `clientIp`'s failed lookups bound (key-lookup-limit.ts):
   * over that limit this throws 429 `rate_limited` before reading.
   */
  async find(key: string, clientIp?: string): Promise<ApiKeyRecord | null> {
    const memoized = this.#hashes.get(key);
    if (!memoized && !isWellFormedApiKey(key)) return null;
    const hash = memoized ?? (await sha256Hex(key));
    const now = this.#clock.now();
    const remembered = this.#known.get(hash, now);
    if (remembered) {
      if (!memoized) this.#hashes.set(key, hash);
      return remembered;
    }
    if (this.#unknown.get(hash, now)) return null;
    const counted = (await this.#lookupLimit?.beforeRead(clientIp)) ?? false;
    const record = parseRecord(await this.#kv.get(hashKey(hash), "json"));
    if (record) {
      this.#remember(hash, record);
      this.#hashes.set(key, hash);
    } else {
      this.#unknown.set(hash, true, undefined, this.#clock.now());
      await this.#lookupLimit?.failed(clientIp, counted);
    }
    return record;
  }

  /**
   * The record with this public id (the issuer of an edge token), or null. From memory on
   * most calls; revoked and expired records are returned as they are.
   */
  async findById(id: string): Promise<ApiKeyRecord | null> {
    const remembered = this.#byId.get(id, this.#clock.now());
    if (remembered !== undefined) return remembered;
    const { value: hash, metadata } = await this.#kv.getWithMetadata<IdMetadata>(idKey(id));
    const record = hash
      ? (parseRecord(metadata?.record) ?? parseRecord(await this.#kv.get(hashKey(hash), "json")))
      : null;
    this.#byId.set(id, record, undefined, this.#clock.now());
    return record;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#kv.list<IdMetadata>({ prefix: "key:id:", cursor });
      const found = await Promise.all(
        page.keys.map(async ({ metadata }) => {
          if (!metadata) return null;
          return parseRecord(metadata.record) ?? parseRecord(await this.#kv.get(hashKey(metadata.hash), "json"));
        }),
      );
      for (const record of found) if (record) records.push(record);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Marks a key revoked; false when the id is unknown. Takes effect at once in this isolate. */
  async revoke(id: string, now = new Date()): Promise<boolean> {
    const hash = await this.#kv.get(idKey(id));
    if (!hash) return false;
    const record = parseRecord(await this.#kv.get(hashKey(hash), "json"));
    if (!record) return false;
    const revoked: ApiKeyRecord = { ...record, revokedAt: record.revokedAt ?? now.toISOString() };
    await this.#kv.put(hashKey(hash), JSON.stringify(revoked));
    await this.#putIdEntry(hash, revoked);
    this.#remember(hash, revoked);
    return true;
  }

  #remember(hash: string, record: ApiKeyRecord): void {
    const now = this.#clock.now();
    this.#known.set(hash, record, undefined, now);
    this.#byId.set(record.id, record, undefined, now);
  }

  #putIdEntry(hash: string, record: ApiKeyRecord): Promise<void> {
    const metadata: IdMetadata = { hash, record };
    const fits = new TextEncoder().encode(JSON.stringify(metadata)).length <= MAX_METADATA_BYTES;
    return this.#kv.put(idKey(record.id), hash, { metadata: fits ? metadata : { hash } });
  }
}

function parseRecord(value: unknown): ApiKeyRecord | null {
  const result = z.safeParse(ApiKeyRecordSchema, value);
  return result.success ? result.data : null;
}
