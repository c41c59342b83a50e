import { EDGE_TOKEN_ISSUER, type EdgeSecrets, type EdgeTokenScope, verifyEdgeToken } from "./edge-tokens.ts";
import { INVALID_TOKEN, type TokenFailure, tokenFailure } from "./failure.ts";
import { type IdpConfig, verifyIdpToken } from "./idp-tokens.ts";
import { JWS_ALGS, parseJws } from "./jws.ts";

export interface CustomerTokenConfig {
  /** TOKEN_SIGNING_SECRET (and _PREVIOUS); absent when unset, so edge tokens get `not_configured`. */
  edge?: EdgeSecrets | undefined;
  /** Absent when CUSTOMER_JWT_ISSUER is unset: such tokens are then not accepted. */
  idp?: IdpConfig | undefined;
  /** CUSTOMER_JWT_ISSUER when its companion settings are missing: its tokens get `not_configured`. */
  misconfiguredIssuer?: string | undefined;
}

/** `expiresAt` is the token's `exp` in epoch milliseconds. */
export type VerifiedCustomerToken =
  | { ok: true; kind: "edge"; customerUuid: string; scopes: EdgeTokenScope[]; keyId: string; expiresAt: number }
  | { ok: true; kind: "idp"; customerUuid: string; scopes: string[]; expiresAt: number };

/**
 * The one check the auth middleware runs on a bearer credential that is not an API key. The
 * (not yet trusted) `iss` only chooses which verifier runs, and each verifier accepts only its
 * own algorithms: ours HS256 under our secret, the provider's RS256/ES256/EdDSA from its JWKS.
 * A token naming our issuer can therefore never be checked against the provider's keys, nor
 * the reverse. The caller still has to find an edge token's `keyId` usable.
 *
 * @example
 *   const result = await verifyCustomerToken(bearer, services.customerTokens, Date.now());
 *   if (!result.ok) throw unauthorizedFor(result.reason);
 */
export async function verifyCustomerToken(
  token: string,
  config: CustomerTokenConfig,
  now: number,
): Promise<VerifiedCustomerToken | TokenFailure> {
  const jws = parseJws(token, JWS_ALGS);
  if (!jws) return INVALID_TOKEN;
  const { iss } = jws.payload;
  if (iss === EDGE_TOKEN_ISSUER) {
    if (!config.edge) return tokenFailure("not_configured");
    const edge = await verifyEdgeToken(jws, config.edge, now);
    return edge.ok ? { kind: "edge", ...edge } : edge;
  }
  if (config.misconfiguredIssuer !== undefined && iss === config.misconfiguredIssuer) {
    return tokenFailure("not_configured");
  }
  if (config.idp && iss === config.idp.issuer) {
    const idp = await verifyIdpToken(jws, config.idp, now);
    return idp.ok ? { kind: "idp", ...idp } : idp;
  }
  return INVALID_TOKEN;
}
