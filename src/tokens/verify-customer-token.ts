import { EDGE_TOKEN_ISSUER, type EdgeSecrets, type EdgeTokenScope, verifyEdgeToken } from "./edge-tokens.ts";
import { INVALID_TOKEN, type TokenFailure } from "./failure.ts";
import { type IdpConfig, verifyIdpToken } from "./idp-tokens.ts";
import { JWS_ALGS, parseJws } from "./jws.ts";

export interface CustomerTokenConfig {
  /** TOKEN_SIGNING_SECRET (and _PREVIOUS); absent when unset or unusable: edge tokens are then refused. */
  edge?: EdgeSecrets | undefined;
  /** Absent when CUSTOMER_JWT_ISSUER is unset or incompletely configured: such tokens are then refused. */
  idp?: IdpConfig | undefined;
}

/** `acceptedUntil` is the last moment (epoch milliseconds) the token passes: `exp` plus its leeway. */
export type VerifiedCustomerToken =
  | { ok: true; kind: "edge"; customerUuid: string; scopes: EdgeTokenScope[]; keyId: string; acceptedUntil: number }
  | { ok: true; kind: "idp"; customerUuid: string; scopes: string[]; acceptedUntil: number };

/**
 * The one check the auth middleware runs on a bearer credential that is not an API key. The
 * (not yet trusted) `iss` only chooses which verifier runs, and each verifier accepts only its
 * own algorithms: ours HS256 under our secret, the provider's RS256/ES256/EdDSA from its JWKS.
 * A token naming our issuer can therefore never be checked against the provider's keys, nor
 * the reverse. The caller still has to find an edge token's `keyId` usable.
 *
 * A token from an issuer this deployment does not accept is `invalid_token` (401) whatever the
 * reason, a missing secret or a half-configured provider included: an anonymous caller can
 * never make it answer a 5xx or name a setting. Only issuing edge tokens answers 503.
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
  if (iss === EDGE_TOKEN_ISSUER && config.edge) {
    const edge = await verifyEdgeToken(jws, config.edge, now);
    return edge.ok ? { kind: "edge", ...edge } : edge;
  }
  if (config.idp && iss === config.idp.issuer) {
    const idp = await verifyIdpToken(jws, config.idp, now);
    return idp.ok ? { kind: "idp", ...idp } : idp;
  }
  return INVALID_TOKEN;
}
