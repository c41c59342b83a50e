import { base64UrlEncode } from "../../src/tokens/base64url.ts";
import type { IdpAlg } from "../../src/tokens/jwk.ts";

/**
 * Identity-provider key pairs made in the test with WebCrypto, and tokens signed with them
 * over exactly the header and payload given: what the JWT attack corpus needs to say every
 * byte of a token (a weak RSA key, a DER signature, a header the provider would never write).
 */
export interface TestSigner {
  alg: IdpAlg;
  kid: string;
  privateKey: CryptoKey;
  /** The public JWK as a JWKS would publish it. */
  jwk: JsonWebKey & { kid: string };
}

const GENERATE = {
  RS256: (bits: number) => ({
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: bits,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  }),
  ES256: () => ({ name: "ECDSA", namedCurve: "P-256" }),
  EdDSA: () => ({ name: "Ed25519" }),
};
const SIGN = {
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  EdDSA: { name: "Ed25519" },
};

let counter = 0;

/** A new key pair for `alg`; `jwk` members override the published JWK (e.g. `{ use: "enc" }`). */
export async function newSigner(
  alg: IdpAlg,
  options: { jwk?: Record<string, unknown>; rsaBits?: number } = {},
): Promise<TestSigner> {
  const pair = (await crypto.subtle.generateKey(GENERATE[alg](options.rsaBits ?? 2048), true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const kid = `${alg.toLowerCase()}-${++counter}`;
  const exported = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  const { key_ops: _ops, ext: _ext, ...published } = exported;
  return { alg, kid, privateKey: pair.privateKey, jwk: { ...published, kid, alg, use: "sig", ...options.jwk } };
}

const encodeJson = (value: unknown) => base64UrlEncode(JSON.stringify(value));

/** A compact JWS over exactly this header and payload, signed by `signer` (its `kid` unless the header says otherwise). */
export async function signJwt(
  signer: TestSigner,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const input = `${encodeJson({ alg: signer.alg, typ: "JWT", kid: signer.kid, ...header })}.${encodeJson(payload)}`;
  const signature = await crypto.subtle.sign(SIGN[signer.alg], signer.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
}

/** An ES256 signature's IEEE P1363 bytes (r || s) re-encoded as ASN.1 DER, the form JOSE forbids. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    const body = trimmed[0]! & 0x80 ? [0, ...trimmed] : [...trimmed];
    return [0x02, body.length, ...body];
  };
  const sequence = [...integer(signature.slice(0, 32)), ...integer(signature.slice(32))];
  return new Uint8Array([0x30, sequence.length, ...sequence]);
}
