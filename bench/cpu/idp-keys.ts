import { base64url } from "./bindings.ts";

/*
 * The bench's identity provider: one key per algorithm the Worker accepts, all published in the
 * JWKS before the Worker first reads it (an unknown `kid` is refetched at most once per 30 s).
 */
export type IdpAlg = "ES256" | "RS256" | "EdDSA";
type Sign = string | SubtleCryptoSignAlgorithm;

const ALGORITHMS: Record<IdpAlg, { generate: SubtleCryptoGenerateKeyAlgorithm; sign: Sign }> = {
  ES256: { generate: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  RS256: {
    generate: {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    sign: "RSASSA-PKCS1-v1_5",
  },
  EdDSA: { generate: { name: "Ed25519" }, sign: "Ed25519" },
};

export interface IdentityProvider {
  /** A token for `customer`, with a random `jti`: never seen before by the Worker's verdict cache. */
  mint(alg: IdpAlg, customer: string): Promise<string>;
}

/** Generates the keys and pushes their public halves into `jwks`; `claims` are iss, aud and the uuid claim's name. */
export async function identityProvider(
  jwks: { keys: object[] },
  claims: { iss: string; aud: string; claim: string },
): Promise<IdentityProvider> {
  const keys = {} as Record<IdpAlg, { kid: string; privateKey: CryptoKey; sign: Sign }>;
  for (const alg of Object.keys(ALGORITHMS) as IdpAlg[]) {
    const { generate, sign } = ALGORITHMS[alg];
    const pair = (await crypto.subtle.generateKey(generate, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const kid = `bench-${alg.toLowerCase()}`;
    jwks.keys.push({ ...jwk, kid, alg, use: "sig", key_ops: undefined, ext: undefined });
    keys[alg] = { kid, privateKey: pair.privateKey, sign };
  }
  return {
    async mint(alg, customer) {
      const { kid, privateKey, sign } = keys[alg];
      const now = Math.floor(Date.now() / 1000);
      const jti = base64url(crypto.getRandomValues(new Uint8Array(12)));
      const payload = { iss: claims.iss, aud: claims.aud, sub: "bench-user", iat: now, exp: now + 3600, jti };
      const signed = `${base64url(JSON.stringify({ alg, typ: "JWT", kid }))}.${base64url(JSON.stringify({ ...payload, [claims.claim]: customer }))}`;
      const signature = await crypto.subtle.sign(sign, privateKey, new TextEncoder().encode(signed));
      return `${signed}.${base64url(signature)}`;
    },
  };
}
