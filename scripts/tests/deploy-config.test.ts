/**
 * The deployment rules of wrangler.toml: environments isolated from each other and from local
 * development, production refused without a real upstream, and setup's edits read back by
 * wrangler's own parser. Runs under `node --test` (npm run test:scripts); nothing here talks
 * to Cloudflare.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  DEMO_HOST,
  isolationProblems,
  missingKvIds,
  productionUpstreamProblem,
  type RawConfig,
  ROOT,
  readWranglerToml,
  WRANGLER_TOML,
} from "../lib/deploy-config.ts";
import { setEnvVar, setKvNamespaceId } from "../lib/toml-edit.ts";

const committed = await readWranglerToml();
const copy = (): RawConfig => structuredClone(committed);
const ID_A = "0123456789abcdef0123456789abcdef";
const ID_B = "fedcba9876543210fedcba9876543210";

describe("the committed wrangler.toml", () => {
  test("keeps staging, production and local development apart", () => {
    assert.deepEqual(isolationProblems(committed), []);
  });
  test("gives each environment its own RATE_LIMITER namespace_id", () => {
    const ids = [committed, committed.env?.staging, committed.env?.production].map(
      (section) => section?.ratelimits?.find((limit) => limit.name === "RATE_LIMITER")?.namespace_id,
    );
    assert.equal(new Set(ids).size, 3, `namespace_ids: ${ids.join(", ")}`);
  });
  test("enforces the same RATE_LIMITER numbers everywhere (the code's are checked against the top level)", () => {
    const simple = (section: RawConfig | undefined) =>
      (section?.ratelimits as { name: string; simple?: unknown }[] | undefined)?.find((l) => l.name === "RATE_LIMITER")
        ?.simple;
    assert.ok(simple(committed));
    for (const env of ["staging", "production"] as const)
      assert.deepEqual(simple(committed.env?.[env]), simple(committed));
  });
  test("has no placeholder KV id anywhere: setup writes the real ones", () => {
    const ids = [committed, committed.env?.staging, committed.env?.production].flatMap(
      (section) => section?.kv_namespaces?.map((kv) => kv.id).filter(Boolean) ?? [],
    );
    assert.deepEqual(ids, []);
    assert.deepEqual(missingKvIds(committed, "staging"), ["CACHE", "API_KEYS"]);
  });
  test("points staging at the demo API and leaves production's upstream unset", () => {
    assert.equal(committed.env?.staging?.vars?.FRONTPAYMENT_BASE_URL, `https://${DEMO_HOST}`);
    assert.match(productionUpstreamProblem(committed.env?.production?.vars?.FRONTPAYMENT_BASE_URL) ?? "", /not set/);
  });
});

describe("isolationProblems", () => {
  test("names a KV namespace id shared by the two environments", () => {
    const config = copy();
    for (const env of ["staging", "production"] as const) {
      for (const kv of config.env?.[env]?.kv_namespaces ?? []) kv.id = kv.binding === "CACHE" ? ID_A : `${env}-keys`;
    }
    assert.deepEqual(isolationProblems(config), [
      `KV namespace id "${ID_A}" is used by both env.staging and env.production`,
    ]);
  });
  test("names a KV namespace id shared with local development", () => {
    const config = copy();
    const [local] = config.kv_namespaces ?? [];
    const [staging] = config.env?.staging?.kv_namespaces ?? [];
    if (local && staging) [local.id, staging.id] = [ID_B, ID_B];
    assert.match(
      isolationProblems(config).join("\n"),
      /KV namespace id ".+" is used by both local development .* and env.staging/,
    );
  });
  test("names a rate-limit namespace_id shared by the two environments, or with local development", () => {
    for (const shared of ["production", "top"] as const) {
      const config = copy();
      const staging = config.env?.staging?.ratelimits?.[0];
      const other = shared === "top" ? config.ratelimits?.[0] : config.env?.production?.ratelimits?.[0];
      if (staging && other) staging.namespace_id = other.namespace_id;
      assert.match(isolationProblems(config).join("\n"), /rate-limit namespace_id "\d+" is used by both/);
    }
  });
  test("names an environment without its own RATE_LIMITER or KV binding", () => {
    const config = copy();
    const production = config.env?.production;
    if (production) [production.ratelimits, production.kv_namespaces] = [[], [{ binding: "CACHE" }]];
    assert.deepEqual(isolationProblems(config), [
      "env.production has no API_KEYS KV binding",
      "env.production has no RATE_LIMITER with its own namespace_id",
    ]);
  });
});

describe("productionUpstreamProblem", () => {
  test("refuses unset, empty, non-https, non-URL and the demo host, saying why", () => {
    const refused: [unknown, RegExp][] = [
      [undefined, /not set/],
      ["", /not set/],
      ["http://api.frontpayment.no", /must be https/],
      ["api.frontpayment.no", /not a URL/],
      [`https://${DEMO_HOST}`, /demo API/],
      [`https://${DEMO_HOST.toUpperCase()}/`, /demo API/],
    ];
    for (const [url, why] of refused) assert.match(productionUpstreamProblem(url) ?? "(accepted)", why, String(url));
  });
  test("accepts an https URL on another host", () => {
    assert.equal(productionUpstreamProblem("https://api.frontpayment.no"), undefined);
  });
});

describe("npm run deploy refuses before wrangler runs", () => {
  const deploy = (...args: string[]) =>
    spawnSync(process.execPath, ["scripts/deploy.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  test("production without an upstream, with the reason", () => {
    const result = deploy("--env", "production", "--dry-run");
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /refused: FRONTPAYMENT_BASE_URL is not set for production/);
  });
  test("production given the demo upstream", () => {
    const result = deploy("--env", "production", "--dry-run", "--var", `FRONTPAYMENT_BASE_URL:https://${DEMO_HOST}`);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /demo API/);
  });
  test("no environment, and an environment whose KV ids setup has not written", () => {
    assert.match(deploy().stderr, /refused: name the environment/);
    const staging = deploy("--env", "staging");
    assert.equal(staging.status, 2);
    assert.match(staging.stderr, /no KV namespace id for CACHE and API_KEYS: run `npm run setup -- --env staging`/);
  });
});

describe("setup's edits of wrangler.toml", () => {
  test("land where wrangler reads them, in one environment only, and keep the comments", async () => {
    const before = readFileSync(WRANGLER_TOML, "utf8");
    let toml = setKvNamespaceId(before, "staging", "CACHE", ID_A);
    toml = setKvNamespaceId(toml, "staging", "API_KEYS", ID_B);
    toml = setKvNamespaceId(toml, "staging", "CACHE", ID_B.replace("f", "e"));
    toml = setEnvVar(toml, "production", "FRONTPAYMENT_BASE_URL", "https://api.frontpayment.example");
    const dir = mkdtempSync(join(tmpdir(), "customer-edge-toml-"));
    try {
      const path = join(dir, "wrangler.toml");
      writeFileSync(path, toml);
      const config = await readWranglerToml(path);
      const kv = Object.fromEntries(
        config.env?.staging?.kv_namespaces?.map((entry) => [entry.binding, entry.id]) ?? [],
      );
      assert.deepEqual(kv, { CACHE: ID_B.replace("f", "e"), API_KEYS: ID_B });
      assert.deepEqual(missingKvIds(config, "production"), ["CACHE", "API_KEYS"]);
      assert.equal(config.env?.production?.vars?.FRONTPAYMENT_BASE_URL, "https://api.frontpayment.example");
      assert.equal(productionUpstreamProblem(config.env?.production?.vars?.FRONTPAYMENT_BASE_URL), undefined);
      assert.deepEqual(isolationProblems(config), []);
      const comments = (text: string) => text.split("\n").filter((line) => line.trim().startsWith("#"));
      assert.deepEqual(comments(toml), comments(before));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test("refuse what is not a KV id", () => {
    assert.throws(() => setKvNamespaceId("", "staging", "CACHE", "not-an-id"), /not a KV namespace id/);
  });
});
