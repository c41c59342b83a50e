/**
 * `npm run bench:cpu`: what the Worker's own code costs per request, in µs, tier by tier.
 *
 * Method
 * - src/index.ts is bundled as `wrangler deploy` bundles it (esbuild, minified) and its
 *   default export's `fetch` is called in a loop with bindings that cost nothing: memory KV,
 *   an always-allow rate limiter, an upstream that answers at once, and a fake
 *   ExecutionContext whose waitUntil work is awaited after each request.
 * - Where: inside Miniflare's workerd by default (workerd.ts, workerd-driver.ts), the runtime
 *   that ships: the handler runs on workerd's own C++ Request/Response/Headers, timed by wall
 *   clock across a 0 ms timer, after a busy-loop clock check against Node. `--runtime node`
 *   runs the same suite in this process and reads its CPU time (process.cpuUsage), which a
 *   busy machine stretches less. `--profile` runs in either (V8's profiler, through Node's
 *   inspector or workerd's). Both are V8 running the
 *   same bundle; what differs is the Request/Response/Headers underneath (undici in Node), so
 *   the report prints which runtime it measured and docs/performance.md has both.
 * - The floor is a bare Hono app bundled the same way; the bounds replay the Worker's own
 *   answers from it. Scenarios run interleaved (floor, healthz, cached, ... then again) for
 *   --rounds rounds, each batch sized to ~--batch-ms; a target is judged on the median across
 *   rounds of the per-round ratio, so a slow moment of the machine hits both sides alike.
 * - The access log's line is built (JSON.stringify) but not written: log shipping is the
 *   runtime's cost, not the isolate's.
 * Results go to bench/results/cpu-<time>.json and cpu-latest.json. Exits 1 on a missed
 * target unless --no-fail.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "node:util";
import { type HeaderBytes, printHeaderBytes } from "./cpu/header-bytes.ts";
import { calibrate, runBatch } from "./cpu/measure.ts";
import { nodeRunner, nodeSuite } from "./cpu/node-runner.ts";
import { type CpuOptions, parseCpuOptions } from "./cpu/options.ts";
import { type CpuProfile, nodeInspector, profile, summarize } from "./cpu/profile.ts";
import {
  bounds,
  evaluate,
  printBounds,
  printCosts,
  printScenarios,
  printTargets,
  verificationCosts,
} from "./cpu/report.ts";
import type { Runner } from "./cpu/runner.ts";
import { busyLoop, type Phase } from "./cpu/suite.ts";
import { workerdRunner } from "./cpu/workerd.ts";
import { machineInfo } from "./lib/machine.ts";

const RESULTS_DIR = join(import.meta.dirname, "results");
const print = (...args: unknown[]) => process.stdout.write(`${format(...args)}\n`);
/** The clock check's busy loop: ~150 ms on this machine. */
const BUSY_STEPS = 30_000_000;

async function main(): Promise<number> {
  const options = parseCpuOptions(process.argv.slice(2));
  if (options.profile) return profileScenario(options, options.profile);
  const machine = machineInfo();
  const runner =
    options.runtime === "workerd"
      ? await workerdRunner(options.entry, true, options.keepNames)
      : await nodeRunner(options.entry, options.keepNames);
  try {
    const clockCheck = options.runtime === "workerd" ? await checkClock(runner) : undefined;
    const cachedHeaders = await runner.setup(options.only);
    print(`Calibrating to ~${options.batchMs} ms per batch (${runner.runtime})...`);
    await runner.calibrate(options.batchMs);
    await runRounds("main", "round");
    await runRounds("cost", "verification round");
    const { rows, costRows } = await runner.result();
    const targets = evaluate(rows);
    const costs = verificationCosts(costRows);
    const routeBounds = bounds(rows);

    const where = runner.runtime === "workerd" ? "workerd (Miniflare)" : `Node ${process.version}`;
    const unit = runner.runtime === "workerd" ? "wall µs" : "CPU µs";
    print(
      `\ncustomer-edge bench:cpu · ${machine.cpuModel} × ${machine.cores} · ${where} · ` +
        `${machine.git.commit?.slice(0, 8) ?? "no git"}${machine.git.dirty ? "+dirty" : ""} · ${options.rounds} rounds`,
    );
    printScenarios(rows, print, `${unit}/req`);
    print(
      runner.runtime === "workerd"
        ? "\nWall µs per request inside workerd: the Worker's own fetch handler (minified bundle) on workerd's\n" +
            "Request/Response/Headers, bindings free, median over rounds. Timed by Date.now() across a 0 ms timer\n" +
            "before and after each batch (ms resolution, ≤ 1% of a batch); wall time, so other load on the machine counts."
        : "\nCPU µs per request (this process's CPU time, so other load on the machine counts little): the Worker's own\n" +
            "fetch handler (minified bundle) in Node, bindings free, median over rounds; wall µs for comparison.\n" +
            "Node's Request/Response/Headers are JavaScript (undici), workerd's C++: the default runtime measures there.\n" +
            "On Cloudflare the runtime adds its own per-request work on top.",
    );
    if (clockCheck) print(clockCheck);
    printTargets(targets, print);
    printBounds(routeBounds, print, unit);
    printCosts(costs, print, unit);
    printHeaderBytes("Cached 200 without Origin", cachedHeaders, print);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const text = `${JSON.stringify({ schema: "cpu-1", machine, options, scenarios: rows, costPhase: costRows, targets, bounds: routeBounds, costs, cachedHeaders }, null, 2)}\n`;
    const file = join(RESULTS_DIR, `cpu-${options.runtime}-${machine.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, text);
    writeFileSync(join(RESULTS_DIR, "cpu-latest.json"), text);
    print(`\nSaved ${file} and bench/results/cpu-latest.json`);
    const failed = targets.some((t) => t.pass === false);
    if (failed && options.noFail) print("A target was missed (--no-fail: exit 0).");
    return failed && !options.noFail ? 1 : 0;
  } finally {
    await runner.close();
  }

  async function runRounds(phase: Phase, name: string): Promise<void> {
    if (!runner.has(phase)) return;
    for (let round = 1; round <= options.rounds; round++) {
      process.stdout.write(`\r${name} ${round}/${options.rounds}`);
      await runner.round(phase);
    }
    process.stdout.write("\n");
  }
}

/**
 * Times the same busy loop in Node and in the runtime: if the runtime's clock does not move
 * during CPU work (or is coarse beyond use) the numbers would be fiction, so the run stops.
 */
async function checkClock(runner: Runner): Promise<string> {
  const node = (): number => {
    const started = performance.now();
    busyLoop(BUSY_STEPS);
    return performance.now() - started;
  };
  node(); // both sides JIT the loop once first
  await runner.busyMs(BUSY_STEPS);
  const nodeMs = node();
  const runtimeMs = await runner.busyMs(BUSY_STEPS);
  const line =
    `Clock check: a busy loop of ${BUSY_STEPS / 1e6} M steps takes ${nodeMs.toFixed(1)} ms by Node's clock and ` +
    `${runtimeMs.toFixed(1)} ms by ${runner.runtime}'s (ratio ${(runtimeMs / nodeMs).toFixed(2)}).`;
  if (!(runtimeMs > nodeMs / 1.5 && runtimeMs < nodeMs * 1.5)) {
    throw new Error(`${line} The runtime's clock does not time CPU work; use --runtime node.`);
  }
  return line;
}

/** --profile: V8's CPU profile of one scenario in the chosen runtime (unminified bundle). */
async function profileScenario(options: CpuOptions, id: string): Promise<number> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `cpu-${options.runtime}-${id}.cpuprofile`);
  const deadline = () => Date.now() + options.profileSeconds * 1000;
  let summary: { bundleUrl: string; code: string; cachedHeaders: HeaderBytes; result: CpuProfile; requests: number };
  if (options.runtime === "node") {
    const { suite, worker, floor } = await nodeSuite(options.entry, false, options.keepNames);
    const cachedHeaders = await suite.setup([id]);
    const target = suite.prepared.get(id);
    if (!target) throw new Error(`--profile ${id}: no such scenario, or it was skipped`);
    const { upstreamCalls } = suite.h;
    const n = await calibrate(target, 100, upstreamCalls, suite.clock);
    const until = deadline();
    let requests = 0;
    const result = await profile(
      nodeInspector(),
      async () => {
        while (Date.now() < until) requests += (await runBatch(target, n, upstreamCalls, suite.clock)).n;
      },
      file,
    );
    const bundle = id === "floor" ? floor : worker;
    summary = { bundleUrl: bundle.url, code: bundle.code, cachedHeaders, result, requests };
  } else {
    // One bundle holds the Worker, the floor app and the driver; only `id` is set up, so each
    // round runs it alone.
    const runner = await workerdRunner(options.entry, false, options.keepNames, true);
    try {
      const cachedHeaders = await runner.setup([id]);
      await runner.calibrate(100);
      if (!runner.has("main")) throw new Error(`--profile ${id}: no such scenario, or it was skipped`);
      const until = deadline();
      const result = await profile(
        await runner.inspector(),
        async () => {
          while (Date.now() < until) await runner.round("main");
        },
        file,
      );
      const row = (await runner.result()).rows.find((r) => r.id === id);
      const requests = (row?.iterations ?? 0) * (row?.rounds?.length ?? 0);
      summary = { bundleUrl: "bench.mjs", code: runner.code, cachedHeaders, result, requests };
    } finally {
      await runner.close();
    }
  }
  print(`Profiled "${id}" in ${options.runtime} for ${options.profileSeconds} s (unminified bundle); saved ${file}`);
  summarize(summary.result, summary.bundleUrl, summary.code, summary.requests, print);
  printHeaderBytes("Cached 200 without Origin", summary.cachedHeaders, print);
  return 0;
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
