/**
 * `npm run idp-token -- <customer uuid>`: prints an ES256 token from the local emulator's
 * identity provider, as a merchant's Auth0/Cognito/Firebase would issue one to its app, for
 * the dev server started by `npm run dev` (which trusts that provider). Valid for one hour.
 *
 *   curl -H "Authorization: Bearer $(npm run -s idp-token -- CSRT1511414842)" http://127.0.0.1:8787/v1/me
 */
import { parseArgs } from "node:util";
import { EXAMPLE_CUSTOMER_UUID } from "../test/support/seed-customers.ts";
import * as dev from "./lib/dev-defaults.ts";

const { values, positionals } = parseArgs({
  options: {
    emulator: { type: "string", default: dev.DEFAULT_EMULATOR_URL },
    alg: { type: "string", default: "ES256" },
  },
  allowPositionals: true,
});
const customerUuid = positionals[0] ?? EXAMPLE_CUSTOMER_UUID;
const emulator = String(values.emulator).replace(/\/+$/, "");
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: emulator,
  aud: dev.DEV_JWT_AUDIENCE,
  sub: `dev-user-${customerUuid}`,
  frontpayment_customer_uuid: customerUuid,
  iat: now,
  exp: now + 3600,
};

try {
  const response = await fetch(`${emulator}/__idp/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ alg: values.alg, claims }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  console.log(((await response.json()) as { token: string }).token);
} catch (error) {
  console.error(
    `npm run idp-token: the emulator at ${emulator} did not answer (is \`npm run dev\` running?): ${String(error)}`,
  );
  process.exit(1);
}
