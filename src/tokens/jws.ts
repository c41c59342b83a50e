import { base64UrlDecode } from "./base64url.ts";

/*
 * Compact JWS (RFC 7515) parsing and signature checks with WebCrypto. Parsing is strict and
 * cheap, and happens before any key is looked up: a bearer credential is attacker input.
 */

/** A customer token is a few hundred bytes; anything this long is refused before decoding. */
export const MAX_TOKEN_LENGTH = 4096;

export const JWS_ALGS = ["HS256", "RS256", "ES256", "EdDSA"] as const;
export type JwsAlg = (typeof JWS_ALGS)[number];

/**
 * Headers that ask the verifier to fetch or trust a key chosen by the token's author. They are
 * never followed; a token carrying one is refused outright rather than silently ignored, so a
 * client relying on them learns at once. `crit` is refused too: we implement no extension.
 */
const REFUSED_HEADERS = ["jku", "x5u", "jwk", "x5c", "crit"];

export interface ParsedJws {
  alg: JwsAlg;
  kid: string | undefined;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** The bytes the signature covers: `base64url(header) "." base64url(payload)`. */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  const bytes = base64UrlDecode(part);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The token's parts, or `undefined` when it is not a well-formed compact JWS whose `alg` is
 * one of `allowed` (so `none` and anything unlisted never reach a key).
 */
export function parseJws(token: string, allowed: readonly JwsAlg[]): ParsedJws | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [encodedHeader = "", encodedPayload = "", encodedSignature = ""] = parts;
  const header = decodeJsonObject(encodedHeader);
  if (!header || !allowed.includes(header.alg as JwsAlg)) return undefined;
  if (REFUSED_HEADERS.some((name) => name in header)) return undefined;
  if (header.kid !== undefined && typeof header.kid !== "string") return undefined;
  const payload = decodeJsonObject(encodedPayload);
  const signature = base64UrlDecode(encodedSignature);
  if (!payload || !signature || signature.length === 0) return undefined;
  return {
    alg: header.alg as JwsAlg,
    kid: header.kid,
    header,
    payload,
    signingInput: new TextEncoder().encode(`${encodedHeader}.${encodedPayload}`),
    signature,
  };
}

/** WebCrypto parameters per `alg`, for both importing a key and verifying with it. */
export const ALGORITHMS = {
  HS256: { name: "HMAC", hash: "SHA-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  ES256: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" },
  EdDSA: { name: "Ed25519" },
} as const satisfies Record<JwsAlg, SubtleCryptoImportKeyAlgorithm & SubtleCryptoSignAlgorithm>;

/**
 * Whether `key` signed the token. ES256 signatures are the 64-byte IEEE P1363 form JOSE uses
 * (which is also WebCrypto's); any other length is refused before the call. A key imported for
 * another algorithm makes WebCrypto throw, which is a plain `false` here.
 */
export async function verifySignature(jws: ParsedJws, key: CryptoKey): Promise<boolean> {
  const algorithm = ALGORITHMS[jws.alg];
  if ((jws.alg === "ES256" || jws.alg === "EdDSA") && jws.signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify(algorithm, key, jws.signature, jws.signingInput);
  } catch {
    return false;
  }
}
