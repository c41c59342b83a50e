import { createLocalJWKSet, jwtVerify } from "jose";
import { beforeAll, describe, expect } from "vitest";
import { base64UrlDecode, base64UrlEncode } from "../src/tokens/base64url.ts";
import { type IdpConfig, verifyIdpToken } from "../src/tokens/idp-tokens.ts";
import { JwksCache } from "../src/tokens/jwks-cache.ts";
import { type Case, customerClaimOk, LEEWAY, NOW, runCorpus, SECONDS } from "./helpers/jwt-differential.ts";
import { newSigner, p1363ToDer, signJwt, type TestSigner } from "./helpers/jwt-keys.ts";
import { expectLogged } from "./helpers/logs.ts";
import { signHs256 } from "./helpers/raw-jwt.ts";

// The identity provider's tokens against jose's jwtVerify (helpers/jwt-differential.ts).
const ISSUER = "https://id.shop.example";
const AUDIENCE = "storefront-app";
const CLAIM = "frontpayment_customer_uuid";

describe("identity-provider tokens: our verifier agrees with jose", () => {
  let es: TestSigner, rs: TestSigner, ed: TestSigner, weakRsa: TestSigner, encOnly: TestSigner, rs512: TestSigner;
  let ed25519Named: TestSigner;
  let config: IdpConfig;
  let joseKeys: ReturnType<typeof createLocalJWKSet>;

  beforeAll(async () => {
    [es, rs, ed, weakRsa, encOnly, rs512, ed25519Named] = await Promise.all([
      newSigner("ES256"),
      newSigner("RS256"),
      newSigner("EdDSA"),
      newSigner("RS256", { rsaBits: 1024 }),
      newSigner("ES256", { jwk: { use: "enc" } }),
      newSigner("RS256", { jwk: { alg: "RS512" } }),
      newSigner("EdDSA", { jwk: { alg: "Ed25519" } }),
    ]);
    const jwks = { keys: [es, rs, ed, weakRsa, encOnly, rs512, ed25519Named].map((signer) => signer.jwk) };
    // The JWKS document handed to our cache through its fetch, as the provider's URL would serve it.
    const fetchJwks = async () => Response.json(jwks);
    config = {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: new JwksCache({ url: "https://id.shop.example/jwks.json", fetch: fetchJwks, now: () => NOW }),
      claim: CLAIM,
      scopes: ["customers:read"],
    };
    joseKeys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    // Our cache drops at once the keys it will never use (too weak, for encryption, another alg), and says so.
    expect((await config.jwks.keyFor(es.kid, "ES256")).ok).toBe(true);
    expectLogged("JWKS keys dropped");
  });

  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "user-42",
    [CLAIM]: "CUST1",
    iat: SECONDS,
    exp: SECONDS + 300,
    ...overrides,
  });
  const valid = () => signJwt(es, claims());
  const parts = async () => (await valid()).split(".") as [string, string, string];

  const cases = (): Case[] => [
    { name: "a valid ES256 token", token: valid, ours: "accept" },
    { name: "a valid RS256 token", token: () => signJwt(rs, claims()), ours: "accept" },
    { name: "a valid EdDSA token", token: () => signJwt(ed, claims()), ours: "accept" },
    {
      name: "alg none, unsigned",
      token: async () => `${base64UrlEncode('{"alg":"none","typ":"JWT"}')}.${(await parts())[1]}.`,
      ours: "refuse",
    },
    {
      name: "HS256 keyed with the provider's public key (algorithm confusion)",
      token: () => signHs256(JSON.stringify(rs.jwk), { alg: "HS256", kid: rs.kid }, claims()),
      ours: "refuse",
    },
    {
      name: "a kid naming a key of another algorithm",
      token: () => signJwt(rs, claims(), { kid: es.kid }),
      ours: "refuse",
    },
    { name: "an unknown kid", token: () => signJwt(es, claims(), { kid: "nobody" }), ours: "refuse" },
    {
      name: "a tampered payload under the original signature",
      token: async () => {
        const [header, , signature] = await parts();
        return `${header}.${base64UrlEncode(JSON.stringify(claims({ [CLAIM]: "OTHER1" })))}.${signature}`;
      },
      ours: "refuse",
    },
    {
      name: "a tampered signature",
      token: async () => {
        const [header, payload, signature] = await parts();
        return `${header}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
      },
      ours: "refuse",
    },
    { name: "no exp", token: () => signJwt(es, claims({ exp: undefined })), ours: "refuse" },
    {
      name: `exp ${LEEWAY + 1} s ago`,
      token: () => signJwt(es, claims({ exp: SECONDS - LEEWAY - 1 })),
      ours: "refuse",
    },
    {
      name: `exp ${LEEWAY - 1} s ago (inside the leeway)`,
      token: () => signJwt(es, claims({ exp: SECONDS - LEEWAY + 1 })),
      ours: "accept",
    },
    {
      name: `nbf ${LEEWAY + 1} s ahead`,
      token: () => signJwt(es, claims({ nbf: SECONDS + LEEWAY + 1 })),
      ours: "refuse",
    },
    {
      name: `nbf ${LEEWAY - 1} s ahead`,
      token: () => signJwt(es, claims({ nbf: SECONDS + LEEWAY - 1 })),
      ours: "accept",
    },
    {
      name: `iat ${LEEWAY + 60} s ahead`,
      token: () => signJwt(es, claims({ iat: SECONDS + LEEWAY + 60 })),
      ours: "refuse",
      jose: "accept",
      why: "we refuse a token issued in the future; jose checks iat's age only when given maxTokenAge",
    },
    { name: "another issuer", token: () => signJwt(es, claims({ iss: "https://evil.example" })), ours: "refuse" },
    {
      name: "the issuer with a trailing slash",
      token: () => signJwt(es, claims({ iss: `${ISSUER}/` })),
      ours: "refuse",
    },
    {
      name: "aud an array holding ours",
      token: () => signJwt(es, claims({ aud: ["other", AUDIENCE] })),
      ours: "accept",
    },
    { name: "aud another audience", token: () => signJwt(es, claims({ aud: "other" })), ours: "refuse" },
    ...(["jku", "x5u", "jwk", "x5c"] as const).map(
      (name): Case => ({
        name: `a ${name} header on a correctly signed token`,
        token: () => signJwt(es, claims(), { [name]: name === "jwk" ? es.jwk : "https://evil.example/keys" }),
        ours: "refuse",
        jose: "accept",
        why: "we refuse a token that points at a key of its own choosing; jose ignores the header and verifies",
      }),
    ),
    { name: "typ at+jwt (an access token)", token: () => signJwt(es, claims(), { typ: "at+jwt" }), ours: "accept" },
    {
      name: "typ logout+jwt (a JWT made for something else)",
      token: () => signJwt(es, claims(), { typ: "logout+jwt" }),
      ours: "refuse",
      jose: "accept",
      why: "we accept only the credential types (none, JWT, at+jwt); jose checks typ only against one given value",
    },
    { name: "a crit header", token: () => signJwt(es, claims(), { crit: ["exp"] }), ours: "refuse" },
    {
      name: "no kid",
      token: () => signJwt(es, claims(), { kid: undefined }),
      ours: "refuse",
      jose: "accept",
      why: "we require kid; jose picks the one key of the JWKS that fits the alg",
    },
    { name: "a kid that is not a string", token: () => signJwt(es, claims(), { kid: 5 }), ours: "refuse" },
    { name: "an RSA key of 1024 bits", token: () => signJwt(weakRsa, claims()), ours: "refuse" },
    { name: "a key published for encryption (use enc)", token: () => signJwt(encOnly, claims()), ours: "refuse" },
    { name: "a key published for RS512, used for RS256", token: () => signJwt(rs512, claims()), ours: "refuse" },
    {
      name: "an Ed25519 key published with RFC 9864's alg name",
      token: () => signJwt(ed25519Named, claims()),
      ours: "accept",
      jose: "refuse",
      why: "we take a JWK alg of Ed25519 for an EdDSA token (the newer name); jose wants the JWK alg to equal the token's",
    },
    {
      name: "an ES256 signature in DER form",
      token: async () => {
        const [header, payload, signature] = await parts();
        return `${header}.${payload}.${base64UrlEncode(p1363ToDer(base64UrlDecode(signature)!))}`;
      },
      ours: "refuse",
    },
    { name: "the customer claim missing", token: () => signJwt(es, claims({ [CLAIM]: undefined })), ours: "refuse" },
    {
      name: "the customer claim not a uuid",
      token: () => signJwt(es, claims({ [CLAIM]: "../admin" })),
      ours: "refuse",
    },
    { name: "a fourth segment", token: async () => `${await valid()}.`, ours: "refuse" },
    { name: "a padded segment", token: async () => `${await valid()}=`, ours: "refuse" },
    {
      name: "a token over 4 KiB",
      token: () => signJwt(es, claims({ padding: "x".repeat(4096) })),
      ours: "refuse",
      jose: "accept",
      why: "we refuse anything over 4 KiB before decoding it; jose has no size limit",
    },
  ];

  runCorpus(cases, () => ({
    ours: async (token) => (await verifyIdpToken(token, config, NOW)).ok,
    jose: async (token) => {
      try {
        const { payload } = await jwtVerify(token, joseKeys, {
          algorithms: ["RS256", "ES256", "EdDSA"],
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ["exp"],
          clockTolerance: LEEWAY,
          currentDate: new Date(NOW),
        });
        return customerClaimOk(payload, CLAIM);
      } catch {
        return false;
      }
    },
  }));
});
