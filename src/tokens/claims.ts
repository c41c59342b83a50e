import { CUSTOMER_UUID_PATTERN } from "../customers/schemas.ts";

/*
 * Registered-claim checks (RFC 7519 §4.1) shared by our own tokens and the identity
 * provider's. Every time comes from the caller's clock (`now`, epoch milliseconds), so tests
 * inject one and nothing here reads Date.
 */

/** Clock skew tolerated between an identity provider and this Worker, on both sides. */
export const CLOCK_LEEWAY_SECONDS = 60;
/**
 * Our own tokens are issued and checked on Cloudflare's synchronised clocks, so their
 * `expiresAt` holds to within this: enough for an `iat` from an isolate a moment ahead.
 */
export const EDGE_CLOCK_LEEWAY_SECONDS = 5;

const isNumericDate = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/**
 * `exp` is required; `nbf` and `iat`, when present, must be numbers and not lie in the future
 * (beyond `leewaySeconds`). A token issued "later" than now is as suspect as one not yet valid.
 */
export function timesAreValid(payload: Record<string, unknown>, now: number, leewaySeconds: number): boolean {
  const seconds = now / 1000;
  const { exp, nbf, iat } = payload;
  if (!isNumericDate(exp) || seconds >= exp + leewaySeconds) return false;
  if (nbf !== undefined && (!isNumericDate(nbf) || seconds < nbf - leewaySeconds)) return false;
  if (iat !== undefined && (!isNumericDate(iat) || seconds < iat - leewaySeconds)) return false;
  return true;
}

/**
 * The JWS `typ` header (RFC 8725 §3.11): `undefined` when absent, else lowercased without the
 * optional `application/` prefix (RFC 7515 §4.1.9 compares it case-insensitively).
 */
export function tokenType(header: Record<string, unknown>): string | undefined {
  const { typ } = header;
  if (typ === undefined) return undefined;
  return typeof typ === "string" ? typ.toLowerCase().replace(/^application\//, "") : "";
}

/** Exact string equality: `https://idp.example/` and `https://idp.example` are different issuers. */
export function issuerIs(payload: Record<string, unknown>, issuer: string): boolean {
  return typeof payload.iss === "string" && payload.iss === issuer;
}

/** `aud` is the audience itself or an array that contains it (RFC 7519 §4.1.3). */
export function audienceIncludes(payload: Record<string, unknown>, audience: string): boolean {
  const { aud } = payload;
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

/** The customer uuid held in `claim`, when it is a string that passes the uuid rule. */
export function customerUuidIn(payload: Record<string, unknown>, claim: string): string | undefined {
  const value = Object.hasOwn(payload, claim) ? payload[claim] : undefined;
  return typeof value === "string" && CUSTOMER_UUID_PATTERN.test(value) ? value : undefined;
}
