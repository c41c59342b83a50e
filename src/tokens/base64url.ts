/*
 * Base64url without padding (RFC 7515 §2), strict on the way in: only the 64 URL-safe
 * characters, no padding, no whitespace, and no stray bits in the last character, so each
 * byte string has exactly one accepted spelling and a token cannot be re-encoded into a twin.
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;
const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** The bits of the last character that carry no data, by `length % 4`: they must be zero. */
const UNUSED_BITS: Record<number, number> = { 2: 0b1111, 3: 0b11 };

export function base64UrlEncode(input: Uint8Array | string): string {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes, or `undefined` for anything that is not canonical unpadded base64url. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  const rest = text.length % 4;
  if (!ALPHABET.test(text) || rest === 1) return undefined;
  if (rest > 1 && DIGITS.indexOf(text.at(-1) ?? "A") & (UNUSED_BITS[rest] ?? 0)) return undefined;
  let binary: string;
  try {
    binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return undefined;
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
