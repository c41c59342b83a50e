/**
 * `npm run idp-token -- <customer uuid>`: prints an ES256 token from the local emulator's
 * identity provider, as a merchant's Auth0/Cognito/Firebase would issue one to its app, for
 * the dev server started by `npm run dev` (which trusts that provider). Valid for one hour.
 *
 *   curl -H "Authorization: Bearer $(npm run -s idp-token -- CSRT1511414842)" http://127.0.0.1:8787/v1/me
 *
 * With `npm run dev -- --emulator-port <n>`, pass `--emulator http://127.0.0.1:<n>`: the
 * token's issuer must be the emulator that dev server trusts (its banner prints the line).
 */
import { parseArgs } from "node:util";
import { EXAMPLE_CUSTOMER_UUID } from "../test/support/seed-customers.ts";
import * as dev from "./lib/dev-defaults.ts";

const USAGE = `Usage: npm run -s idp-token -- [options] [customer uuid]

Prints a one-hour token for the customer (default ${EXAMPLE_CUSTOMER_UUID}) from the identity
provider of the emulator that \`npm run dev\` started, for its /v1/me.

  --emulator <url>   that emulator (default ${dev.DEFAULT_EMULATOR_URL}); \`npm run dev\`
                     prints the whole command for the ports it runs on
  --alg <alg>        signing algorithm (default ES256)
  -h, --help         show this help`;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        emulator: { type: "string", default: dev.DEFAULT_EMULATOR_URL },
        alg: { type: "string", default: "ES256" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function fail(message: string): never {
  console.error(`npm run idp-token: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values, positionals } = parseOptions();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length > 1) fail(`one customer uuid at most, got ${positionals.length}`);
if (!/^https?:\/\/[^/]/.test(values.emulator))
  fail(`--emulator must be the emulator's http URL, got "${values.emulator}"`);
const customerUuid = positionals[0] ?? EXAMPLE_CUSTOMER_UUID;
const emulator = values.emulator.replace(/\/+$/, "");
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
