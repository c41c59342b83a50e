import { generateKeyPairSync, type KeyObject, randomBytes, sign, type webcrypto } from "node:crypto";
import { EXAMPLE_CUSTOMER, type Harness } from "./harness.ts";

/*
 * The bench's identity provider: one key per algorithm the Worker accepts, all published in the
 * JWKS at once. At once, because the Worker refetches its JWKS for an unknown `kid` at most once
 * per 30 s: a key published after the first fetch would not be found for half a minute.
 */

export type IdpAlg = "ES256" | "RS256" | "EdDSA";

interface BenchKey {
  kid: string;
  privateKey: KeyObject;
}

const published = new WeakMap<Harness, Record<IdpAlg, BenchKey>>();

function keysOf(h: Harness): Record<IdpAlg, BenchKey> {
  let keys = published.get(h);
  if (keys) return keys;
  const make = (alg: IdpAlg): BenchKey => {
    const { privateKey, publicKey } =
      alg === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : alg === "RS256"
          ? generateKeyPairSync("rsa", { modulusLength: 2048 })
          : generateKeyPairSync("ed25519");
    const kid = `bench-${alg.toLowerCase()}-${h.runId}`;
    h.jwks.keys.push({ ...publicKey.export({ format: "jwk" }), kid, alg, use: "sig" } as webcrypto.JsonWebKey);
    return { kid, privateKey };
  };
  keys = { ES256: make("ES256"), RS256: make("RS256"), EdDSA: make("EdDSA") };
  published.set(h, keys);
  return keys;
}

/** Publishes every key (first call only); call before the Worker first reads the JWKS. */
export function publishIdpKeys(h: Harness): void {
  keysOf(h);
}

/**
 * A token for the example customer signed with the bench key for `alg`. A random `jti` makes
 * every token distinct, so the Worker's per-isolate verdict cache never knows it.
 */
export function mintIdpToken(h: Harness, alg: IdpAlg): string {
  const { kid, privateKey } = keysOf(h)[alg];
  const env = h.bindings.env as Record<string, string>;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: env.CUSTOMER_JWT_ISSUER,
    aud: env.CUSTOMER_JWT_AUDIENCE,
    sub: "bench-user",
    iat: now,
    exp: now + 3600,
    jti: randomBytes(12).toString("base64url"),
    [env.CUSTOMER_JWT_CLAIM!]: EXAMPLE_CUSTOMER,
  };
  const signed = `${base64url(JSON.stringify({ alg, typ: "JWT", kid }))}.${base64url(JSON.stringify(claims))}`;
  const data = Buffer.from(signed);
  const signature =
    alg === "ES256"
      ? sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" })
      : sign(alg === "RS256" ? "sha256" : null, data, privateKey);
  return `${signed}.${base64url(signature)}`;
}

const base64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");
