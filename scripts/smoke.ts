/**
 * `npm run smoke -- --url <deployment> --customer <uuid>`: the check to run after every deploy.
 * With the admin token (env ADMIN_TOKEN, else typed without echo or piped on stdin) it creates
 * a key that expires in minutes, purges the customer from the cache so the first read goes to
 * Frontpayment, reads it twice (the second a cache hit), issues a customer token and reads
 * /v1/me with it, checks the refusals and the public pages, and revokes its key however the
 * checks went. One line per check; the first failure stops the run and is named (exit 1).
 */
import { randomBytes, randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { AdminApiError, AdminClient } from "./lib/admin-client.ts";
import { readSecret } from "./lib/secret-input.ts";
import { SmokeFailure, SmokeRun } from "./lib/smoke-checks.ts";

const USAGE = `Usage: npm run smoke -- --url <deployment> --customer <uuid>

  --url <url>          the deployment, e.g. https://customer-edge-staging.<you>.workers.dev
  --customer <uuid>    a Frontpayment customer that exists upstream (1-64 letters/digits)
  -h, --help           show this help

The admin token comes from the environment variable ADMIN_TOKEN, else it is asked for
without echo (or read from stdin when that is not a terminal). Never pass it as an argument.`;

const KEY_LIFETIME_MS = 5 * 60_000;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function options(): { url: string; customer: string } | undefined {
  const { values } = parseArgs({
    options: { url: { type: "string" }, customer: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return undefined;
  const url = (values.url ?? "").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+$/.test(url))
    throw new Error("--url must be the deployment's origin, e.g. https://edge.example");
  if (!/^[A-Za-z0-9]{1,64}$/.test(values.customer ?? "")) throw new Error("--customer must be 1-64 letters or digits");
  return { url, customer: values.customer ?? "" };
}

/** Well-formed but never issued: `cedge_` and random base62, which no stored hash matches. */
function madeUpKey(): string {
  return `cedge_${Array.from({ length: 38 }, () => BASE62[randomInt(BASE62.length)]).join("")}`;
}

async function main(): Promise<number> {
  const opts = options();
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  const { url, customer } = opts;
  const adminToken = process.env.ADMIN_TOKEN || (await readSecret("Admin token (input hidden): ", "the admin token"));
  const admin = new AdminClient(url, adminToken);
  const run = new SmokeRun(url);
  console.log(`smoke: ${url}, customer ${customer}`);
  let keyId: string | undefined;
  try {
    const key = await run.check("the admin token creates a short-lived key", async () => {
      const expiresAt = new Date(Date.now() + KEY_LIFETIME_MS).toISOString();
      const name = `smoke test ${new Date().toISOString()}`;
      const created = await admin
        .createKey({ name, scopes: ["customers:read", "tokens:issue"], expiresAt })
        .catch((error: unknown) => {
          const status = error instanceof AdminApiError && error.status ? ` (HTTP ${error.status})` : "";
          throw new SmokeFailure(`${error instanceof Error ? error.message : String(error)}${status}`);
        });
      keyId = created.id;
      return created.key;
    });
    const bearer = (credential: string) => ({ Authorization: `Bearer ${credential}` });

    // A cached copy (fresh, or stale for up to a day) would hide a wrong upstream or token.
    await run.check(`purges customer ${customer} from the cache`, async () => {
      await admin.purgeCustomer(customer).catch((error: unknown) => {
        throw new SmokeFailure(error instanceof Error ? error.message : String(error));
      });
    });
    await run.check(`reads customer ${customer} from Frontpayment`, async () => {
      const answer = await run.get(`/v1/customers/${customer}`, bearer(key));
      run.expect(answer, 200);
      if (answer.json?.uuid !== customer) throw new SmokeFailure(`the answer is not customer ${customer}`);
    });
    await run.check("a second read is a cache hit", async () => {
      const answer = await run.get(`/v1/customers/${customer}`, bearer(key));
      run.expect(answer, 200);
      if (!/;\s*hit\b/.test(answer.cacheStatus)) throw new SmokeFailure(`Cache-Status is "${answer.cacheStatus}"`);
    });
    const token = await run.check("the key issues a customer token", async () => {
      const answer = await run.send("POST", "/v1/customer-tokens", bearer(key), {
        customerUuid: customer,
        scopes: ["customers:read"],
        ttlSeconds: 60,
      });
      run.expect(answer, 201);
      const issued = answer.json?.token;
      if (typeof issued !== "string") throw new SmokeFailure("no token in the answer");
      return issued;
    });
    await run.check("the token reads /v1/me", async () => {
      const answer = await run.get("/v1/me", bearer(token));
      run.expect(answer, 200);
      if (answer.json?.uuid !== customer) throw new SmokeFailure(`/v1/me is not customer ${customer}`);
    });
    await run.check("a made-up key is refused (401)", async () => {
      run.expect(await run.get(`/v1/customers/${customer}`, bearer(madeUpKey())), 401);
    });
    await run.check("the token cannot read another customer (403)", async () => {
      const other = `SMOKE${randomBytes(8).toString("hex").toUpperCase()}`;
      run.expect(await run.get(`/v1/customers/${other}`, bearer(token)), 403);
    });
    await run.check("/openapi.json answers", async () => {
      const answer = await run.get("/openapi.json");
      run.expect(answer, 200);
      if (typeof answer.json?.openapi !== "string") throw new SmokeFailure("not an OpenAPI document");
    });
    await run.check("/docs answers", async () => run.expect(await run.get("/docs"), 200));
    await run.check(`no answer carries a personal number (${run.answers} answers)`, async () => {});
  } catch (error) {
    if (!(error instanceof SmokeFailure)) throw error;
  } finally {
    if (keyId) {
      const id = keyId;
      await run
        .check("the smoke key is revoked", async () => {
          await admin.revokeKey(id).catch((error: unknown) => {
            throw new SmokeFailure(`${error instanceof Error ? error.message : String(error)}; revoke ${id} by hand`);
          });
        })
        .catch(() => {}); // already printed and remembered by run.check
    }
  }
  return run.report();
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`npm run smoke: ${error instanceof Error ? error.message : String(error)}`);
    if ((error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) console.error(`\n${USAGE}`);
    process.exitCode = 2;
  },
);
