/**
 * The part of KVNamespace the Worker uses, in memory and at no cost: get (text/json), put
 * (expirationTtl, metadata), delete, list (prefix, cursor, limit). Answers come back as
 * already-resolved promises, so the benchmark measures the Worker, not a storage engine.
 */
interface Entry {
  value: string;
  metadata: unknown;
  /** Unix seconds, as KV reports it; undefined when the entry never expires. */
  expiration: number | undefined;
}

type GetType = "text" | "json" | { type?: "text" | "json"; cacheTtl?: number } | undefined;

export class MemoryKv {
  readonly #entries = new Map<string, Entry>();
  /** Calls to get(): lets a scenario prove that each of its requests really read KV. */
  reads = 0;

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string, type?: GetType): Promise<unknown> {
    this.reads++;
    const entry = this.#live(key);
    if (!entry) return null;
    const as = typeof type === "object" ? (type.type ?? "text") : (type ?? "text");
    if (as === "json") return JSON.parse(entry.value);
    if (as === "text") return entry.value;
    throw new Error(`MemoryKv: get(..., "${as}") is not implemented`);
  }

  async put(
    key: string,
    value: string,
    options: { expirationTtl?: number; expiration?: number; metadata?: unknown } = {},
  ): Promise<void> {
    if (typeof value !== "string") throw new Error("MemoryKv: only string values are implemented");
    const now = Math.floor(Date.now() / 1000);
    const expiration = options.expirationTtl !== undefined ? now + options.expirationTtl : options.expiration;
    // Stored as KV stores it: serialized, so a caller cannot change it afterwards.
    const metadata = options.metadata === undefined ? undefined : JSON.parse(JSON.stringify(options.metadata));
    this.#entries.set(key, { value, metadata, expiration });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async list(options: { prefix?: string; cursor?: string; limit?: number } = {}): Promise<{
    keys: { name: string; expiration?: number; metadata?: unknown }[];
    list_complete: boolean;
    cursor?: string;
  }> {
    const prefix = options.prefix ?? "";
    const limit = options.limit ?? 1000;
    const names = [...this.#entries.keys()].filter((name) => name.startsWith(prefix) && this.#live(name)).sort();
    const start = options.cursor ? Number(options.cursor) : 0;
    const page = names.slice(start, start + limit);
    const keys = page.map((name) => {
      const { expiration, metadata } = this.#entries.get(name)!;
      return {
        name,
        ...(expiration !== undefined && { expiration }),
        ...(metadata !== undefined && { metadata }),
      };
    });
    const next = start + page.length;
    return next < names.length ? { keys, list_complete: false, cursor: String(next) } : { keys, list_complete: true };
  }

  /** Bench housekeeping (not KV API): forget everything. */
  clear(): void {
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiration !== undefined && entry.expiration * 1000 <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
