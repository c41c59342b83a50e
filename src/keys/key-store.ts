import * as z from "zod/mini";
import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";
import { type Clock, systemClock } from "../lib/clock.ts";
import { sha256Hex } from "../lib/crypto.ts";
import type { ApiError } from "../lib/errors.ts";
import type { Scope } from "../lib/scopes.ts";
import { generateKeyId, isWellFormedApiKey, type KeyTagger } from "./key-format.ts";
import { type ApiKeyRecord, ApiKeyRecordSchema } from "./key-record.ts";

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
 * so a valid key costs no KV read on most requests (docs/api.md#api-keys). Bound: 1,000 keys
 * for at most 60 s; revoke overwrites the entry at once in this isolate, other isolates see it
 * within 60 s plus KV's propagation. Only keys found in KV enter, and a made-up key never
 * reaches KV (its tag fails), so forged keys cannot push real ones out.
 */
export const newKeyMemory = () => ({
  known: new BoundedTtlMap<string, ApiKeyRecord>(1_000, 60_000),
  // By id, for the edge tokens a key issued (their `azp`): same bound and expiry as `known`.
  // Only ids from tokens we signed are looked up, so there is no forged-id flood to fear.
  byId: new BoundedTtlMap<string, ApiKeyRecord | null>(1_000, 60_000),
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
  readonly #byId: KeyMemory["byId"];
  readonly #tagger: KeyTagger | ApiError;
  readonly #clock: Clock;

  /** `tagger` is an error when API_KEY_TAG_SECRET is missing: no key verifies, creating one throws it. */
  constructor(
    kv: KVNamespace,
    tagger: KeyTagger | ApiError,
    memory: KeyMemory = newKeyMemory(),
    clock: Clock = systemClock,
  ) {
    this.#kv = kv;
    this.#tagger = tagger;
    this.#clock = clock;
    this.#known = memory.known;
    this.#byId = memory.byId;
  }

  /** Creates a key; the plaintext is returned here and never stored. */
  async create(input: NewKey, now = new Date()): Promise<{ key: string; record: ApiKeyRecord }> {
    if (this.#tagger instanceof Error) throw this.#tagger;
    const key = await this.#tagger.generate();
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
    return { key, record };
  }

  /**
   * The record for a presented key, or null when the key is malformed, not tagged by this
   * deployment, or unknown. Revoked and expired records are returned as they are: the caller
   * decides. Only a key that carries this deployment's tag and is not in memory costs a KV
   * read, so made-up keys cost none however many arrive (docs/api.md#api-keys).
   */
  async find(key: string): Promise<ApiKeyRecord | null> {
    if (!isWellFormedApiKey(key)) return null;
    const hash = await sha256Hex(key);
    const remembered = this.#known.get(hash, this.#clock.now());
    if (remembered) return remembered;
    if (this.#tagger instanceof Error || !(await this.#tagger.isTagged(key))) return null;
    const record = parseRecord(await this.#kv.get(hashKey(hash), "json"));
    if (record) this.#remember(hash, record);
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
