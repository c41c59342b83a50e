/**
 * `npm run setup`: the exact wrangler commands of a --dry-run, no secret value in its output,
 * nothing changed; and the plan of a second run, which creates nothing twice. Runs under
 * `node --test` (npm run test:scripts); nothing here talks to Cloudflare.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { ROOT, readWranglerToml, WRANGLER_TOML } from "../lib/deploy-config.ts";
import { type AccountState, generateSecret, planSetup, type SetupOptions } from "../lib/setup-plan.ts";

const FRONTPAYMENT_TOKEN = "fp-test-token-never-printed";

function setup(args: string[], stdin = FRONTPAYMENT_TOKEN) {
  const before = readFileSync(WRANGLER_TOML, "utf8");
  const result = spawnSync(process.execPath, ["scripts/setup.ts", ...args], {
    cwd: ROOT,
    input: stdin,
    encoding: "utf8",
  });
  const output = result.stdout + result.stderr;
  const commands = output.split("\n").flatMap((line) => /^\s*would run: (.*)$/.exec(line)?.slice(1) ?? []);
  return { status: result.status, output, commands, unchanged: readFileSync(WRANGLER_TOML, "utf8") === before };
}

const puts = (env: string) =>
  ["FRONTPAYMENT_TOKEN", "ADMIN_TOKEN", "TOKEN_SIGNING_SECRET", "API_KEY_TAG_SECRET"].map(
    (name) => `npx wrangler secret put ${name} --env ${env}   (value on stdin: ********)`,
  );

describe("setup --dry-run", () => {
  test("staging: prints every wrangler command, EU namespaces, secrets masked, changes nothing", () => {
    const run = setup(["--env", "staging", "--dry-run"]);
    assert.equal(run.status, 0, run.output);
    assert.deepEqual(run.commands, [
      "npx wrangler kv namespace list",
      "npx wrangler secret list --env staging",
      "npx wrangler kv namespace create customer-edge-staging-cache --jurisdiction eu",
      "npx wrangler kv namespace create customer-edge-staging-api-keys --jurisdiction eu",
      ...puts("staging"),
    ]);
    assert.ok(run.unchanged, "wrangler.toml changed");
    assert.ok(!run.output.includes(FRONTPAYMENT_TOKEN), "the Frontpayment token was printed");
    // The generated secrets are 43+ base64url characters: none may appear.
    assert.doesNotMatch(run.output, /[A-Za-z0-9_-]{32,}/);
    assert.doesNotMatch(run.output, /Admin token/);
  });
  test("production with an upstream and --no-eu: namespaces without a jurisdiction, the upstream written", () => {
    const run = setup([
      "--env",
      "production",
      "--dry-run",
      "--no-eu",
      "--upstream",
      "https://api.frontpayment.example",
    ]);
    assert.equal(run.status, 0, run.output);
    assert.deepEqual(run.commands.slice(2), [
      "npx wrangler kv namespace create customer-edge-production-cache",
      "npx wrangler kv namespace create customer-edge-production-api-keys",
      ...puts("production"),
    ]);
    assert.match(run.output, /would write the namespace ids and FRONTPAYMENT_BASE_URL into \[env.production\]/);
    assert.ok(run.unchanged && !run.output.includes(FRONTPAYMENT_TOKEN));
  });
  test("production without a real upstream is refused before any command, saying why", () => {
    for (const upstream of [[], ["--upstream", "https://demo-api.frontpayment.no"]]) {
      const run = setup(["--env", "production", "--dry-run", ...upstream]);
      assert.equal(run.status, 1);
      assert.deepEqual(run.commands, []);
      assert.match(
        run.output,
        /FRONTPAYMENT_BASE_URL (is not set for production|for production is Frontpayment's demo API)/,
      );
    }
  });
  test("refuses an unknown environment and an unknown --rotate name", () => {
    assert.match(setup(["--env", "prod", "--dry-run"]).output, /--env must be staging or production/);
    assert.match(setup(["--env", "staging", "--rotate", "PASSWORD"]).output, /--rotate takes one of/);
  });
});

const config = await readWranglerToml();

describe("a second setup run", () => {
  const options: SetupOptions = { env: "staging", jurisdiction: "eu", rotate: [] };
  const done: AccountState = {
    namespaces: [
      { id: "0123456789abcdef0123456789abcdef", title: "customer-edge-staging-cache", jurisdiction: "eu" },
      { id: "fedcba9876543210fedcba9876543210", title: "customer-edge-staging-api-keys", jurisdiction: "eu" },
      { id: "11111111111111111111111111111111", title: "customer-edge-production-cache", jurisdiction: "eu" },
    ],
    secrets: ["FRONTPAYMENT_TOKEN", "ADMIN_TOKEN", "TOKEN_SIGNING_SECRET", "API_KEY_TAG_SECRET"],
  };
  test("finds the namespaces by title and keeps the secrets: nothing is created or put", () => {
    const kinds = planSetup(config, options, done).map((step) => step.kind);
    assert.deepEqual(kinds, ["keep-namespace", "keep-namespace", ...Array(4).fill("keep-secret")]);
  });
  test("replaces only the secrets named with --rotate", () => {
    const steps = planSetup(config, { ...options, rotate: ["ADMIN_TOKEN"] }, done);
    const puts = steps.flatMap((step) => (step.kind === "put-secret" ? [[step.name, step.rotating]] : []));
    assert.deepEqual(puts, [["ADMIN_TOKEN", true]]);
  });
  test("refuses a namespace found by title in another jurisdiction (it cannot be changed)", () => {
    const state = { ...done, namespaces: done.namespaces.map((namespace) => ({ ...namespace, jurisdiction: "" })) };
    assert.throws(() => planSetup(config, options, state), /cannot be changed after creation/);
  });
  test("generates distinct secrets of at least 32 bytes", () => {
    const values = ["ADMIN_TOKEN", "TOKEN_SIGNING_SECRET", "API_KEY_TAG_SECRET", "ADMIN_TOKEN"] as const;
    const made = values.map((name) => generateSecret(name));
    assert.equal(new Set(made).size, made.length);
    for (const value of made) assert.ok(Buffer.from(value, "base64url").length >= 32);
  });
});
