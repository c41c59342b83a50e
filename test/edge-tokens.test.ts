import { describe, expect, it } from "vitest";
import { EDGE_TOKEN_ISSUER, isUsableSecret as isUsableSigningSecret } from "../src/lib/secrets.ts";
import {
  EDGE_TOKEN_TYPE,
  type EdgeSecrets,
  issueEdgeToken,
  secretKeyId,
  verifyEdgeToken,
} from "../src/tokens/edge-tokens.ts";
import { headerOf, payloadOf, signHs256, withPayload } from "./helpers/raw-jwt.ts";

const CURRENT = "current-signing-secret-0123456789abcdef";
const PREVIOUS = "previous-signing-secret-0123456789abcdef";
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

const issue = (overrides: Partial<Parameters<typeof issueEdgeToken>[0]> = {}) =>
  issueEdgeToken({
    secret: CURRENT,
    customerUuid: "CUST1",
    scopes: ["addresses:read"],
    ttlSeconds: 900,
    keyId: "key_abc",
    now: NOW,
    ...overrides,
  });
const secrets: EdgeSecrets = { current: CURRENT, previous: PREVIOUS };

describe("edge tokens", () => {
  it("issues an HS256 token with our issuer, a kid naming the secret, and the customer, scopes and key", async () => {
    const { token, expiresAt } = await issue({ scopes: ["customers:read", "addresses:read"] });
    expect(expiresAt).toBe(NOW + 900_000);
    expect(headerOf(token)).toEqual({ alg: "HS256", typ: "customer-edge+jwt", kid: await secretKeyId(CURRENT) });
    expect(await secretKeyId(CURRENT)).toMatch(/^[0-9a-f]{16}$/);
    const payload = payloadOf(token);
    expect(payload).toMatchObject({
      iss: EDGE_TOKEN_ISSUER,
      sub: "CUST1",
      azp: "key_abc",
      scope: "customers:read addresses:read",
      iat: NOW / 1000,
      exp: NOW / 1000 + 900,
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(payloadOf((await issue()).token).jti).not.toBe(payload.jti);

    expect(await verifyEdgeToken(token, secrets, NOW)).toEqual({
      ok: true,
      customerUuid: "CUST1",
      scopes: ["customers:read", "addresses:read"],
      keyId: "key_abc",
      acceptedUntil: NOW + 905_000,
    });
  });

  it("still verifies a token signed with the previous secret, but not one signed with any other", async () => {
    const { token: old } = await issue({ secret: PREVIOUS });
    expect(await verifyEdgeToken(old, secrets, NOW)).toMatchObject({ ok: true, customerUuid: "CUST1" });
    expect(await verifyEdgeToken(old, { current: CURRENT }, NOW)).toEqual({ ok: false, reason: "invalid_token" });

    const { token: foreign } = await issue({ secret: "some-other-signing-secret-0123456789abc" });
    expect(await verifyEdgeToken(foreign, secrets, NOW)).toEqual({ ok: false, reason: "invalid_token" });
  });

  it("refuses a token whose kid names one secret but which was signed with the other", async () => {
    const { token } = await issue({ secret: PREVIOUS });
    const typ = EDGE_TOKEN_TYPE;
    const relabelled = await signHs256(
      PREVIOUS,
      { alg: "HS256", typ, kid: await secretKeyId(CURRENT) },
      payloadOf(token),
    );
    expect(await verifyEdgeToken(relabelled, secrets, NOW)).toEqual({ ok: false, reason: "invalid_token" });
    // The same claims under the kid that names their secret do verify: the refusal above is the kid.
    const labelled = await signHs256(
      PREVIOUS,
      { alg: "HS256", typ, kid: await secretKeyId(PREVIOUS) },
      payloadOf(token),
    );
    expect((await verifyEdgeToken(labelled, secrets, NOW)).ok).toBe(true);
  });

  it("refuses a tampered payload", async () => {
    const { token } = await issue();
    const payload = payloadOf(token);
    for (const change of [
      { sub: "CUST2" },
      { scope: "customers:read" },
      { exp: (payload.exp as number) + 3600 },
      { azp: "key_x" },
    ]) {
      expect(await verifyEdgeToken(withPayload(token, { ...payload, ...change }), secrets, NOW)).toEqual({
        ok: false,
        reason: "invalid_token",
      });
    }
  });

  it("ends within 5 s of its expiresAt: our own clocks need no identity provider's 60 s", async () => {
    const { token, expiresAt } = await issue({ ttlSeconds: 60 });
    expect((await verifyEdgeToken(token, secrets, expiresAt + 4_000)).ok).toBe(true);
    expect(await verifyEdgeToken(token, secrets, expiresAt + 5_000)).toEqual({ ok: false, reason: "invalid_token" });
    expect(await verifyEdgeToken(token, secrets, expiresAt + 30_000)).toEqual({ ok: false, reason: "invalid_token" });
    // Issued by an isolate a moment ahead of this one is fine; a minute ahead is not.
    expect((await verifyEdgeToken(token, secrets, NOW - 4_000)).ok).toBe(true);
    expect((await verifyEdgeToken(token, secrets, NOW - 6_000)).ok).toBe(false);
  });

  it("refuses correctly signed tokens whose claims our issuer never writes", async () => {
    const kid = await secretKeyId(CURRENT);
    const iat = NOW / 1000;
    const good = {
      iss: EDGE_TOKEN_ISSUER,
      sub: "CUST1",
      azp: "key_abc",
      scope: "addresses:read",
      iat,
      exp: iat + 60,
      jti: "j",
    };
    const typ = EDGE_TOKEN_TYPE;
    expect((await verifyEdgeToken(await signHs256(CURRENT, { alg: "HS256", typ, kid }, good), secrets, NOW)).ok).toBe(
      true,
    );
    const bad: Record<string, unknown>[] = [
      { exp: undefined },
      { exp: String(iat + 60) },
      { iss: "customer-edge/" },
      { sub: "not-a-uuid" },
      { sub: 42 },
      { scope: "tokens:issue" },
      { scope: "addresses:read admin" },
      { scope: "" },
      { azp: undefined },
      { jti: undefined },
    ];
    for (const change of bad) {
      const token = await signHs256(CURRENT, { alg: "HS256", typ, kid }, { ...good, ...change });
      expect(await verifyEdgeToken(token, secrets, NOW), JSON.stringify(change)).toEqual({
        ok: false,
        reason: "invalid_token",
      });
    }
    for (const header of [
      { alg: "HS256", typ },
      { alg: "HS512", typ, kid },
      { alg: "none", typ, kid },
      // Explicit typing (RFC 8725 §3.11): a JWT of another kind under the same secret never passes.
      { alg: "HS256", kid },
      { alg: "HS256", typ: "JWT", kid },
      { alg: "HS256", typ: "at+jwt", kid },
    ]) {
      const token = await signHs256(CURRENT, header, good);
      expect((await verifyEdgeToken(token, secrets, NOW)).ok, JSON.stringify(header)).toBe(false);
    }
  });

  it("refuses every token without a usable secret, counting bytes not characters", async () => {
    expect(isUsableSigningSecret(undefined)).toBe(false);
    expect(isUsableSigningSecret("x".repeat(31))).toBe(false);
    expect(isUsableSigningSecret("x".repeat(32))).toBe(true);
    expect(isUsableSigningSecret("é".repeat(16))).toBe(true);
    expect(isUsableSigningSecret("é".repeat(15))).toBe(false);

    await expect(issue({ secret: "too-short" })).rejects.toThrow(/32 bytes/);
    const { token } = await issue();
    expect(await verifyEdgeToken(token, { current: "too-short" }, NOW)).toEqual({ ok: false, reason: "invalid_token" });
    expect(await verifyEdgeToken(token, { current: CURRENT, previous: "short" }, NOW)).toEqual({
      ok: false,
      reason: "invalid_token",
    });
  });

  it("refuses to issue for an invalid customer uuid or scope", async () => {
    await expect(issue({ customerUuid: "../CUST1" })).rejects.toThrow();
    await expect(issue({ scopes: [] })).rejects.toThrow();
    await expect(issue({ scopes: ["tokens:issue" as "addresses:read"] })).rejects.toThrow();
    await expect(issue({ ttlSeconds: 0 })).rejects.toThrow();
  });
});
