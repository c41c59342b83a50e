/** Web-only helpers (no Node APIs): the same code runs in Node and inside workerd. */
export function base64url(data: string | Uint8Array | ArrayBuffer): string {
  const bytes =
    typeof data === "string"
      ? new TextEncoder().encode(data)
      : data instanceof Uint8Array
        ? data
        : new Uint8Array(data);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `length` random bytes as base64url, from WebCrypto. */
export function randomToken(length: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}
