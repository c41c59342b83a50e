/**
 * `npm run bench:cpu`: what the Worker's own code costs per request, in µs, tier by tier.
 *
 * src/index.ts is bundled as `wrangler deploy` bundles it, together with a bare Hono app (the
 * floor) and a driver (cpu/driver.ts), and run inside Miniflare's workerd, the runtime that
 * ships, with wrangler.toml's compatibility settings. The driver calls the Worker's `fetch` in
 * a loop with bindings that cost nothing (cpu/bindings.ts) and times it by wall clock; Node
 * drives it one step per request. Scenarios (cpu/scenarios.ts) run interleaved for --rounds
 * rounds, each batch sized to ~--batch-ms; cpu/report.ts says what is judged. `--profile ID`
 * samples one scenario with V8's profiler over workerd's inspector instead (unminified bundle);
 * `--baseline FILE` compares what is ours with another build's (cpu/compare.ts). Exits 1 on a
 * missed target unless --no-fail, and on a wrong answer always.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compare } from "./cpu/compare.ts";
import type { Phase, Row } from "./cpu/driver.ts";
import { type Build, bundleWorker, launch, WORKER_NAME } from "./cpu/launch.ts";
import { summarize } from "./cpu/profile.ts";
import { print, report } from "./cpu/report.ts";
import { parse } from "./lib/args.ts";
import { saveResults } from "./lib/results.ts";
import { inspector } from "./lib/workerd.ts";

const USAGE = `npm run bench:cpu -- [options]
  --rounds N           interleaved rounds (default 9)
  --batch-ms N         length of each scenario's batch per round, ms (default 150)
  --only a,b           run only these scenarios (ids as printed)
  --no-fail            exit 0 when a ratio target is missed (a wrong answer still fails)
  --profile ID         V8 CPU profile of scenario ID (e.g. cached) instead of the rounds, unminified
                       bundle; writes bench/results/cpu-ID.cpuprofile
  --profile-seconds N  how long to profile (default 4)
  --entry FILE         Worker entry to bundle (default src/index.ts): price a change on a scratch copy
  --baseline FILE      instead of the report: "ours" in another Worker entry (a copy of main, say)
                       and in --entry, alternating round by round, on --pairs fresh pairs of
                       workerd processes (default 3); scenarios: --only or the routes and bounds`;
const options = parse(
  USAGE,
  {
    rounds: 9,
    "batch-ms": 150,
    only: undefined as string | undefined,
    "no-fail": false,
    profile: undefined as string | undefined,
    "profile-seconds": 4,
    entry: "src/index.ts",
    baseline: undefined as string | undefined,
    pairs: 3,
  },
  process.argv.slice(2),
);
const code = await bundleWorker(options.entry, options.profile === undefined);

async function profile({ ask, mf }: Build, id: string): Promise<number> {
  const { main, cost } = await ask<Record<Phase, number>>(`/setup?only=${encodeURIComponent(id)}`);
  if (main + cost === 0) throw new Error(`--profile ${id}: no such scenario`);
  await ask("/calibrate?batch-ms=100");
  const session = await inspector(new URL(`/core:user:${WORKER_NAME}`, await mf.getInspectorURL()));
  const until = Date.now() + options["profile-seconds"] * 1000;
  const result = await session.profile(async () => {
    while (Date.now() < until) for (const phase of ["main", "cost"] as const) await ask(`/round?phase=${phase}`);
  }, 50);
  const phases = await ask<Record<Phase, Row[]>>("/result");
  const requests = [...phases.main, ...phases.cost].reduce((sum, r) => sum + r.iterations * r.rounds.length, 0);
  mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
  const file = join(import.meta.dirname, "results", `cpu-${id}.cpuprofile`);
  writeFileSync(file, JSON.stringify(result));
  console.log(`Profiled "${id}" inside workerd for ${options["profile-seconds"]} s (unminified bundle); saved ${file}`);
  summarize(result, "bench.mjs", code, requests);
  return 0;
}

async function run(build: Build): Promise<number> {
  console.log(`Setting up and calibrating to ~${options["batch-ms"]} ms per batch inside workerd...`);
  await build.ask(`/setup${options.only ? `?only=${encodeURIComponent(options.only)}` : ""}`);
  await build.ask(`/calibrate?batch-ms=${options["batch-ms"]}`);
  for (const [phase, name] of [
    ["main", "round"],
    ["cost", "verification round"],
  ] as const) {
    for (let round = 1; round <= options.rounds; round++) {
      process.stdout.write(`\r${name} ${round}/${options.rounds}`);
      await build.ask(`/round?phase=${phase}`);
    }
    process.stdout.write("\n");
  }
  const phases = await build.ask<Record<Phase, Row[]>>("/result");
  const result = report(phases);
  print(phases, result);
  console.log(
    `\nWall µs per request inside workerd (minified bundle, bindings free), median over ${options.rounds} rounds; ` +
      "wall time, so other load on the machine counts.",
  );
  saveResults("cpu", { options, phases, ...result });
  // A scenario that answered wrongly measured the wrong thing: that fails even with --no-fail.
  const wrong = !result.valid;
  const missed = result.targets.some((t) => t.pass === false);
  if (missed && !wrong && options["no-fail"]) console.log("A target was missed (--no-fail: exit 0).");
  return wrong || (missed && !options["no-fail"]) ? 1 : 0;
}

if (options.baseline !== undefined) {
  const before = await bundleWorker(options.baseline, true);
  const only = options.only ?? "floor,healthz,bound-hz,cached,bound-cached";
  process.exitCode = await compare({ before, after: code }, { ...options, only });
} else {
  const build = await launch(code, options.profile !== undefined);
  try {
    process.exitCode = await (options.profile === undefined ? run(build) : profile(build, options.profile));
  } finally {
    await build.mf.dispose();
  }
}
