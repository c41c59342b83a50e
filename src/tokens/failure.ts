/**
 * Why a customer token was not accepted, short enough to show a caller without revealing
 * which check failed: `invalid_token` → 401, `jwks_unavailable` → 502 `upstream_error` with
 * Retry-After.
 */
export type TokenFailureReason = "invalid_token" | "jwks_unavailable";
export interface TokenFailure {
  ok: false;
  reason: TokenFailureReason;
}

export const tokenFailure = (reason: TokenFailureReason): TokenFailure => ({ ok: false, reason });
export const INVALID_TOKEN = tokenFailure("invalid_token");
