import { logLine } from "../lib/log.ts";
import { readCapped } from "../lib/read-capped.ts";
import { within } from "../lib/within.ts";
import { INVALID_TOKEN, type TokenFailure, tokenFailure } from "./failure.ts";
import { type IdpAlg, importJwk, isUsableJwk, type PublicJwk, readJwk } from "./jwk.ts";

/** Between successful fetches, the set is refetched at most this often on its own. */
export const JWKS_REFRESH_MS = 10 * 60_000;
/** An unknown `kid` refetches only if the last attempt is older than this: a flood of forged kids costs one fetch per 30 s. */
export const JWKS_MIN_REFETCH_MS = 30_000;
/** While the URL fails, keys already fetched keep verifying this long after the last success. */
export const JWKS_MAX_STALE_MS = 24 * 3_600_000;
export const JWKS_TIMEOUT_MS = 2_500;
/** Real sets are a few KiB; a larger answer is refused unread, as a failed fetch. */
export const MAX_JWKS_BYTES = 64 * 1024;
/** Real sets hold a handful of keys (two or three during a rotation); usable keys past this are dropped, and logged. */
export const MAX_JWKS_KEYS = 100;

/** What one fetch brought: the keys to hold, or why nothing it brought replaces what is held. */
type Fetched = { keys: Map<string, PublicJwk>; unusable: number; overCap: number } | { failure: string };

export interface JwksCacheOptions {
  url: string;
  /** The global `fetch` in production; may be passed as is. */
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Epoch milliseconds; injected so tests move time instead of waiting. */
  now: () => number;
  timeoutMs?: number;
}

export type JwksKey = { ok: true; key: CryptoKey } | TokenFailure;

/**
 * The identity provider's signing keys, held in memory. Build one per isolate (it is the
 * isolate's JWKS cache: bounded by MAX_JWKS_KEYS, replaced wholesale on every successful fetch,
 * dropped 24 h after the last one). Never throws on what the URL answers; logs a failed or
 * trimmed fetch in one line.
 */
export class JwksCache {
  readonly #options: JwksCacheOptions;
  #keys = new Map<string, PublicJwk>();
  /** Imported keys by `alg kid`, rebuilt with the set; a promise so concurrent imports are shared. */
  #imported = new Map<string, Promise<CryptoKey | undefined>>();
  #lastSuccess: number | undefined;
  #lastAttempt: number | undefined;
  #inFlight: { load: Promise<void>; since: number } | undefined;

  constructor(options: JwksCacheOptions) {
    this.#options = options;
  }

  /** The key named `kid`, imported for `alg`; `invalid_token` if there is none that fits. */
  async keyFor(kid: string, alg: IdpAlg): Promise<JwksKey> {
    const stale = this.#lastSuccess === undefined || this.#options.now() - this.#lastSuccess >= JWKS_REFRESH_MS;
    if (stale || !this.#keys.has(kid)) await this.#refreshIfAllowed();

    if (this.#lastSuccess === undefined || this.#options.now() - this.#lastSuccess > JWKS_MAX_STALE_MS) {
      this.#keys.clear();
      this.#imported.clear();
    }
    if (this.#keys.size === 0) return tokenFailure("jwks_unavailable");
    const jwk = this.#keys.get(kid);
    if (!jwk) return INVALID_TOKEN;
    const id = `${alg} ${kid}`;
    let imported = this.#imported.get(id);
    if (!imported) {
      imported = importJwk(jwk, alg);
      this.#imported.set(id, imported);
    }
    const key = await imported;
    return key ? { ok: true, key } : INVALID_TOKEN;
  }

  /**
   * Concurrent callers share one fetch; a caller whose kid is known and fresh never waits for
   * it. On workerd the fetch belongs to the request that started it and may never settle if
   * that request is cancelled, so a caller that joins it waits at most the fetch's own time
   * limit (then goes on with the keys it has), and a fetch older than twice that is given up.
   */
  #refreshIfAllowed(): Promise<void> {
    const now = this.#options.now();
    const limitMs = this.#options.timeoutMs ?? JWKS_TIMEOUT_MS;
    const inFlight = this.#inFlight;
    if (inFlight && now - inFlight.since < 2 * limitMs) return within(inFlight.load, limitMs, () => undefined);
    if (this.#lastAttempt !== undefined && now - this.#lastAttempt < JWKS_MIN_REFETCH_MS) return Promise.resolve();
    this.#lastAttempt = now;
    const load = this.#load().finally(() => {
      if (this.#inFlight?.load === load) this.#inFlight = undefined;
    });
    this.#inFlight = { load, since: now };
    return load;
  }

  /** Logs at most one line per fetch (so at most one per JWKS_MIN_REFETCH_MS), never a key or the body. */
  async #load(): Promise<void> {
    const fetched = await this.#fetchKeys().catch((): Fetched => ({ failure: "unreachable, or not JSON" }));
    if ("failure" in fetched) {
      // A failed fetch replaces nothing: the keys held keep verifying within JWKS_MAX_STALE_MS.
      logLine("warn", "JWKS refresh failed; keeping the keys already held", { reason: fetched.failure });
      return;
    }
    if (fetched.unusable > 0 || fetched.overCap > 0) {
      logLine("warn", "JWKS keys dropped", {
        kept: fetched.keys.size,
        unusable: fetched.unusable,
        overCap: fetched.overCap,
      });
    }
    this.#keys = fetched.keys;
    this.#imported = new Map();
    this.#lastSuccess = this.#options.now();
  }

  async #fetchKeys(): Promise<Fetched> {
    // Called unbound: workerd's global fetch refuses to run with another object as `this`.
    const { fetch, url } = this.#options;
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(this.#options.timeoutMs ?? JWKS_TIMEOUT_MS),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { failure: `status ${response.status}` };
    }
    const text = await readCapped(response, MAX_JWKS_BYTES);
    if (text === undefined) return { failure: `larger than ${MAX_JWKS_BYTES} bytes` };
    const entries = (JSON.parse(text) as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(entries)) return { failure: "no keys array" };
    // Keys that can verify nothing we accept (unreadable, private-only, `use: enc`, another
    // alg) go first, so the cap only ever cuts keys beyond the first MAX_JWKS_KEYS usable ones.
    const keys = new Map<string, PublicJwk>();
    let unusable = 0;
    let overCap = 0;
    for (const entry of entries) {
      const read = readJwk(entry);
      // The first key published under a kid wins; a later duplicate cannot replace it.
      if (!read || !isUsableJwk(read.jwk)) unusable++;
      else if (keys.has(read.kid)) continue;
      else if (keys.size >= MAX_JWKS_KEYS) overCap++;
      else keys.set(read.kid, read.jwk);
    }
    if (keys.size === 0) return { failure: "no usable key" };
    return { keys, unusable, overCap };
  }
}
