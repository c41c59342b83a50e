import { base64url } from "./base64url.ts";
import { EXAMPLE_CUSTOMER, type Harness } from "./harness.ts";

/*
 * The bench's identity provider: one key per algorithm the Worker accepts, all published in the
 * JWKS at once. At once, because the Worker refetches its JWKS for an unknown `kid` at most once
 * per 30 s: a key published after the first fetch would not be found for half a minute.
 * WebCrypto only, so the same code runs in Node and inside workerd (`--runtime workerd`).
 */

export type IdpAlg = "ES256" | "RS256" | "EdDSA";

interface BenchKey {
  kid: string;
  privateKey: CryptoKey;
  sign: string | SubtleCryptoSignAlgorithm;
}

const ALGORITHMS: Record<IdpAlg, { generate: SubtleCryptoGenerateKeyAlgorithm; sign: BenchKey["sign"] }> = {
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

const published = new WeakMap<Harness, Promise<Record<IdpAlg, BenchKey>>>();

function keysOf(h: Harness): Promise<Record<IdpAlg, BenchKey>> {
  let keys = published.get(h);
  if (keys) return keys;
  const make = async (alg: IdpAlg): Promise<BenchKey> => {
    const { generate, sign } = ALGORITHMS[alg];
    const pair = (await crypto.subtle.generateKey(generate, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const kid = `bench-${alg.toLowerCase()}-${h.runId}`;
    h.jwks.keys.push({ ...jwk, kid, alg, use: "sig", key_ops: undefined, ext: undefined });
    return { kid, privateKey: pair.privateKey, sign };
  };
  keys = (async () => ({ ES256: await make("ES256"), RS256: await make("RS256"), EdDSA: await make("EdDSA") }))();
  published.set(h, keys);
  return keys;
}

/** Publishes every key (first call only); call before the Worker first reads the JWKS. */
export async function publishIdpKeys(h: Harness): Promise<void> {
  await keysOf(h);
}

/**
 * A token for the example customer signed with the bench key for `alg`. A random `jti` makes
 * every token distinct, so the Worker's per-isolate verdict cache never knows it.
 */
export async function mintIdpToken(h: Harness, alg: IdpAlg): Promise<string> {
  const { kid, privateKey, sign } = (await keysOf(h))[alg];
  const env = h.bindings.env as Record<string, string>;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: env.CUSTOMER_JWT_ISSUER,
    aud: env.CUSTOMER_JWT_AUDIENCE,
    sub: "bench-user",
    iat: now,
    exp: now + 3600,
    jti: base64url(crypto.getRandomValues(new Uint8Array(12))),
    [env.CUSTOMER_JWT_CLAIM!]: EXAMPLE_CUSTOMER,
  };
  const signed = `${base64url(JSON.stringify({ alg, typ: "JWT", kid }))}.${base64url(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign(sign, privateKey, new TextEncoder().encode(signed));
  return `${signed}.${base64url(signature)}`;
}
