import { describe, expect, it } from "vitest";
import { EDGE_TOKEN_ISSUER } from "../src/lib/secrets.ts";
import { base64UrlDecode, base64UrlEncode } from "../src/tokens/base64url.ts";
import { issueEdgeToken } from "../src/tokens/edge-tokens.ts";
import { JwksCache } from "../src/tokens/jwks-cache.ts";
import { JWS_ALGS, MAX_TOKEN_LENGTH, parseJws } from "../src/tokens/jws.ts";
import { type CustomerTokenConfig, verifyCustomerToken } from "../src/tokens/verify-customer-token.ts";
import { IDP_AUDIENCE, IDP_CLAIM, newIdentityProvider } from "./helpers/identity-provider-client.ts";
import { expectLogged } from "./helpers/logs.ts";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const SECRET = "customer-token-test-secret-0123456789ab";
const INVALID = { ok: false, reason: "invalid_token" };

function setup() {
  const idp = newIdentityProvider();
  const jwks = new JwksCache({ url: idp.jwksUrl, fetch: (url, init) => fetch(url, init), now: () => NOW });
  const idpConfig = { issuer: idp.issuer, audience: IDP_AUDIENCE, jwks, claim: IDP_CLAIM, scopes: ["addresses:read"] };
  const config: CustomerTokenConfig = { edge: { current: SECRET }, idp: idpConfig };
  return { idp, config };
}
const edgeToken = async (secret = SECRET) =>
  (
    await issueEdgeToken({
      secret,
      customerUuid: "EDGE1",
      scopes: ["customers:read"],
      ttlSeconds: 600,
      keyId: "key_1",
      now: NOW,
    })
  ).token;

describe("verifyCustomerToken", () => {
  it("tells our tokens from the identity provider's and verifies each with its own keys", async () => {
    const { idp, config } = setup();
    expect(await verifyCustomerToken(await edgeToken(), config, NOW)).toEqual({
      ok: true,
      kind: "edge",
      customerUuid: "EDGE1",
      scopes: ["customers:read"],
      keyId: "key_1",
      acceptedUntil: (Math.floor(NOW / 1000) + 600 + 5) * 1000,
    });
    expect(await verifyCustomerToken(await idp.mint("EdDSA", idp.claims(NOW, "IDP1")), config, NOW)).toEqual({
      ok: true,
      kind: "idp",
      customerUuid: "IDP1",
      scopes: ["addresses:read"],
      acceptedUntil: (Math.floor(NOW / 1000) + 300 + 60) * 1000,
    });
  });

  it("never checks a token naming our issuer against the provider's keys, nor the reverse", async () => {
    const { idp, config } = setup();
    const asOurs = await idp.mint("ES256", { ...idp.claims(NOW), iss: EDGE_TOKEN_ISSUER, sub: "IDP1" });
    expect(await verifyCustomerToken(asOurs, config, NOW)).toEqual(INVALID);
    expect(await idp.jwksFetches()).toBe(0);
    const confused = await idp.mint("HS256", idp.claims(NOW));
    expect(await verifyCustomerToken(confused, config, NOW)).toEqual(INVALID);
    expect(await idp.jwksFetches()).toBe(0);
  });

  it("refuses our tokens without a signing secret and provider tokens without a provider, as any unknown issuer", async () => {
    const { idp, config } = setup();
    expect(await verifyCustomerToken(await edgeToken(), { idp: config.idp }, NOW)).toEqual(INVALID);
    expect(await verifyCustomerToken(await idp.mint("ES256", idp.claims(NOW)), { edge: config.edge }, NOW)).toEqual(
      INVALID,
    );
    expect(await verifyCustomerToken(await idp.mint("ES256", idp.claims(NOW)), {}, NOW)).toEqual(INVALID);
  });

  it("passes jwks_unavailable through when the provider has never answered", async () => {
    const { idp, config } = setup();
    await idp.fail();
    expect(await verifyCustomerToken(await idp.mint("ES256", idp.claims(NOW)), config, NOW)).toEqual({
      ok: false,
      reason: "jwks_unavailable",
    });
    expectLogged("JWKS refresh failed", "status 500");
  });

  it("refuses anything that is not a strict compact JWS", async () => {
    const { config } = setup();
    const token = await edgeToken();
    const [header = "", payload = "", signature = ""] = token.split(".");
    const json = (value: unknown) => base64UrlEncode(JSON.stringify(value));
    const malformed = [
      "",
      "cedge_notatoken",
      `${header}.${payload}`,
      `${token}.`,
      `${header}.${payload}.${signature}.${signature}`,
      `${header}.${payload}.`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload}.${signature}=`,
      ` ${token}`,
      `${header}.${payload}.${signature.slice(0, -2)}+/`,
      `${json([1])}.${payload}.${signature}`,
      `${header}.${json(null)}.${signature}`,
      `${header}.${base64UrlEncode("{not json")}.${signature}`,
      `${json({ alg: "HS256", kid: 5 })}.${payload}.${signature}`,
      `${json({ alg: "HS256", crit: ["exp"] })}.${payload}.${signature}`,
      `${token}${"A".repeat(MAX_TOKEN_LENGTH)}`,
    ];
    // Refused by the parser itself, before any signature check could.
    for (const candidate of malformed) {
      expect(parseJws(candidate, JWS_ALGS), candidate.slice(0, 40)).toBeUndefined();
      expect(await verifyCustomerToken(candidate, config, NOW)).toEqual(INVALID);
    }
    expect(parseJws(token, ["HS256"])).toBeDefined();
    expect(parseJws(token, ["ES256"])).toBeUndefined();
  });

  it("accepts only the one canonical spelling of each part", () => {
    // "QQ" is the byte 0x41; "QR" decodes to the same byte with stray low bits set.
    expect(parseJws(`${base64UrlEncode('{"alg":"HS256"}')}.${base64UrlEncode("{}")}.QQ`, ["HS256"])?.signature).toEqual(
      new Uint8Array([0x41]),
    );
    expect(parseJws(`${base64UrlEncode('{"alg":"HS256"}')}.${base64UrlEncode("{}")}.QR`, ["HS256"])).toBeUndefined();
  });

  it("decodes exactly the strings that re-encode to themselves, for every length and last character", () => {
    // The slow, obviously right rule: decode leniently, keep only what re-encodes to the input.
    const reEncodingDecode = (text: string) => {
      const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      return base64UrlEncode(bytes) === text ? bytes : undefined;
    };
    const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let length = 0; length <= 12; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const encoded = base64UrlEncode(bytes);
      expect(base64UrlDecode(encoded)).toEqual(bytes);
      if (encoded.length === 0) continue;
      for (const last of digits) {
        const variant = encoded.slice(0, -1) + last;
        expect(base64UrlDecode(variant), variant).toEqual(reEncodingDecode(variant));
      }
    }
    expect(base64UrlDecode("QQ=")).toBeUndefined();
    expect(base64UrlDecode("Q")).toBeUndefined();
  });
});
