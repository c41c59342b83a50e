/** Raw JWT surgery for attack tests: sign exact headers and payloads, read or swap the parts. */
import { base64UrlEncode } from "../../src/tokens/base64url.ts";

/** An HS256 token with exactly this header and payload, for claims our issuer would never write. */
export async function signHs256(
  secret: string,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input));
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
}

/** The token's payload, decoded without any check. */
export function payloadOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

/** The token with its payload replaced and the original signature kept. */
export function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split(".");
  return `${header}.${base64UrlEncode(JSON.stringify(payload))}.${signature}`;
}

export function headerOf(token: string): Record<string, unknown> {
  const part = token.split(".")[0] ?? "";
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}
