const encoder = new TextEncoder();

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Lowercase hex of `bytes` (on every request: an API key's hash, an ETag). */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  let out = "";
  for (const byte of new Uint8Array(bytes)) out += HEX[byte];
  return out;
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/**
 * Compares two secrets without leaking where they differ or how long the expected one is:
 * both sides are hashed first, so the constant-time compare always sees 32 bytes.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` characters of base62 from the CSPRNG, without modulo bias (bytes ≥ 248 are redrawn). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/**
 * `length` base62 characters from the first `length` bytes of a MAC or digest, one per byte.
 * The slight bias of `byte % 62` costs a fraction of a bit per character, which is fine for a
 * tag compared whole, never for a secret (use randomBase62 there).
 */
export function base62FromBytes(bytes: Uint8Array, length: number): string {
  if (bytes.length < length) throw new Error("not enough bytes");
  let out = "";
  for (let i = 0; i < length; i++) out += BASE62[bytes[i]! % 62];
  return out;
}

/** Fixed-width base62 of a 32-bit unsigned number (6 characters cover 2^32). */
export function base62Fixed(value: number, width = 6): string {
  let out = "";
  let rest = value >>> 0;
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE), the checksum GitHub's token format uses. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of encoder.encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
