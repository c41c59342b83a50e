import { base64UrlDecode } from "./base64url.ts";
import { ALGORITHMS, type JwsAlg } from "./jws.ts";

/*
 * Public JWKs (RFC 7517) from an identity provider's JWKS, checked against the token's `alg`
 * before import: a key only verifies the algorithm it was published for.
 */

export type IdpAlg = Exclude<JwsAlg, "HS256">;
export const IDP_ALGS: readonly IdpAlg[] = ["RS256", "ES256", "EdDSA"];

/** Keys shorter than this are factorable with public effort; NIST has disallowed them since 2013. */
const MIN_RSA_MODULUS_BYTES = 256;

/** A published key reduced to its public members; private ones (`d`, `p`, ...) never get past here. */
export type PublicJwk =
  | { kty: "RSA"; n: string; e: string; alg?: string; use?: string; key_ops?: string[] }
  | { kty: "EC"; crv: string; x: string; y: string; alg?: string; use?: string; key_ops?: string[] }
  | { kty: "OKP"; crv: string; x: string; alg?: string; use?: string; key_ops?: string[] };

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The public part of one JWKS entry with its `kid`, or `undefined` if it is not a usable public key. */
export function readJwk(entry: unknown): { kid: string; jwk: PublicJwk } | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const raw = entry as Record<string, unknown>;
  const kid = text(raw.kid);
  if (!kid) return undefined;
  const keyOps = Array.isArray(raw.key_ops) ? raw.key_ops.filter((op) => typeof op === "string") : undefined;
  const meta = { alg: text(raw.alg), use: text(raw.use), key_ops: keyOps };
  const [n, e, crv, x, y] = [text(raw.n), text(raw.e), text(raw.crv), text(raw.x), text(raw.y)];
  if (raw.kty === "RSA" && n && e) return { kid, jwk: { kty: "RSA", n, e, ...meta } };
  if (raw.kty === "EC" && crv && x && y) return { kid, jwk: { kty: "EC", crv, x, y, ...meta } };
  if (raw.kty === "OKP" && crv && x) return { kid, jwk: { kty: "OKP", crv, x, ...meta } };
  return undefined;
}

/** Whether `jwk` may verify a token signed with `alg`, judged by its own `kty`/`crv`/`alg`/`use`/`key_ops`. */
export function jwkFits(jwk: PublicJwk, alg: IdpAlg): boolean {
  if (jwk.use !== undefined && jwk.use !== "sig") return false;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes("verify")) return false;
  // RFC 9864 names Ed25519 keys' algorithm "Ed25519"; older publishers write "EdDSA".
  const algOk = jwk.alg === undefined || jwk.alg === alg || (alg === "EdDSA" && jwk.alg === "Ed25519");
  if (!algOk) return false;
  switch (alg) {
    case "RS256":
      return jwk.kty === "RSA" && (base64UrlDecode(jwk.n)?.length ?? 0) >= MIN_RSA_MODULUS_BYTES;
    case "ES256":
      return jwk.kty === "EC" && jwk.crv === "P-256";
    case "EdDSA":
      return jwk.kty === "OKP" && jwk.crv === "Ed25519";
  }
}

/** The key as WebCrypto's, for `alg` only; `undefined` when it does not fit or will not import. */
export async function importJwk(jwk: PublicJwk, alg: IdpAlg): Promise<CryptoKey | undefined> {
  if (!jwkFits(jwk, alg)) return undefined;
  const { alg: _alg, use: _use, key_ops: _ops, ...material } = jwk;
  try {
    return await crypto.subtle.importKey("jwk", material, ALGORITHMS[alg], false, ["verify"]);
  } catch {
    return undefined;
  }
}
