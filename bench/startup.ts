/**
 * `npm run bench:startup`: what a fresh isolate pays before its first answer, ours against the
 * bare Hono app's. For each sample a new workerd (Miniflare, wrangler.toml's compatibility
 * settings) loads a small driver; with V8's profiler running, the driver imports the app's
 * bundle for the first time (module-scope work: what `wrangler check startup` profiles) and
 * hands it its first request (first-request work: building the router, parsing the config).
 * The figure is the profile's active time (samples that are not idle; GC included), the same
 * summary `wrangler check startup` prints. Samples interleave the apps, round by round; the
 * ratio is judged per round against the floor measured in that round.
 */
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { summarize } from "./cpu/profile.ts";
import { parse } from "./lib/args.ts";
import { printTable, type Spread, saveResults, spread } from "./lib/results.ts";
import { bundle, type CpuProfile, compatibility, inspector } from "./lib/workerd.ts";

const options = parse(
  "npm run bench:startup -- [--rounds N] [--interval-us N] [--profile PATH]\n" +
    "  --profile PATH  one fresh isolate of ours, first request PATH (e.g. /healthz): where its time goes",
  { rounds: 15, "interval-us": 50, profile: undefined as string | undefined },
  process.argv.slice(2),
);

const SCENARIOS = [
  { id: "floor", label: "bare Hono app: startup + GET /", app: "floor", path: "/", status: 200 },
  { id: "healthz", label: "customer-edge: startup + GET /healthz", app: "worker", path: "/healthz", status: 200 },
  { id: "v1", label: "customer-edge: startup + GET /v1/me, no credential", app: "worker", path: "/v1/me", status: 401 },
] as const;

const here = (file: string) => JSON.stringify(join(import.meta.dirname, file));
const apps = {
  worker: await bundle(`export { default } from ${here("../src/index.ts")};`, options.profile === undefined),
  floor: await bundle(`export { default } from ${here("cpu/floor-app.ts")};`, true),
};
const driver = await bundle(`export { default } from ${here("startup/driver.ts")};`, true);

/** One fresh workerd: the profile of the app's first import and first request. */
async function sample(app: string, path: string, expected: number): Promise<CpuProfile> {
  const mf = new Miniflare({
    inspectorPort: 0,
    workers: [
      {
        config: {
          name: "startup",
          ...compatibility(),
          manifest: {
            mainModule: "driver.mjs",
            modules: { "driver.mjs": { type: "esm", contents: driver }, "app.mjs": { type: "esm", contents: app } },
          },
        },
      },
    ],
  });
  try {
    await (await mf.dispatchFetch("http://bench/?prepare")).arrayBuffer();
    const session = await inspector(new URL("/core:user:startup", await mf.getInspectorURL()));
    let status = 0;
    const profile = await session.profile(async () => {
      const answer = await mf.dispatchFetch(`http://bench/?path=${encodeURIComponent(path)}`);
      status = ((await answer.json()) as { status: number }).status;
    }, options["interval-us"]);
    if (status !== expected) throw new Error(`first request to ${path} answered ${status}, expected ${expected}`);
    return profile;
  } finally {
    await mf.dispose();
  }
}

/** Sampled time that is not "(idle)", in ms: what `wrangler check startup` calls active. */
function activeMs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let us = 0;
  profile.samples.forEach((node, i) => {
    if (!idle.has(node)) us += profile.timeDeltas[i] ?? 0;
  });
  return us / 1000;
}

if (options.profile !== undefined) {
  const path = options.profile;
  summarize(await sample(apps.worker, path, path.startsWith("/v1") ? 401 : 200), "app.mjs", apps.worker, 1);
  process.exit(0);
}

const rounds = new Map<string, number[]>(SCENARIOS.map((s) => [s.id, []]));
for (let round = 1; round <= options.rounds; round++) {
  process.stdout.write(`\rround ${round}/${options.rounds}`);
  // A different order each round, so no app always follows the same one.
  const order = SCENARIOS.map((s, i) => ({ s, key: (i + round) % SCENARIOS.length })).sort((a, b) => a.key - b.key);
  for (const { s } of order) rounds.get(s.id)!.push(activeMs(await sample(apps[s.app], s.path, s.status)));
}
process.stdout.write("\n");

const floor = rounds.get("floor")!;
const rows = SCENARIOS.map((s) => {
  const ms = spread(rounds.get(s.id)!);
  const over: Spread | null = s.id === "floor" ? null : spread(rounds.get(s.id)!.map((v, i) => v / floor[i]!));
  const extra: Spread | null = s.id === "floor" ? null : spread(rounds.get(s.id)!.map((v, i) => v - floor[i]!));
  return { id: s.id, label: s.label, ms, over, extra };
});
printTable(
  ["scenario", "active ms", "IQR", "× floor", "+ ms over floor"],
  rows.map((r) => [
    r.label,
    r.ms.median.toFixed(2),
    `${r.ms.q1.toFixed(2)}–${r.ms.q3.toFixed(2)}`,
    r.over ? `${r.over.median.toFixed(2)}×` : "-",
    r.extra ? `+${r.extra.median.toFixed(2)}` : "-",
  ]),
);
console.log(
  `\nActive CPU ms per fresh isolate (V8 profile, ${options["interval-us"]} µs sampling, GC included; the profiler slows ` +
    `everything alike), median of ${options.rounds} isolates per app; × and + are per round against that round's floor.`,
);
saveResults("startup", { options, rows, rounds: Object.fromEntries(rounds) });
