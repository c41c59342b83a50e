import { describe, expect, it } from "vitest";
import { manualClock } from "../src/lib/clock.ts";
import { issueEdgeToken } from "../src/tokens/edge-tokens.ts";
import { VERIFIED_TOKEN_TTL_MS, VerifiedTokens } from "../src/tokens/verified-tokens.ts";
import type { CustomerTokenConfig } from "../src/tokens/verify-customer-token.ts";
import { remember } from "./helpers/customer-tokens.ts";
import { payloadOf, withPayload } from "./helpers/raw-jwt.ts";

const SECRET = "verified-tokens-test-secret-0123456789abcdef";

async function setup(ttlSeconds = 900) {
  const clock = manualClock(Date.UTC(2030, 0, 1));
  // Held by reference: taking the secret away afterwards shows when a verdict is reused.
  const config: CustomerTokenConfig = { edge: { current: SECRET } };
  const verifier = new VerifiedTokens(config, clock);
  const { token } = await issueEdgeToken({
    secret: SECRET,
    customerUuid: "CUST1",
    scopes: ["customers:read"],
    ttlSeconds,
    keyId: "key_0123456789abcdef",
    now: clock.now(),
  });
  return { clock, config, verifier, token: remember(token) };
}

describe("verified customer tokens", () => {
  it("reuses a passed verdict for the same token for up to 60 s, then checks again", async () => {
    const { clock, config, verifier, token } = await setup();
    expect(await verifier.verify(token)).toMatchObject({ ok: true, kind: "edge", customerUuid: "CUST1" });
    config.edge = undefined;
    clock.advance(VERIFIED_TOKEN_TTL_MS - 1_000);
    expect(await verifier.verify(token)).toMatchObject({ ok: true, customerUuid: "CUST1" });
    clock.advance(2_000);
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: "invalid_token" });
  });

  it("keeps the verdict of a token inside its leeway after exp until its leeway ends, and no longer", async () => {
    const { clock, config, verifier, token } = await setup(60);
    const exp = (payloadOf(token).exp as number) * 1000;
    clock.set(exp + 2_000);
    expect((await verifier.verify(token)).ok).toBe(true);
    config.edge = undefined;
    clock.set(exp + 4_000);
    expect((await verifier.verify(token)).ok).toBe(true);
    clock.set(exp + 5_000);
    expect((await verifier.verify(token)).ok).toBe(false);
  });

  it("never reuses a verdict for other bytes", async () => {
    const { verifier, token } = await setup();
    expect((await verifier.verify(token)).ok).toBe(true);
    const tampered = withPayload(token, { ...payloadOf(token), sub: "CUST2" });
    expect(await verifier.verify(tampered)).toEqual({ ok: false, reason: "invalid_token" });
  });

  it("never reuses a verdict past the token's own expiry", async () => {
    const { clock, config, verifier, token } = await setup(60);
    expect((await verifier.verify(token)).ok).toBe(true);
    config.edge = undefined;
    clock.advance(30_000);
    expect((await verifier.verify(token)).ok).toBe(true);
    clock.advance(31_000);
    expect((await verifier.verify(token)).ok).toBe(false);
  });
});
