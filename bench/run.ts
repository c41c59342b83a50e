/**
 * `npm run bench`: how fast customer-edge answers, tier by tier, in one run on one machine.
 *
 * Method
 * - The Frontpayment emulator (test/support/frontpayment-emulator.ts) runs in this process
 *   with a realistic latency (150 ms, --latency). The Worker runs in a child process the way
 *   `wrangler dev` runs it (bench/worker-host.ts explains the few differences), with its own
 *   empty local KV. An API key is created through POST /admin/keys like an operator would.
 * - autocannon drives each scenario; every response time is kept and percentiles computed
 *   exactly (bench/lib/load.ts). Cheap paths (/healthz, cached read, 304) are warmed up, then
 *   measured twice: latency with one connection (service time, no queueing) and req/s with
 *   --connections (saturation). Upstream-bound scenarios are measured once.
 * - Customer tokens: the Worker gets TOKEN_SIGNING_SECRET and trusts the emulator's development
 *   identity provider (CUSTOMER_JWT_*), as under `npm run dev`. A `tokens:issue` key issues an
 *   edge token through POST /v1/customer-tokens and the emulator mints an ES256 token; both
 *   read the example customer through GET /v1/me in the same interleaved rounds as the
 *   API-key read, and prefetching issues are timed against plain ones (bench/lib/prefetch.ts).
 * - Upstream calls are counted by the emulator, so "cold = one call per read" and "stampede =
 *   one call" are measured, not assumed. The bundle is what `wrangler deploy --dry-run` emits.
 * - Results and the machine they came from go to bench/results/<time>.json and latest.json;
 *   --compare prints deltas against an older file. Targets are reported PASS/FAIL; only
 *   --strict turns a miss into exit code 1.
 *
 * Local numbers are not Cloudflare numbers: workerd here runs on a shared laptop-class CPU
 * with two workerd processes (wrangler's proxy and the Worker) and local KV on disk. They
 * are for comparing tiers with each other and commits with each other, on the same machine.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../test/support/frontpayment-emulator.ts";
import { measureBundle } from "./lib/bundle.ts";
import { cleanupAll, installExitHandlers, isAborting, onCleanup } from "./lib/cleanup.ts";
import { printComparison } from "./lib/compare.ts";
import { findProcesses } from "./lib/cpu-usage.ts";
import { finishMachineInfo, machineInfo } from "./lib/machine.ts";
import { type Options, parseOptions } from "./lib/options.ts";
import { computeRatios, evaluateTargets, printRatios, printTable, printTargets, type Results } from "./lib/report.ts";
import { EXAMPLE_CUSTOMER, runScenarios } from "./lib/scenarios.ts";
import { createApiKey, issueEdgeToken, mintIdpToken, startWorker } from "./lib/worker.ts";

const RESULTS_DIR = join(import.meta.dirname, "results");
const started = Date.now();

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  installExitHandlers(options.timeoutS);
  const previous = options.compare ? readResults(options.compare) : undefined; // a bad path fails now, not after the run
  const machine = machineInfo();
  const workDir = mkdtempSync(join(tmpdir(), "customer-edge-bench-"));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));

  const bundle = options.skipBundle
    ? null
    : await step("bundle (wrangler deploy --dry-run)", () =>
        measureBundle(options.config, join(workDir, "out"), join(workDir, "bundle.log")),
      );

  const upstreamToken = randomBytes(24).toString("base64url");
  const emulator = await startEmulator({ port: 0, token: upstreamToken, latencyMs: options.upstreamLatencyMs });
  onCleanup(() => emulator.close());
  const worker = await step("Worker (wrangler dev, local)", async () =>
    startWorker({
      config: options.config,
      port: await freePort(),
      workDir,
      upstreamUrl: emulator.url,
      upstreamToken,
      inspectPort: options.inspectPort,
    }),
  );
  if (options.inspectPort) console.log(`  inspector: chrome://inspect → 127.0.0.1:${options.inspectPort}`);
  const apiKey = await createApiKey(worker);
  const issuerKey = await createApiKey(worker, ["tokens:issue"]);
  const edgeToken = await issueEdgeToken(worker.url, issuerKey, EXAMPLE_CUSTOMER);
  const idpToken = await mintIdpToken(emulator.url, EXAMPLE_CUSTOMER);

  const scenarios = await runScenarios(
    {
      workerUrl: worker.url,
      emulatorUrl: emulator.url,
      upstreamToken,
      apiKey,
      issuerKey,
      edgeToken,
      idpToken,
      runId: Date.now().toString(36) + randomBytes(3).toString("hex"),
      options,
      processes: findProcesses(worker.hostPid, Number(new URL(worker.url).port)),
    },
    (id) => console.log(`${elapsed()} ${id}`),
  );
  finishMachineInfo(machine);

  const { compare, ...recorded } = options;
  const results: Results = {
    schema: 1,
    machine,
    options: recorded,
    scenarios,
    ratios: computeRatios(scenarios, options),
    targets: evaluateTargets(scenarios, options, bundle),
    bundle,
  };
  const file = save(results);
  report(results, options, previous);
  console.log(`\nSaved ${file} and bench/results/latest.json (${elapsed()} in all)`);
  const missed = results.targets.filter((t) => !t.pass).length;
  return options.strict && missed > 0 ? 1 : 0;
}

function report(results: Results, options: Options, previous: Results | undefined): void {
  const { machine } = results;
  console.log(
    `\ncustomer-edge bench · ${machine.cpuModel} × ${machine.cores} · Node ${machine.node} · wrangler ${machine.wrangler}` +
      ` · ${machine.git.commit?.slice(0, 8) ?? "no git"}${machine.git.dirty ? "+dirty" : ""} · load avg ${machine.loadAverage.start.toFixed(2)}→${machine.loadAverage.end?.toFixed(2)}`,
  );
  printTable(results.scenarios, options);
  printRatios(results.ratios, results.bundle, options);
  printTargets(results.targets);
  if (previous && options.compare) printComparison(results, previous, options.compare);
}

function readResults(file: string): Results {
  const results = JSON.parse(readFileSync(file, "utf8")) as Results;
  if (results.schema !== 1) throw new Error(`${file} is not a results file of this benchmark`);
  return results;
}

function save(results: Results): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const file = join(RESULTS_DIR, `${results.machine.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, text);
  writeFileSync(join(RESULTS_DIR, "latest.json"), text);
  return file;
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  console.log(`${elapsed()} ${name}`);
  return run();
}

function elapsed(): string {
  return `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`;
}

/** A port nobody listens on right now (the OS picks; never wrangler's 8787/8788 defaults). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    if (isAborting()) return; // the signal handler reports, cleans up and exits
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanupAll();
    process.exit(1);
  });
