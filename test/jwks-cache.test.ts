import { describe, expect, it } from "vitest";
import { isAllowedJwksUrl } from "../src/env.ts";
import { base64UrlEncode } from "../src/tokens/base64url.ts";
import { jwkFits } from "../src/tokens/jwk.ts";
import { JwksCache } from "../src/tokens/jwks-cache.ts";
import { parseJws } from "../src/tokens/jws.ts";
import { newIdentityProvider } from "./helpers/identity-provider-client.ts";
import { expectLogged } from "./helpers/logs.ts";

/*
 * The JWKS cache against the development provider over real HTTP. The cache's clock is a
 * variable the test moves; only the "hang" case waits, for the short timeout it is given.
 */

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function setup(timeoutMs?: number) {
  const idp = newIdentityProvider();
  const clock = { now: START };
  const jwks = new JwksCache({
    url: idp.jwksUrl,
    fetch,
    now: () => clock.now,
    timeoutMs,
  });
  /** Looks up the key a token names, as verification does. */
  const lookUp = async (token: string) => {
    const jws = parseJws(token, ["ES256", "RS256", "EdDSA"])!;
    return jwks.keyFor(jws.kid!, jws.alg as "ES256");
  };
  const advance = (ms: number) => {
    clock.now += ms;
  };
  return { idp, jwks, lookUp, advance, clock };
}

describe("JWKS cache", () => {
  it("lets no caller wait past the time limit on a fetch that never settles, and replaces it later", async () => {
    // What workerd may do to a fetch whose request was cancelled: it never settles.
    let fetches = 0;
    const clock = { now: START };
    const jwks = new JwksCache({
      url: "https://idp.example/.well-known/jwks.json",
      fetch: () => {
        fetches++;
        return new Promise<Response>(() => {});
      },
      now: () => clock.now,
      timeoutMs: 50,
    });
    void jwks.keyFor("k1", "ES256");
    expect(await jwks.keyFor("k1", "ES256")).toEqual({ ok: false, reason: "jwks_unavailable" });
    expect(fetches).toBe(1);
    clock.now += 31 * SECOND;
    void jwks.keyFor("k1", "ES256");
    expect(fetches).toBe(2);
  });

  it("fetches once for many verifications, concurrent first ones included", async () => {
    const { idp, lookUp, advance } = setup();
    const tokens = await Promise.all(
      (["ES256", "RS256", "EdDSA"] as const).map((alg) => idp.mint(alg, idp.claims(START))),
    );
    const first = await Promise.all(Array.from({ length: 12 }, (_, i) => lookUp(tokens[i % 3]!)));
    expect(first.every((result) => result.ok)).toBe(true);
    for (let i = 0; i < 30; i++) {
      advance(10 * SECOND);
      expect((await lookUp(tokens[i % 3]!)).ok).toBe(true);
    }
    expect(await idp.jwksFetches()).toBe(1);
  });

  it("refetches on its own once the set is 10 minutes old, not before", async () => {
    const { idp, lookUp, advance } = setup();
    const token = await idp.mint("ES256", idp.claims(START));
    await lookUp(token);
    advance(10 * MINUTE - 1);
    await lookUp(token);
    expect(await idp.jwksFetches()).toBe(1);
    advance(1);
    expect((await lookUp(token)).ok).toBe(true);
    expect(await idp.jwksFetches()).toBe(2);
  });

  it("lets a flood of unknown kids cost at most one refetch per 30 s", async () => {
    const { idp, lookUp, advance } = setup();
    const known = await idp.mint("ES256", idp.claims(START));
    expect((await lookUp(known)).ok).toBe(true);
    const forged = (n: number) => idp.mint("ES256", idp.claims(START), { kid: `forged-${n}` });
    const flood = await Promise.all(Array.from({ length: 20 }, (_, n) => forged(n)));

    for (const token of flood) expect(await lookUp(token)).toEqual({ ok: false, reason: "invalid_token" });
    expect(await idp.jwksFetches()).toBe(1);
    advance(30 * SECOND);
    await Promise.all(flood.map(lookUp));
    expect(await idp.jwksFetches()).toBe(2);
    advance(29 * SECOND);
    await Promise.all(flood.map(lookUp));
    expect(await idp.jwksFetches()).toBe(2);
    expect((await lookUp(known)).ok).toBe(true);
  });

  it("accepts a newly published kid within 30 s", async () => {
    const { idp, lookUp, advance } = setup();
    expect((await lookUp(await idp.mint("ES256", idp.claims(START)))).ok).toBe(true);
    await idp.rotate();
    const rotated = await idp.mint("ES256", idp.claims(START));
    advance(5 * SECOND);
    expect(await lookUp(rotated)).toEqual({ ok: false, reason: "invalid_token" });
    advance(25 * SECOND);
    expect((await lookUp(rotated)).ok).toBe(true);
    expect(await idp.jwksFetches()).toBe(2);
  });

  it.each(["status", "malformed"] as const)(
    "keeps verifying known keys for 24 h while the JWKS fails (%s), and not after",
    async (mode) => {
      const { idp, lookUp, advance } = setup();
      const token = await idp.mint("RS256", idp.claims(START));
      expect((await lookUp(token)).ok).toBe(true);
      await idp.fail(mode);

      advance(11 * MINUTE);
      expect((await lookUp(token)).ok).toBe(true);
      expect(await idp.jwksFetches()).toBe(2);
      advance(24 * HOUR - 11 * MINUTE);
      expect((await lookUp(token)).ok).toBe(true);
      advance(1);
      expect(await lookUp(token)).toEqual({ ok: false, reason: "jwks_unavailable" });

      await idp.recover();
      advance(30 * SECOND);
      expect((await lookUp(token)).ok).toBe(true);
      expectLogged("JWKS refresh failed; keeping the keys already held");
    },
  );

  it("gives up on a JWKS that does not answer within the timeout, keeping the keys it has", async () => {
    const { idp, lookUp, advance } = setup(200);
    const token = await idp.mint("EdDSA", idp.claims(START));
    expect((await lookUp(token)).ok).toBe(true);
    await idp.fail("hang");
    advance(10 * MINUTE);
    expect((await lookUp(token)).ok).toBe(true);
    expect(await idp.jwksFetches()).toBe(2);
    expectLogged("JWKS refresh failed");
  });

  it("answers jwks_unavailable with no keys at all, fetching at most once per 30 s", async () => {
    const { idp, lookUp, advance } = setup();
    await idp.fail("status");
    const token = await idp.mint("ES256", idp.claims(START));
    for (let i = 0; i < 10; i++) expect(await lookUp(token)).toEqual({ ok: false, reason: "jwks_unavailable" });
    expect(await idp.jwksFetches()).toBe(1);
    await idp.recover();
    advance(30 * SECOND);
    expect((await lookUp(token)).ok).toBe(true);
    expect(await idp.jwksFetches()).toBe(2);
    expectLogged("JWKS refresh failed", "status 500");
  });

  it("never throws on a hostile JWKS and never imports private or unusable members", async () => {
    const ec = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const privateJwk = (await crypto.subtle.exportKey("jwk", ec.privateKey)) as JsonWebKey;
    const weakRsa = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const weakJwk = (await crypto.subtle.exportKey("jwk", weakRsa.publicKey)) as JsonWebKey;
    const keys = [
      null,
      42,
      "key",
      { kid: "no-kty" },
      { kid: "bad-x", kty: "EC", crv: "P-256", x: "@@", y: "@@" },
      { kid: 7, kty: "OKP", crv: "Ed25519", x: "AAAA" },
      { ...privateJwk, kid: "private", key_ops: ["sign"] },
      { ...privateJwk, kid: "private-verify", key_ops: undefined },
      { ...weakJwk, kid: "rsa-1024", alg: "RS256" },
    ];
    const bodies = [JSON.stringify({ keys }), "null", "[]", '{"keys": {}}', "{", "x".repeat(70_000)];
    for (const body of bodies) {
      const jwks = new JwksCache({
        url: "https://idp.invalid/jwks",
        fetch: async () => new Response(body),
        now: () => START,
      });
      for (const [kid, alg] of [
        ["bad-x", "ES256"],
        ["private", "ES256"],
        ["rsa-1024", "RS256"],
        ["no-kty", "EdDSA"],
      ] as const) {
        const result = await jwks.keyFor(kid, alg);
        expect(result.ok, `${body.slice(0, 20)} ${kid}`).toBe(false);
      }
    }
    // The private JWK, reduced to its public members, imports as a verify-only public key.
    const jwks = new JwksCache({
      url: "https://idp.invalid/jwks",
      fetch: async () => Response.json({ keys }),
      now: () => START,
    });
    const found = await jwks.keyFor("private-verify", "ES256");
    expect(found.ok && found.key.type).toBe("public");
    expect(found.ok && found.key.usages).toEqual(["verify"]);
    // A fetch that throws is a failure like any other.
    const broken = new JwksCache({
      url: "https://idp.invalid/jwks",
      fetch: () => Promise.reject(new TypeError("network")),
      now: () => START,
    });
    expect(await broken.keyFor("any", "ES256")).toEqual({ ok: false, reason: "jwks_unavailable" });
    // Each refusal is one line for the operator, saying what was wrong, never the keys.
    expectLogged("JWKS keys dropped", '"unusable":7');
    expectLogged("JWKS refresh failed", "larger than 65536 bytes");
    expectLogged("JWKS refresh failed", "no keys array");
    expectLogged("JWKS refresh failed", "unreachable, or not JSON");
  });

  it("fits a key to an algorithm by its kty and crv, not by whether WebCrypto would import it", () => {
    const rsa = { kty: "RSA", n: base64UrlEncode(new Uint8Array(256).fill(0xc5)), e: "AQAB" } as const;
    const ec = { kty: "EC", crv: "P-256", x: "AA", y: "AA" } as const;
    const ed = { kty: "OKP", crv: "Ed25519", x: "AA" } as const;
    expect([jwkFits(rsa, "RS256"), jwkFits(ec, "ES256"), jwkFits(ed, "EdDSA")]).toEqual([true, true, true]);
    expect([jwkFits(ed, "ES256"), jwkFits({ ...ec, crv: "P-384" }, "ES256"), jwkFits(rsa, "ES256")]).toEqual([
      false,
      false,
      false,
    ]);
    expect([jwkFits(ec, "EdDSA"), jwkFits({ ...ed, crv: "X25519" }, "EdDSA"), jwkFits(ec, "RS256")]).toEqual([
      false,
      false,
      false,
    ]);
    expect(jwkFits({ ...ed, alg: "Ed25519" }, "EdDSA")).toBe(true);
    expect(jwkFits({ ...rsa, n: base64UrlEncode(new Uint8Array(255).fill(0xc5)) }, "RS256")).toBe(false);
  });

  it("allows a JWKS URL over https, or over http to this machine only", () => {
    for (const url of [
      "https://idp.example/.well-known/jwks.json",
      "http://localhost:8788/jwks",
      "http://127.0.0.1/jwks",
    ]) {
      expect(isAllowedJwksUrl(url), url).toBe(true);
    }
    for (const url of [
      "http://idp.example/jwks",
      "http://localhost.evil.example/jwks",
      "http://127.0.0.2/jwks",
      "https://user:pass@idp.example/jwks",
      "ftp://idp.example/jwks",
      "file:///etc/passwd",
      "idp.example/jwks",
      "",
    ]) {
      expect(isAllowedJwksUrl(url), url).toBe(false);
    }
  });
});
