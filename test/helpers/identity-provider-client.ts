import { inject } from "vitest";

// Provided by test/support/global-setup.ts, which this project's tsconfig does not include.
declare module "vitest" {
  interface ProvidedContext {
    emulatorUrl: string;
  }
}

/** A client of the development identity provider's control API (the server is test/support/identity-provider.ts). */
export type IdpAlg = "ES256" | "RS256" | "EdDSA";
export type MintAlg = IdpAlg | "HS256" | "none";
export type FailMode = "status" | "malformed" | "hang";

export const IDP_AUDIENCE = "storefront-app";
export const IDP_CLAIM = "frontpayment_customer_uuid";

let counter = 0;

async function ok(response: Response): Promise<Response> {
  if (!response.ok) throw new Error(`identity provider: ${response.status} ${await response.text()}`);
  return response;
}

/**
 * A provider of its own (keys, failure switch, fetch count) under a name no other test uses,
 * since test files share one emulator.
 */
export function newIdentityProvider() {
  counter++;
  const name = `t${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 8)}`;
  const emulator = inject("emulatorUrl");
  const issuer = `${emulator}/idp/${name}`;
  const control = (action: string, body?: unknown) =>
    fetch(`${emulator}/__idp/${name}/${action}`, {
      method: body === undefined && action === "stats" ? "GET" : "POST",
      headers: { "Content-Type": "application/json" },
      body: action === "stats" ? undefined : JSON.stringify(body ?? {}),
    }).then(ok);

  return {
    name,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    /** Claims a valid token would carry at `now` (epoch ms), for `uuid`. */
    claims(now: number, uuid = "CUST1", overrides: Record<string, unknown> = {}): Record<string, unknown> {
      const iat = Math.floor(now / 1000);
      return { iss: issuer, aud: IDP_AUDIENCE, sub: "user-42", [IDP_CLAIM]: uuid, iat, exp: iat + 300, ...overrides };
    },
    async mint(alg: MintAlg, claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string> {
      const response = await control("token", { alg, claims, header });
      return ((await response.json()) as { token: string }).token;
    },
    /** Publishes a new key for `alg` (with JWK members overridden); later `alg` tokens use it. */
    async addKey(alg: IdpAlg, jwk?: Record<string, unknown>): Promise<string> {
      return ((await (await control("keys", { alg, jwk })).json()) as { kid: string }).kid;
    },
    async rotate(): Promise<Record<IdpAlg, string>> {
      return ((await (await control("rotate")).json()) as { kids: Record<IdpAlg, string> }).kids;
    },
    fail: (mode: FailMode = "status") => control("fail", { mode }).then(() => undefined),
    recover: () => control("recover").then(() => undefined),
    async jwksFetches(): Promise<number> {
      return ((await (await control("stats")).json()) as { jwksFetches: number }).jwksFetches;
    },
  };
}
export type TestIdentityProvider = ReturnType<typeof newIdentityProvider>;
