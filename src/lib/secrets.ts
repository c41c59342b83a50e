/**
 * An HMAC key shorter than its output (SHA-256: 32 bytes) gives less than its full strength, so
 * every secret that keys an HMAC here (TOKEN_SIGNING_SECRET, API_KEY_TAG_SECRET) needs this many.
 */
export const MIN_SECRET_BYTES = 32;

/** False for a missing or too-short secret, counting bytes, not characters. */
export function isUsableSecret(secret: string | undefined): secret is string {
  return secret !== undefined && new TextEncoder().encode(secret).length >= MIN_SECRET_BYTES;
}

/**
 * The `iss` of the customer tokens this service issues. No identity provider uses it, so
 * configuration refuses it as CUSTOMER_JWT_ISSUER and their tokens and ours cannot be confused.
 */
export const EDGE_TOKEN_ISSUER = "customer-edge";
