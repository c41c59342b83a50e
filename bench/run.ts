/**
 * `npm run bench`: what a client sees locally, end to end, tier by tier.
 *
 * The Frontpayment emulator (test/support, 150 ms latency; also a development identity provider)
 * runs in this process; the Worker runs in a child process through wrangler's own dev machinery
 * with the real wrangler.toml (e2e/worker-host.ts says what differs from `wrangler dev`). Keys are
 * made through POST /admin/keys, an edge token through POST /v1/customer-tokens, an ES256 token
 * by the emulator. autocannon drives each scenario (e2e/load.ts); the cheap paths run in
 * interleaved rounds and every ratio is the median of per-round ratios (e2e/scenarios.ts).
 * Upstream calls are counted by the emulator, so "a cached read costs no call" is measured.
 *
 * Local numbers are not Cloudflare's: two workerd processes, wrangler's proxy hop and local
 * KV on disk sit in every request. They compare paths with each other, on one machine.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../scripts/lib/processes.ts";
import { startEmulator } from "../test/support/frontpayment-emulator.ts";
import { coldAndKv, type Row, steadyInRounds } from "./e2e/scenarios.ts";
import { createKey, issueEdgeToken, mintIdpToken, startWorker } from "./e2e/worker.ts";
import { parse } from "./lib/args.ts";
import { perRound, printTable, saveResults, spread } from "./lib/results.ts";

const USAGE = `npm run bench -- [options]
  --latency N           upstream latency of the Frontpayment emulator, ms (default 150)
  --connections N       connections of the req/s phases (default 10)
  --duration N          seconds per measured phase; the cheap paths split it over the rounds (default 5)
  --rounds N            interleaved rounds of the cheap paths (default 5)
  --warmup N            seconds of warm-up load before the rounds, per path (default 2)
  --cold N              distinct never-seen customers in the cold read (default 100)
  --cold-connections N  connections of the cold and KV reads (default 2)
  --config FILE         wrangler config to run (default wrangler.toml): a scratch copy, to price a change
  --strict              exit 1 when a target is missed
  --timeout N           stop everything and fail after N seconds (default 240)`;
const options = parse(
  USAGE,
  {
    latency: 150,
    connections: 10,
    duration: 5,
    rounds: 5,
    warmup: 2,
    cold: 100,
    "cold-connections": 2,
    config: "wrangler.toml",
    strict: false,
    timeout: 240,
  },
  process.argv.slice(2),
);
const EXAMPLE_CUSTOMER = "CSRT1511414842";
const started = Date.now();
const log = (step: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${step}`);

const cleanup: (() => unknown)[] = [];
async function stopAll(): Promise<void> {
  for (const task of cleanup.splice(0).reverse()) await Promise.resolve(task()).catch(() => {});
}
const abort = (why: string, code: number) => {
  console.error(`\n${why}: stopping everything the benchmark started...`);
  void stopAll().finally(() => process.exit(code));
};
process.once("SIGINT", () => abort("Interrupted", 130)).once("SIGTERM", () => abort("Terminated", 143));
setTimeout(() => abort(`The run took longer than ${options.timeout} s (--timeout)`, 1), options.timeout * 1000).unref();

async function main(): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), "customer-edge-bench-"));
  cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
  const upstreamToken = randomBytes(24).toString("base64url");
  const emulator = await startEmulator({ port: 0, token: upstreamToken, latencyMs: options.latency });
  cleanup.push(() => emulator.close());
  log("Worker (wrangler dev machinery, local)");
  const config = resolve(options.config);
  const worker = await startWorker({
    config,
    port: await freePort("127.0.0.1"),
    workDir,
    emulatorUrl: emulator.url,
    upstreamToken,
  });
  cleanup.push(worker.stop);
  const key = { "X-API-Key": await createKey(worker, ["customers:read"]) };
  const issuer = await createKey(worker, ["tokens:issue", "customers:read"]);
  const edge = { Authorization: `Bearer ${await issueEdgeToken(worker.url, issuer, EXAMPLE_CUSTOMER)}` };
  const idp = { Authorization: `Bearer ${await mintIdpToken(emulator.url, EXAMPLE_CUSTOMER)}` };
  const customer = `/v1/customers/${EXAMPLE_CUSTOMER}`;
  // The first read goes upstream, the second is a hit: its ETag is the 304's.
  for (const [path, headers] of [
    [customer, key],
    ["/v1/me", edge],
    ["/v1/me", idp],
  ] as const) {
    await (await fetch(worker.url + path, { headers })).arrayBuffer();
  }
  const etag = (await fetch(worker.url + customer, { headers: key })).headers.get("ETag") ?? "";
  const ctx = { workerUrl: worker.url, emulatorUrl: emulator.url, runId: Date.now().toString(36), options };

  log(`healthz, cached, 304, token-edge, token-idp: ${options.rounds} interleaved rounds`);
  const rows = await steadyInRounds(ctx, [
    { id: "healthz", label: "GET /healthz", path: "/healthz", headers: {}, expectedStatus: 200 },
    { id: "cached", label: "cached read, API key", path: customer, headers: key, expectedStatus: 200 },
    {
      id: "304",
      label: "cached read, If-None-Match (304)",
      path: customer,
      headers: { ...key, "If-None-Match": etag },
      expectedStatus: 304,
    },
    { id: "token-edge", label: "cached read, /v1/me, edge token", path: "/v1/me", headers: edge, expectedStatus: 200 },
    {
      id: "token-idp",
      label: "cached read, /v1/me, ES256 IdP token",
      path: "/v1/me",
      headers: idp,
      expectedStatus: 200,
    },
  ]);
  log("cold reads, then KV reads once the memory tier expired");
  rows.push(...(await coldAndKv(ctx, key)));
  return report(rows);
}

function report(rows: Row[]): number {
  const row = (id: string) => rows.find((r) => r.id === id)!;
  const median = (r: Row, key: "p50" | "p95" | "p99" | "rps") => spread(r.rounds.map((x) => x[key])).median;
  const ratio = (a: string, b: string, key: "p50" | "rps") =>
    perRound(
      row(a).rounds.map((r) => r[key]),
      row(b).rounds.map((r) => r[key]),
      (x, y) => x / y,
    );
  printTable(
    ["scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "upstream calls"],
    rows.map((r) => [
      r.label,
      median(r, "rps").toFixed(0),
      ...(["p50", "p95", "p99"] as const).map((key) => median(r, key).toFixed(2)),
      String(r.upstreamCalls),
    ]),
  );
  const problems = rows.flatMap((r) => {
    const wrong = Object.entries(r.statuses).filter(([status]) => status !== String(r.expectedStatus));
    const calls =
      r.upstreamCalls === r.expectedUpstreamCalls
        ? []
        : [`${r.upstreamCalls} upstream calls, expected ${r.expectedUpstreamCalls}`];
    return [...wrong.map(([status, n]) => `${n}× ${status}`), ...calls].map((p) => `${r.id}: ${p}`);
  });
  const p50 = ratio("cached", "healthz", "p50");
  const rps = ratio("cached", "healthz", "rps");
  const targets = [
    {
      name: "cached p50 ≤ 1.3× /healthz p50",
      pass: p50.median <= 1.3,
      measured: `${p50.median.toFixed(2)}× [${p50.min.toFixed(2)}–${p50.max.toFixed(2)}]`,
    },
    {
      name: "cached req/s ≥ 0.75× /healthz req/s",
      pass: rps.median >= 0.75,
      measured: `${rps.median.toFixed(2)}× [${rps.min.toFixed(2)}–${rps.max.toFixed(2)}]`,
    },
    {
      name: "every answer as intended (status, upstream calls)",
      pass: problems.length === 0,
      measured: problems.join("; ") || "yes",
    },
  ];
  console.log(
    `\nCheap paths: ${options.rounds} interleaved rounds; per round ${(options.duration / options.rounds).toFixed(1)} s of latency ` +
      `from 1 connection, then as long of req/s from ${options.connections}; medians across rounds. Cold and KV: ` +
      `one run each, ${options["cold-connections"]} connections. Upstream latency ${options.latency} ms.`,
  );
  console.log("\nTargets (median across rounds of each round's ratio [min–max])");
  for (const t of targets) console.log(`  ${t.pass ? "PASS" : "FAIL"}  ${t.name.padEnd(50)} ${t.measured}`);
  const reported = {
    "304 / cached p50": ratio("304", "cached", "p50").median,
    "edge token / cached p50": ratio("token-edge", "cached", "p50").median,
    "IdP token / cached p50": ratio("token-idp", "cached", "p50").median,
    "cold p50 − upstream latency, ms": median(row("cold"), "p50") - options.latency,
  };
  console.log("\nReported, no target (the in-process bench:cpu judges the token and 304 paths)");
  for (const [name, value] of Object.entries(reported)) console.log(`  ${name.padEnd(34)} ${value.toFixed(2)}`);
  saveResults("e2e", { options, rows, targets, reported });
  return options.strict && targets.some((t) => !t.pass) ? 1 : 0;
}

main()
  .catch((error: unknown) => {
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });
