/** Web-only helpers (no Node APIs): the same code runs in Node and inside workerd. */
import { base64UrlEncode } from "../../src/tokens/base64url.ts";

/** The Worker's own encoder, so the benchmark's tokens are spelled as the Worker spells them. */
export function base64url(data: string | Uint8Array | ArrayBuffer): string {
  return base64UrlEncode(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
}

/** `length` random bytes as base64url, from WebCrypto. */
export function randomToken(length: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}
