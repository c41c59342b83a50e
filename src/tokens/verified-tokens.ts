import { BoundedTtlMap } from "../lib/bounded-ttl-map.ts";
import type { Clock } from "../lib/clock.ts";
import type { TokenFailure } from "./failure.ts";
import { type CustomerTokenConfig, type VerifiedCustomerToken, verifyCustomerToken } from "./verify-customer-token.ts";

/** How long a verdict is reused before the signature is checked again. */
export const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * Verifies customer tokens, remembering the ones that passed. A checkout page or an app sends
 * the same token on every request, and its signature check (an HMAC, or an ECDSA or RSA
 * verification from the JWKS) is most of what a token costs; so a verdict is reused for the
 * exact same token, byte for byte.
 *
 * One per isolate (the composition root builds it with the token settings). Bound: 1,000
 * tokens (4 KiB each at most), each kept for at most 60 s and never past its own `exp`; only
 * passed tokens are kept, so forged ones cannot crowd out real ones. Invalidation: a secret or
 * JWKS key taken out of service stops verifying within those 60 s; an edge token's issuing key
 * is not part of the verdict and is checked on every request.
 */
export class VerifiedTokens {
  readonly #config: CustomerTokenConfig;
  readonly #clock: Clock;
  readonly #passed = new BoundedTtlMap<string, VerifiedCustomerToken>(1_000, VERIFIED_TOKEN_TTL_MS);

  constructor(config: CustomerTokenConfig, clock: Clock) {
    this.#config = config;
    this.#clock = clock;
  }

  async verify(token: string): Promise<VerifiedCustomerToken | TokenFailure> {
    const now = this.#clock.now();
    const known = this.#passed.get(token, now);
    if (known && known.acceptedUntil > now) return known;
    const result = await verifyCustomerToken(token, this.#config, now);
    // A verdict is kept only while the token itself still passes (a token inside its leeway
    // after `exp` has little left), so an entry never outlives its token.
    const keepMs = result.ok ? Math.min(VERIFIED_TOKEN_TTL_MS, result.acceptedUntil - now) : 0;
    if (result.ok && keepMs > 0) this.#passed.set(token, result, keepMs, now);
    return result;
  }
}
