import {
  audienceIncludes,
  CLOCK_LEEWAY_SECONDS,
  customerUuidIn,
  issuerIs,
  timesAreValid,
  tokenType,
} from "./claims.ts";
import { INVALID_TOKEN, type TokenFailure } from "./failure.ts";
import { IDP_ALGS, type IdpAlg } from "./jwk.ts";
import type { JwksCache } from "./jwks-cache.ts";
import { type ParsedJws, parseJws, verifySignature } from "./jws.ts";

/** How tokens from the merchant's own OpenID Connect provider are accepted. */
export interface IdpConfig {
  /** Compared exactly with `iss`. */
  issuer: string;
  /** Must equal `aud` or be one of its values. */
  audience: string;
  jwks: JwksCache;
  /** The top-level claim holding the Frontpayment customer uuid. */
  claim: string;
  /** What every such token grants: configuration, never read from the token. */
  scopes: readonly string[];
}

export interface VerifiedIdpToken {
  ok: true;
  customerUuid: string;
  scopes: string[];
  /** Epoch milliseconds: the token's `exp` plus the clock leeway. */
  acceptedUntil: number;
}

/**
 * `typ` values of tokens meant as credentials, as common providers send them: none (most ID
 * tokens), `JWT`, or `at+jwt` (RFC 9068 access tokens). Any other declared type (`logout+jwt`,
 * `secevent+jwt`, `dpop+jwt`, our own edge type...) is a JWT made for something else.
 */
const CREDENTIAL_TYPES: readonly (string | undefined)[] = [undefined, "jwt", "at+jwt"];

/** Verifies a token (or one already parsed) from the identity provider. */
export async function verifyIdpToken(
  token: string | ParsedJws,
  config: IdpConfig,
  now: number,
): Promise<VerifiedIdpToken | TokenFailure> {
  const jws = typeof token === "string" ? parseJws(token, IDP_ALGS) : token;
  if (!jws || !IDP_ALGS.includes(jws.alg as IdpAlg) || jws.kid === undefined) return INVALID_TOKEN;
  if (!CREDENTIAL_TYPES.includes(tokenType(jws.header))) return INVALID_TOKEN;
  // Claims first: they are cheap and need no key, so a token for another issuer costs no JWKS fetch.
  const { payload } = jws;
  const customerUuid = customerUuidIn(payload, config.claim);
  const claimsValid =
    issuerIs(payload, config.issuer) &&
    audienceIncludes(payload, config.audience) &&
    timesAreValid(payload, now, CLOCK_LEEWAY_SECONDS);
  if (!claimsValid || !customerUuid) return INVALID_TOKEN;

  const found = await config.jwks.keyFor(jws.kid, jws.alg as IdpAlg);
  if (!found.ok) return found;
  if (!(await verifySignature(jws, found.key))) return INVALID_TOKEN;
  const acceptedUntil = ((payload.exp as number) + CLOCK_LEEWAY_SECONDS) * 1000;
  return { ok: true, customerUuid, scopes: [...config.scopes], acceptedUntil };
}
