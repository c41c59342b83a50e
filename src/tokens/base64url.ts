/*
 * Base64url without padding (RFC 7515 §2), strict on the way in: only the 64 URL-safe
 * characters, no padding, no whitespace, and no stray bits in the last character, so each
 * byte string has exactly one accepted spelling and a token cannot be re-encoded into a twin.
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function base64UrlEncode(input: Uint8Array | string): string {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes, or `undefined` for anything that is not canonical unpadded base64url. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!ALPHABET.test(text) || text.length % 4 === 1) return undefined;
  let binary: string;
  try {
    binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return undefined;
  }
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return base64UrlEncode(bytes) === text ? bytes : undefined;
}
