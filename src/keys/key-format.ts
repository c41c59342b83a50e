import { base62Fixed, crc32, randomBase62 } from "../lib/crypto.ts";

/**
 * API key format, modelled on GitHub's tokens: a fixed prefix that secret scanners can match,
 * 32 base62 characters of secret (~190 bits), and a 6-character CRC-32 checksum so a
 * mistyped or made-up key is refused before any KV read. The checksum is public: it stops
 * typos and guesses, not a forger, whose keys key-store.ts keeps from crowding out real ones.
 *
 *     cedge_<32 random base62><6 checksum base62>      (44 characters)
 */
export const KEY_PREFIX = "cedge_";
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}$`);

export function generateApiKey(): string {
  const body = KEY_PREFIX + randomBase62(SECRET_LENGTH);
  return body + base62Fixed(crc32(body), CHECKSUM_LENGTH);
}

/** True when `key` has the format and its checksum matches; says nothing about validity. */
export function isWellFormedApiKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  const body = key.slice(0, -CHECKSUM_LENGTH);
  return key.slice(-CHECKSUM_LENGTH) === base62Fixed(crc32(body), CHECKSUM_LENGTH);
}

/** Public, non-secret key id: safe to log, show and put in a URL. */
export function generateKeyId(): string {
  return `key_${randomBase62(16)}`;
}

export const KEY_ID_PATTERN = /^key_[0-9A-Za-z]{16}$/;
