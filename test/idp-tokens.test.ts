import { describe, expect, it } from "vitest";
import { type IdpConfig, verifyIdpToken } from "../src/tokens/idp-tokens.ts";
import { JwksCache } from "../src/tokens/jwks-cache.ts";
import {
  IDP_AUDIENCE,
  IDP_CLAIM,
  newIdentityProvider,
  type TestIdentityProvider,
} from "./helpers/identity-provider-client.ts";
import { expectLogged } from "./helpers/logs.ts";
import { payloadOf, withPayload } from "./helpers/raw-jwt.ts";

/*
 * Tokens from the merchant's identity provider, checked against the development provider's
 * real keys and JWKS over HTTP. Time is the injected clock; nothing here sleeps.
 */

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const INVALID = { ok: false, reason: "invalid_token" };

function setup(idp: TestIdentityProvider = newIdentityProvider()) {
  const config: IdpConfig = {
    issuer: idp.issuer,
    audience: IDP_AUDIENCE,
    jwks: new JwksCache({ url: idp.jwksUrl, fetch: (url, init) => fetch(url, init), now: () => NOW }),
    claim: IDP_CLAIM,
    scopes: ["customers:read"],
  };
  const verify = (token: string, now = NOW) => verifyIdpToken(token, config, now);
  return { idp, config, verify };
}

describe("identity provider tokens", () => {
  it.each(["ES256", "RS256", "EdDSA"] as const)("accepts a valid %s token with the configured scopes", async (alg) => {
    const { idp, verify } = setup();
    const token = await idp.mint(alg, idp.claims(NOW, "CUST7"));
    expect(await verify(token)).toEqual({
      ok: true,
      customerUuid: "CUST7",
      scopes: ["customers:read"],
      acceptedUntil: (Math.floor(NOW / 1000) + 300 + 60) * 1000,
    });
  });

  it("refuses alg none in any spelling, without fetching the JWKS", async () => {
    const { idp, verify } = setup();
    const token = await idp.mint("none", idp.claims(NOW));
    expect(token.endsWith(".")).toBe(true);
    expect(await verify(token)).toEqual(INVALID);
    for (const alg of ["None", "NONE"])
      expect(await verify(await idp.mint("ES256", idp.claims(NOW), { alg }))).toEqual(INVALID);
    expect(await idp.jwksFetches()).toBe(0);
  });

  it("refuses HS256 signed with the RSA public key as HMAC secret (algorithm confusion)", async () => {
    const { idp, verify } = setup();
    const forged = await idp.mint("HS256", idp.claims(NOW));
    expect(await verify(forged)).toEqual(INVALID);
    expect(await idp.jwksFetches()).toBe(0);
  });

  it("refuses a kid whose key was published for another algorithm or curve", async () => {
    const { idp, verify } = setup();
    const rsaKid = await idp.addKey("RS256");
    const edKid = await idp.addKey("EdDSA");
    expect(await verify(await idp.mint("ES256", idp.claims(NOW), { kid: rsaKid }))).toEqual(INVALID);
    expect(await verify(await idp.mint("EdDSA", idp.claims(NOW), { kid: rsaKid }))).toEqual(INVALID);
    expect(await verify(await idp.mint("ES256", idp.claims(NOW), { kid: edKid }))).toEqual(INVALID);
    expect(await verify(await idp.mint("RS256", idp.claims(NOW), { kid: edKid }))).toEqual(INVALID);
    // The same keys verify their own algorithm, so the refusals above are about the fit.
    expect((await verify(await idp.mint("RS256", idp.claims(NOW)))).ok).toBe(true);
    expect((await verify(await idp.mint("EdDSA", idp.claims(NOW)))).ok).toBe(true);
  });

  it("refuses a key whose own alg, use or key_ops does not allow verifying this token", async () => {
    const { idp, verify } = setup();
    // Every key is published before the first verification, so each kid is in the fetched set.
    const refused: [string, string][] = [];
    for (const jwk of [{ use: "enc" }, { alg: "RS256" }, { alg: "ES384" }, { key_ops: ["encrypt"] }]) {
      await idp.addKey("ES256", jwk);
      refused.push([JSON.stringify(jwk), await idp.mint("ES256", idp.claims(NOW))]);
    }
    await idp.addKey("ES256", { key_ops: ["verify"] });
    const accepted = await idp.mint("ES256", idp.claims(NOW));
    expect((await verify(accepted)).ok).toBe(true);
    for (const [jwk, token] of refused) expect(await verify(token), jwk).toEqual(INVALID);
    expect(await idp.jwksFetches()).toBe(1);
    expectLogged("JWKS keys dropped", '"unusable":4');
  });

  it("never follows jku, x5u, jwk or x5c headers: such tokens are refused and the other URL is never fetched", async () => {
    const { idp, verify } = setup();
    const attacker = newIdentityProvider();
    const jwk = { kty: "EC", crv: "P-256", x: "AAAA", y: "AAAA" };
    for (const header of [{ jku: attacker.jwksUrl }, { x5u: attacker.jwksUrl }, { jwk }, { x5c: ["MIIB"] }]) {
      const token = await attacker.mint("ES256", idp.claims(NOW), header);
      expect(await verify(token), Object.keys(header)[0]).toEqual(INVALID);
    }
    // Signed by our provider's own key, a jku still disqualifies the token.
    expect(await verify(await idp.mint("ES256", idp.claims(NOW), { jku: attacker.jwksUrl }))).toEqual(INVALID);
    expect(await attacker.jwksFetches()).toBe(0);
  });

  it("refuses a tampered payload or signature", async () => {
    const { idp, verify } = setup();
    for (const alg of ["ES256", "RS256", "EdDSA"] as const) {
      const token = await idp.mint(alg, idp.claims(NOW, "CUST1"));
      expect((await verify(token)).ok).toBe(true);
      expect(await verify(withPayload(token, { ...payloadOf(token), [IDP_CLAIM]: "CUST2" }))).toEqual(INVALID);
      const signature = token.split(".")[2] ?? "";
      const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      expect(await verify(`${token.split(".").slice(0, 2).join(".")}.${flipped}`)).toEqual(INVALID);
    }
  });

  it("requires exp", async () => {
    const { idp, verify } = setup();
    expect(await verify(await idp.mint("ES256", idp.claims(NOW, "CUST1", { exp: undefined })))).toEqual(INVALID);
    expect(await verify(await idp.mint("ES256", idp.claims(NOW, "CUST1", { exp: "9999999999" })))).toEqual(INVALID);
  });

  it("compares iss exactly: another issuer or a trailing slash fails", async () => {
    const { idp, verify } = setup();
    for (const iss of [`${idp.issuer}/`, idp.issuer.toUpperCase(), "https://other.example", undefined]) {
      expect(await verify(await idp.mint("ES256", idp.claims(NOW, "CUST1", { iss }))), String(iss)).toEqual(INVALID);
    }
  });

  it("accepts aud equal to or containing the audience, and nothing else", async () => {
    const { idp, verify } = setup();
    const withAud = async (aud: unknown) => verify(await idp.mint("ES256", idp.claims(NOW, "CUST1", { aud })));
    expect((await withAud(IDP_AUDIENCE)).ok).toBe(true);
    expect((await withAud(["other-app", IDP_AUDIENCE])).ok).toBe(true);
    for (const aud of ["other-app", ["other-app"], [], `${IDP_AUDIENCE} `, undefined, { [IDP_AUDIENCE]: true }]) {
      expect(await withAud(aud), JSON.stringify(aud)).toEqual(INVALID);
    }
  });

  it("allows 60 s of clock skew on exp, nbf and iat, and not more", async () => {
    const { idp, verify } = setup();
    const s = NOW / 1000;
    const at = async (claims: Record<string, unknown>) =>
      (await verify(await idp.mint("ES256", idp.claims(NOW, "CUST1", claims)))).ok;
    expect(await at({ exp: s - 59 })).toBe(true);
    expect(await at({ exp: s - 61 })).toBe(false);
    expect(await at({ nbf: s + 59 })).toBe(true);
    expect(await at({ nbf: s + 61 })).toBe(false);
    expect(await at({ iat: s + 59 })).toBe(true);
    expect(await at({ iat: s + 61 })).toBe(false);
    expect(await at({ nbf: "soon" })).toBe(false);
  });

  it("requires the customer claim to be a string that passes the uuid rule", async () => {
    const { idp, verify } = setup();
    const withClaim = async (value: unknown) =>
      verify(await idp.mint("ES256", idp.claims(NOW, "CUST1", { [IDP_CLAIM]: value })));
    expect((await withClaim("A".repeat(64))).ok).toBe(true);
    for (const value of [undefined, 12345, ["CUST1"], "", "A".repeat(65), "CUST-1", "CUST1\n", "ÄBC"]) {
      expect(await withClaim(value), JSON.stringify(value)).toEqual(INVALID);
    }
  });

  it("refuses a token over 4 KiB before looking at it", async () => {
    const { idp, verify } = setup();
    const token = await idp.mint("ES256", idp.claims(NOW, "CUST1", { padding: "x".repeat(4096) }));
    expect(await verify(token)).toEqual(INVALID);
    expect(await idp.jwksFetches()).toBe(0);
  });
});
