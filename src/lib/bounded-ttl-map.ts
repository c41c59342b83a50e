/**
 * A small in-isolate cache: at most `maxEntries` entries, each kept at most `ttlMs`.
 * Insertion order doubles as age order, so eviction drops the oldest entry in O(1).
 * Used for verified API keys and hot customer profiles; callers delete entries on revoke
 * and purge so those hold at once in the isolate that handled them.
 */
export class BoundedTtlMap<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;

  constructor(maxEntries: number, ttlMs: number) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
  }

  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value`; `ttlMs` may shorten (never lengthen) this entry's life. */
  set(key: K, value: V, ttlMs = this.#ttlMs, now = Date.now()): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: now + Math.min(ttlMs, this.#ttlMs) });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
