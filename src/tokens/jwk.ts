import { base64UrlDecode } from "./base64url.ts";
import { ALGORITHMS, type JwsAlg } from "./jws.ts";

/*
 * Public JWKs (RFC 7517) from an identity provider's JWKS, checked against the token's `alg`
 * before import: a key only verifies the algorithm it was published for.
 */

export type IdpAlg = Exclude<JwsAlg, "HS256">;
export const IDP_ALGS: readonly IdpAlg[] = ["RS256", "ES256", "EdDSA"];

/** Keys shorter than this are factorable with public effort; NIST has disallowed them since 2013. */
const MIN_RSA_MODULUS_BITS = 2048;
/** Real keys use 65537 (or 3); a longer exponent is no sign of a key anyone generated honestly. */
const MAX_RSA_EXPONENT_BYTES = 4;

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
      return jwk.kty === "RSA" && isStrongRsaKey(jwk.n, jwk.e);
    case "ES256":
      return jwk.kty === "EC" && jwk.crv === "P-256";
    case "EdDSA":
      return jwk.kty === "OKP" && jwk.crv === "Ed25519";
  }
}

/** Whether the key could verify a token of some algorithm we accept (readable, `use`/`alg` fitting). */
export function isUsableJwk(jwk: PublicJwk): boolean {
  return IDP_ALGS.some((alg) => jwkFits(jwk, alg));
}

/** Big-endian unsigned bytes without their leading zero bytes (which RFC 7518 forbids anyway). */
function significant(bytes: Uint8Array): Uint8Array {
  const first = bytes.findIndex((byte) => byte !== 0);
  return first === -1 ? new Uint8Array(0) : bytes.subarray(first);
}

/**
 * The modulus measured as the integer it is (zero bytes in front would make a 1024-bit key
 * look like a 2048-bit one), and an exponent that is odd and at least 3: `e = 1` makes every
 * "signature" verify, and some WebCrypto implementations do not refuse it on their own.
 */
export function isStrongRsaKey(n: string, e: string): boolean {
  const modulus = significant(base64UrlDecode(n) ?? new Uint8Array(0));
  const exponent = significant(base64UrlDecode(e) ?? new Uint8Array(0));
  const bits = modulus.length === 0 ? 0 : (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0]!));
  if (bits < MIN_RSA_MODULUS_BITS) return false;
  if (exponent.length === 0 || exponent.length > MAX_RSA_EXPONENT_BYTES) return false;
  const value = exponent.reduce((acc, byte) => acc * 256 + byte, 0);
  return value >= 3 && value % 2 === 1;
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
