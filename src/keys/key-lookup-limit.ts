import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";
import { ApiError } from "../lib/errors.ts";

/**
 * Failed API-key lookups allowed per client IP. wrangler.toml's `[[ratelimits]]` block
 * KEY_LOOKUP_LIMITER must say the same (the binding cannot be asked); `npm run
 * check:generated` compares the two.
 */
export const KEY_LOOKUP_LIMIT = { limit: 30, periodSeconds: 60 } as const;

export const tooManyUnknownKeys = () => {
  const period = String(KEY_LOOKUP_LIMIT.periodSeconds);
  return new ApiError(
    "rate_limited",
    `Too many unknown API keys from this address: at most ${KEY_LOOKUP_LIMIT.limit} per ${period} s.`,
    { "Retry-After": period },
  );
};

/**
 * Client IPs that presented an unknown key in this isolate lately (one set per isolate, in the
 * key memory). Bound: 10,000 IPs for 60 s each; an IP that leaves early only costs one more
 * uncounted-before KV read.
 */
export const newLookupSuspects = () => new BoundedTtlMap<string, true>(10_000, KEY_LOOKUP_LIMIT.periodSeconds * 1000);

/**
 * Bounds what forged keys cost (docs/api.md#api-keys). The checksum is public, so anyone can
 * make well-formed keys, and each one not in memory is a KV read. Failed lookups are counted
 * per client IP (`CF-Connecting-IP`) through the KEY_LOOKUP_LIMITER binding:
 *
 * - an IP that has not failed a lookup in this isolate is never asked about: a real key
 *   costs no limiter call, and is never refused for others' traffic;
 * - its first failed lookup is counted after the KV read, and marks the IP as a suspect;
 * - a suspect's next lookup of a key not in memory is counted before the KV read, and over
 *   the limit it is refused with 429 and no KV read at all.
 *
 * So an IP gets at most 30 KV reads per 60 s per Cloudflare location from unknown keys, plus
 * one per isolate it newly reaches. Without `CF-Connecting-IP` (never the case for a request
 * from the internet) nothing is counted.
 */
export class KeyLookupLimit {
  readonly #limiter: RateLimit;
  readonly #suspects: ReturnType<typeof newLookupSuspects>;

  constructor(limiter: RateLimit, suspects: ReturnType<typeof newLookupSuspects>) {
    this.#limiter = limiter;
    this.#suspects = suspects;
  }

  /** Before a KV read; resolves to whether this lookup was counted, throws 429 when over. */
  async beforeRead(ip: string | undefined): Promise<boolean> {
    if (!ip || !this.#suspects.get(ip)) return false;
    const { success } = await this.#limiter.limit({ key: `ip:${ip}` });
    if (!success) throw tooManyUnknownKeys();
    return true;
  }

  /** After a KV read found no such key. */
  async failed(ip: string | undefined, counted: boolean): Promise<void> {
    if (!ip) return;
    this.#suspects.set(ip, true);
    if (!counted) await this.#limiter.limit({ key: `ip:${ip}` });
  }
}
