import { afterEach, describe, expect, it, vi } from "vitest";
import { base64UrlEncode } from "../src/tokens/base64url.ts";
import { verifyIdpToken } from "../src/tokens/idp-tokens.ts";
import { jwkFits } from "../src/tokens/jwk.ts";
import { JwksCache, MAX_JWKS_KEYS } from "../src/tokens/jwks-cache.ts";
import { IDP_AUDIENCE, IDP_CLAIM, newIdentityProvider } from "./helpers/identity-provider-client.ts";
import { expectLogged } from "./helpers/logs.ts";

/*
 * What an identity provider's key set may hold, and what we do with it: an answer with no usable
 * key replaces nothing, a long set is cut keeping usable keys first (and says so), RSA keys are
 * measured as integers, and a token's declared `typ` must be one meant as a credential.
 */

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A JWKS endpoint stand-in (the network, not our code) whose answer the test sets. */
function keySet(initial: unknown) {
  const clock = { now: START };
  const served = { body: initial as unknown };
  const jwks = new JwksCache({
    url: "https://idp.example/.well-known/jwks.json",
    fetch: async () => Response.json(served.body),
    now: () => clock.now,
  });
  return { jwks, served, clock };
}

async function ecKey(kid: string) {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const { kty, crv, x, y } = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  return { kid, kty, crv, x, y, alg: "ES256", use: "sig" };
}

/** Readable, fitting ES256 by its members (what the cap counts), though no token was signed by it. */
const filler = (i: number) => ({ kid: `filler-${i}`, kty: "EC", crv: "P-256", x: "AA", y: "AA" });
/** Readable, but published for encryption: it can verify nothing. */
const forEncryption = (i: number) => ({ kid: `enc-${i}`, kty: "EC", crv: "P-256", x: "AA", y: "AA", use: "enc" });

let warnings: string[] = [];
function captureWarnings() {
  warnings = [];
  vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
}
afterEach(() => vi.restoreAllMocks());

describe("a JWKS answer with no usable key", () => {
  it.each([
    ["an empty set", { keys: [] }],
    ["keys it cannot read", { keys: [{ kid: "x", kty: "EC" }, { kty: "RSA", n: "AQAB", e: "AQAB" }, 42] }],
    ["keys for encryption only", { keys: [forEncryption(1), forEncryption(2)] }],
  ])("replaces nothing (%s): the held keys keep verifying for 24 h, and the event is logged", async (_, body) => {
    const held = await ecKey("held");
    const { jwks, served, clock } = keySet({ keys: [held] });
    captureWarnings();
    expect((await jwks.keyFor("held", "ES256")).ok).toBe(true);
    served.body = body;
    clock.now += 11 * MINUTE;
    expect((await jwks.keyFor("held", "ES256")).ok).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: "warn", reason: "no usable key" });
    clock.now += 24 * HOUR - 11 * MINUTE;
    expect((await jwks.keyFor("held", "ES256")).ok).toBe(true);
    clock.now += 1;
    expect(await jwks.keyFor("held", "ES256")).toEqual({ ok: false, reason: "jwks_unavailable" });
  });
});

describe("a JWKS longer than the cap", () => {
  it(`keeps the first ${MAX_JWKS_KEYS} usable keys, whatever unusable ones come first, and logs what it dropped`, async () => {
    const last = await ecKey("last-usable");
    const cut = await ecKey("cut");
    const keys = [
      ...Array.from({ length: 150 }, (_, i) => forEncryption(i)),
      ...Array.from({ length: MAX_JWKS_KEYS - 1 }, (_, i) => filler(i)),
      last,
      cut,
      ...Array.from({ length: 4 }, (_, i) => filler(1_000 + i)),
    ];
    const { jwks } = keySet({ keys });
    captureWarnings();
    expect((await jwks.keyFor("last-usable", "ES256")).ok).toBe(true);
    expect(warnings.map((line) => JSON.parse(line))).toEqual([
      { level: "warn", message: "JWKS keys dropped", kept: MAX_JWKS_KEYS, unusable: 150, overCap: 5 },
    ]);
    expect(await jwks.keyFor("cut", "ES256")).toEqual({ ok: false, reason: "invalid_token" });
  });
});

describe("RSA keys", () => {
  const modulus = (bits: number, leadingZeroBytes = 0) => {
    const bytes = new Uint8Array(leadingZeroBytes + bits / 8).fill(0xc5);
    bytes.fill(0, 0, leadingZeroBytes);
    bytes[leadingZeroBytes] = 0x80; // the top bit set: exactly `bits` bits
    return base64UrlEncode(bytes);
  };
  const rsa = (n: string, e = "AQAB") => ({ kty: "RSA", n, e }) as const;
  const exponent = (...bytes: number[]) => base64UrlEncode(new Uint8Array(bytes));

  it("measures the modulus as an integer: zero bytes in front add no strength", () => {
    expect(jwkFits(rsa(modulus(2048)), "RS256")).toBe(true);
    expect(jwkFits(rsa(modulus(2048, 3)), "RS256")).toBe(true);
    expect(jwkFits(rsa(modulus(1024, 128)), "RS256")).toBe(false);
    expect(jwkFits(rsa(modulus(512, 192)), "RS256")).toBe(false);
    expect(jwkFits(rsa(modulus(2040, 1)), "RS256")).toBe(false);
  });

  it("refuses a public exponent that is not an odd number of at least 3", () => {
    const n = modulus(2048);
    expect(jwkFits(rsa(n, exponent(1, 0, 1)), "RS256")).toBe(true);
    expect(jwkFits(rsa(n, exponent(3)), "RS256")).toBe(true);
    for (const e of [
      exponent(1),
      exponent(0, 1),
      exponent(2),
      exponent(1, 0, 0),
      exponent(0),
      "",
      exponent(1, 0, 0, 0, 1),
    ]) {
      expect(jwkFits(rsa(n, e), "RS256"), e).toBe(false);
    }
  });

  it("refuses a token signed by a 1024-bit key published padded to look like 2048 bits", async () => {
    const idp = newIdentityProvider();
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const { n = "", e = "" } = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const raw = Uint8Array.from(atob(n.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const padded = new Uint8Array(256);
    padded.set(raw, 256 - raw.length);
    const jwks = new JwksCache({
      url: "https://idp.example/jwks",
      fetch: async () =>
        Response.json({ keys: [{ kid: "weak", kty: "RSA", n: base64UrlEncode(padded), e }, await ecKey("strong")] }),
      now: () => START,
    });
    const claims = idp.claims(START, "CUST1");
    const header = base64UrlEncode(JSON.stringify({ alg: "RS256", kid: "weak" }));
    const payload = base64UrlEncode(JSON.stringify(claims));
    const signature = await crypto.subtle.sign(
      "RSASSA-PKCS1-v1_5",
      pair.privateKey,
      new TextEncoder().encode(`${header}.${payload}`),
    );
    const token = `${header}.${payload}.${base64UrlEncode(new Uint8Array(signature))}`;
    const config = { issuer: idp.issuer, audience: IDP_AUDIENCE, jwks, claim: IDP_CLAIM, scopes: ["customers:read"] };
    expect(await verifyIdpToken(token, config, START)).toEqual({ ok: false, reason: "invalid_token" });
    expectLogged("JWKS keys dropped", '"unusable":1');
  });
});

describe("the typ of an identity provider's token", () => {
  async function setup() {
    const idp = newIdentityProvider();
    const jwks = new JwksCache({ url: idp.jwksUrl, fetch, now: () => START });
    const config = { issuer: idp.issuer, audience: IDP_AUDIENCE, jwks, claim: IDP_CLAIM, scopes: ["customers:read"] };
    const verify = async (typ: unknown) =>
      (await verifyIdpToken(await idp.mint("ES256", idp.claims(START), { typ }), config, START)).ok;
    return { verify };
  }

  it("accepts what common providers send: none, JWT, at+jwt (any case, with or without application/)", async () => {
    const { verify } = await setup();
    for (const typ of [undefined, "JWT", "jwt", "at+jwt", "application/at+jwt", "AT+JWT"]) {
      expect(await verify(typ), String(typ)).toBe(true);
    }
  });

  it("refuses a JWT declared as something else: a logout or event token, a DPoP proof, our own type", async () => {
    const { verify } = await setup();
    for (const typ of ["logout+jwt", "secevent+jwt", "dpop+jwt", "customer-edge+jwt", "JOSE", "", 42, null]) {
      expect(await verify(typ), String(typ)).toBe(false);
    }
  });
});
