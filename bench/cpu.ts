/**
 * `npm run bench:cpu`: what the Worker's own code costs per request, in µs, tier by tier.
 *
 * Method
 * - src/index.ts is bundled as `wrangler deploy` bundles it (esbuild, minified) and its
 *   default export's `fetch` is called in a loop in this Node process, with bindings that
 *   cost nothing: memory KV, an always-allow rate limiter, an upstream that answers at once,
 *   and a fake ExecutionContext whose waitUntil work is awaited after each request.
 * - Why Node and not workerd: workerd freezes Date.now() and performance.now() while code
 *   runs (a Spectre mitigation), so microseconds cannot be timed inside it. Both run V8 and
 *   the same bundle, so the numbers transfer; Node's Request/Response/Headers (undici, in JS)
 *   are slower than workerd's (C++), which makes header-heavy paths look a little dearer here.
 * - Time is this process's CPU time per request (process.cpuUsage), not wall time: a busy
 *   machine stretches wall time by whole scheduler slices. Wall time is reported beside it.
 * - The floor is a bare Hono app bundled the same way. Scenarios run interleaved (floor,
 *   healthz, cached, ... then again) for --rounds rounds, each batch sized to ~--batch-ms; a
 *   target is judged on the median across rounds of the per-round ratio, so a slow moment of
 *   the machine hits both sides of a ratio alike.
 * - The access log's line is built (JSON.stringify) but not written: log shipping is the
 *   runtime's cost, not the isolate's.
 * Results go to bench/results/cpu-<time>.json and cpu-latest.json. Exits 1 on a missed
 * target unless --no-fail.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "node:util";
import { AdminClient } from "../scripts/lib/admin-client.ts";
import { benchBindings, installInstantUpstream, polyfillTimingSafeEqual, WORKER_ORIGIN } from "./cpu/bindings.ts";
import { importBundle } from "./cpu/bundle.ts";
import { call, EXAMPLE_CUSTOMER, get, type Harness, type Prepared } from "./cpu/harness.ts";
import { headerBytes, printHeaderBytes } from "./cpu/header-bytes.ts";
import { calibrate, runBatch, spread } from "./cpu/measure.ts";
import { parseCpuOptions } from "./cpu/options.ts";
import { profile, summarize } from "./cpu/profile.ts";
import {
  COSTS,
  evaluate,
  printCosts,
  printScenarios,
  printTargets,
  type ScenarioRow,
  verificationCosts,
} from "./cpu/report.ts";
import { SCENARIOS } from "./cpu/scenarios.ts";
import { synchronousWebCrypto } from "./cpu/sync-crypto.ts";
import { machineInfo } from "./lib/machine.ts";

const RESULTS_DIR = join(import.meta.dirname, "results");
const print = (...args: unknown[]) => process.stdout.write(`${format(...args)}\n`);

async function main(): Promise<number> {
  const options = parseCpuOptions(process.argv.slice(2));
  const machine = machineInfo();
  polyfillTimingSafeEqual();
  synchronousWebCrypto();
  console.log = () => {}; // the Worker's access log: built, not written (see the header)

  const minify = options.profile === undefined;
  const worker = await importBundle(options.entry, minify, options.keepNames);
  const floor = await importBundle(join(import.meta.dirname, "cpu/floor-app.ts"), minify, options.keepNames);
  const bindings = benchBindings();
  const jwks: Harness["jwks"] = { keys: [] };
  const { upstreamCalls } = installInstantUpstream(worker.handler, bindings, () => jwks);
  const admin = new AdminClient(WORKER_ORIGIN, bindings.adminToken);
  const apiKey = (await admin.createKey({ name: "bench", scopes: ["customers:read"] })).key;
  const h: Harness = {
    worker: worker.handler,
    floor: floor.handler,
    bindings,
    admin,
    apiKey,
    jwks,
    upstreamCalls,
    runId: Date.now().toString(36) + randomBytes(3).toString("hex"),
  };

  // A verification cost needs its baseline: --only verify-edge brings token-edge along.
  const only = options.only && [
    ...options.only,
    ...COSTS.filter((c) => options.only!.includes(c.id)).map((c) => c.baseline),
  ];
  const wanted = SCENARIOS.filter((s) => !only || only.includes(s.id));
  const prepared = new Map<string, Prepared>();
  const rows: ScenarioRow[] = [];
  for (const scenario of wanted) {
    const ready = await scenario.setup(h);
    if (typeof ready === "string") rows.push({ id: scenario.id, label: scenario.label, skipped: ready });
    else {
      prepared.set(scenario.id, ready);
      rows.push({ id: scenario.id, label: scenario.label, rounds: [], wallRounds: [], problems: [] });
    }
  }
  const cached = await call(h.worker, bindings.env, get(`/v1/customers/${EXAMPLE_CUSTOMER}`, { "X-API-Key": apiKey }));
  const cachedHeaders = headerBytes(cached);

  if (options.profile) {
    const target = prepared.get(options.profile);
    if (!target) throw new Error(`--profile ${options.profile}: no such scenario, or it was skipped`);
    const n = await calibrate(target, 100, upstreamCalls);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `cpu-${options.profile}.cpuprofile`);
    const deadline = Date.now() + options.profileSeconds * 1000;
    let requests = 0;
    const result = await profile(async () => {
      while (Date.now() < deadline) requests += (await runBatch(target, n, upstreamCalls)).n;
    }, file);
    print(`Profiled ${requests} requests of "${options.profile}" (unminified bundle); saved ${file}`);
    summarize(
      result,
      options.profile === "floor" ? floor.url : worker.url,
      options.profile === "floor" ? floor.code : worker.code,
      print,
    );
    printHeaderBytes("Cached 200 without Origin", cachedHeaders, print);
    return 0;
  }

  print(`Calibrating ${prepared.size} scenarios to ~${options.batchMs} ms per batch...`);
  const iterations = new Map<string, number>();
  for (const [id, p] of prepared) iterations.set(id, await calibrate(p, options.batchMs, upstreamCalls));
  // Never-seen-token scenarios run in a phase of their own, after the others: each of their
  // requests leaves a token, a Request and a verdict behind, and the collections that follow
  // would be charged to whichever scenario runs next, the ones the targets compare included.
  const costIds = new Set(COSTS.map((c) => c.id));
  const costRows: ScenarioRow[] = [];
  for (const cost of COSTS) {
    const row = rows.find((r) => r.id === cost.id && r.rounds);
    const baseline = rows.find((r) => r.id === cost.baseline && r.rounds);
    if (!row || !baseline) continue;
    if (!costRows.some((r) => r.id === baseline.id))
      costRows.push({ ...baseline, rounds: [], wallRounds: [], problems: [] });
    costRows.push(row);
  }
  await runRounds(
    rows.filter((r) => !costIds.has(r.id)),
    "round",
  );
  if (costRows.length > 0) await runRounds(costRows, "verification round");
  for (const row of [...rows, ...costRows]) {
    if (!row.rounds) continue;
    row.iterations = iterations.get(row.id);
    row.us = spread(row.rounds);
    row.problems = [...new Set(row.problems)];
  }

  async function runRounds(phase: ScenarioRow[], name: string): Promise<void> {
    for (let round = 1; round <= options.rounds; round++) {
      process.stdout.write(`\r${name} ${round}/${options.rounds}`);
      for (const row of phase) {
        const p = prepared.get(row.id);
        if (!p) continue;
        const batch = await runBatch(p, iterations.get(row.id)!, upstreamCalls);
        row.rounds!.push(batch.us);
        row.wallRounds!.push(batch.wallUs);
        row.problems!.push(...batch.problems);
      }
    }
    process.stdout.write("\n");
  }
  const targets = evaluate(rows);
  const costs = verificationCosts(costRows);

  print(
    `\ncustomer-edge bench:cpu · ${machine.cpuModel} × ${machine.cores} · Node ${process.version} · ` +
      `${machine.git.commit?.slice(0, 8) ?? "no git"}${machine.git.dirty ? "+dirty" : ""} · ${options.rounds} rounds`,
  );
  printScenarios(rows, print);
  print(
    "\nCPU µs per request (this process's CPU time, so other load on the machine counts little): the Worker's own\n" +
      "fetch handler (minified bundle) in Node, bindings free, median over rounds; wall µs for comparison.\n" +
      "Node, because workerd freezes Date.now()/performance.now() during CPU work (a Spectre mitigation);\n" +
      "both are V8 running the same bundle. On Cloudflare the runtime adds its own per-request work on top.",
  );
  printTargets(targets, print);
  printCosts(costs, print);
  printHeaderBytes("Cached 200 without Origin", cachedHeaders, print);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify({ schema: "cpu-1", machine, options, scenarios: rows, costPhase: costRows, targets, costs, cachedHeaders }, null, 2)}\n`;
  const file = join(RESULTS_DIR, `cpu-${machine.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, text);
  writeFileSync(join(RESULTS_DIR, "cpu-latest.json"), text);
  print(`\nSaved ${file} and bench/results/cpu-latest.json`);
  const failed = targets.some((t) => t.pass === false);
  if (failed && options.noFail) print("A target was missed (--no-fail: exit 0).");
  return failed && !options.noFail ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `\nbench:cpu failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
