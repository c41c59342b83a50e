/**
 * Values shared by `npm run dev`, `npm run keys` and `npm run check:dev`.
 *
 * The two tokens are throwaway secrets for the local dev server only: they are printed in the
 * dev banner and committed here on purpose. A deployed Worker gets its own through
 * `wrangler secret put`, so these open nothing outside a developer's machine.
 */
export const DEV_ADMIN_TOKEN = "dev-admin-token-local-only";
/** Also the emulator CLI's default token (test/support/frontpayment-emulator.ts). */
export const DEV_FRONTPAYMENT_TOKEN = "dev-frontpayment-token";

/**
 * Tags the dev server's API keys (at least 32 bytes, like a real one). Keys made under it work
 * only on a dev server with this value: a deployment has its own, from `wrangler secret put`.
 */
export const DEV_API_KEY_TAG_SECRET = "dev-api-key-tag-secret-local-only-0123456789";
/** Signs the dev server's edge tokens (at least 32 bytes, like a real one). */
export const DEV_TOKEN_SIGNING_SECRET = "dev-token-signing-secret-local-only-0123456789";
/** The `aud` the dev server expects in the emulated identity provider's tokens. */
export const DEV_JWT_AUDIENCE = "customer-edge-dev";

export const DEFAULT_WORKER_PORT = 8787;
export const DEFAULT_EMULATOR_PORT = 8788;
export const LOCAL_HOST = "127.0.0.1";
export const DEFAULT_URL = `http://${LOCAL_HOST}:${DEFAULT_WORKER_PORT}`;
export const DEFAULT_EMULATOR_URL = `http://${LOCAL_HOST}:${DEFAULT_EMULATOR_PORT}`;

/** True for http://127.0.0.1:*, http://localhost:*, http://[::1]:*: a dev server on this machine. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
  } catch {
    return false;
  }
}
