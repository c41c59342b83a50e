import { base62Fixed, base62FromBytes, crc32, randomBase62 } from "../lib/crypto.ts";

/**
 * API key format, modelled on GitHub's tokens, plus a tag only this deployment can make:
 *
 *     cedge_<32 random base62><8 tag base62><6 checksum base62>      (52 characters)
 *
 * - The prefix and the CRC-32 checksum (of everything before it) are public, so secret
 *   scanners can recognise a leaked key and a typo is refused at once.
 * - The tag is an HMAC-SHA-256 of prefix and random part under API_KEY_TAG_SECRET, cut to
 *   8 base62 characters (~47 bits). A made-up key, however well-formed, fails it in the Worker
 *   before any storage read, so forged keys cost no KV read and need no per-client limit.
 *   The tag only filters cost: a key is valid only when its SHA-256 is stored (key-store.ts).
 */
export const KEY_PREFIX = "cedge_";
const RANDOM_LENGTH = 32;
const TAG_LENGTH = 8;
const CHECKSUM_LENGTH = 6;
export const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + TAG_LENGTH + CHECKSUM_LENGTH}}$`);

const withChecksum = (body: string) => body + base62Fixed(crc32(body), CHECKSUM_LENGTH);

/** True when `key` has the format and its public checksum matches; says nothing about its tag or validity. */
export function isWellFormedApiKey(key: string): boolean {
  return KEY_PATTERN.test(key) && withChecksum(key.slice(0, -CHECKSUM_LENGTH)) === key;
}

/** Makes and checks the tags of this deployment's keys, under API_KEY_TAG_SECRET. One per isolate. */
export class KeyTagger {
  readonly #key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.#key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
  }

  /** A new key: random part, its tag, the checksum. */
  async generate(): Promise<string> {
    const head = KEY_PREFIX + randomBase62(RANDOM_LENGTH);
    return withChecksum(head + (await this.#tag(head)));
  }

  /** Whether a well-formed key carries the tag this secret gives it; compared in constant time. */
  async isTagged(key: string): Promise<boolean> {
    const head = key.slice(0, KEY_PREFIX.length + RANDOM_LENGTH);
    const given = key.slice(head.length, head.length + TAG_LENGTH);
    const encoder = new TextEncoder();
    return crypto.subtle.timingSafeEqual(encoder.encode(given), encoder.encode(await this.#tag(head)));
  }

  async #tag(head: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.#key, new TextEncoder().encode(head));
    return base62FromBytes(new Uint8Array(mac), TAG_LENGTH);
  }
}

/** Public, non-secret key id: safe to log, show and put in a URL. */
export function generateKeyId(): string {
  return `key_${randomBase62(16)}`;
}

export const KEY_ID_PATTERN = /^key_[0-9A-Za-z]{16}$/;
