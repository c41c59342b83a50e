import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** Everything a run can be told; the defaults are the documented benchmark. */
export interface Options {
  /** Delay the emulated Frontpayment adds to every answer (ms). */
  upstreamLatencyMs: number;
  /** Connections of the req/s phases and of the direct scenario. */
  connections: number;
  /**
   * Seconds of each measured phase (the 1-connection latency probe and the load phase); the
   * cheap paths split it over `rounds`, the other scenarios run it in one go.
   */
  durationS: number;
  /** Interleaved rounds of the cheap paths (healthz, cached, 304, token-edge, token-idp, healthz, ...). */
  rounds: number;
  /** Seconds of load before each steady scenario is measured (JIT, memory tier, sockets). */
  warmupS: number;
  /** Distinct never-seen customers read once each in the cold scenario. */
  coldCount: number;
  /** Connections of the cold and KV scenarios: few, so that they measure added latency, not queueing. */
  coldConnections: number;
  /** Simultaneous first reads of one never-seen customer. */
  stampedeCount: number;
  /** wrangler.toml to run: another path benchmarks a scratch copy of the project. */
  config: string;
  /** Exit 1 when a target is missed. */
  strict: boolean;
  /** An older results file to print deltas against. */
  compare: string | undefined;
  /** Opens the Worker's DevTools inspector on this port (profiling; it slows the Worker). */
  inspectPort: number | undefined;
  skipBundle: boolean;
  /** Everything is stopped and the run fails after this many seconds. */
  timeoutS: number;
}

const USAGE = `npm run bench -- [options]
  --latency N             upstream latency of the Frontpayment emulator in ms (default 150)
  --connections N         connections for the req/s phases and the direct scenario (default 10)
  --duration N            seconds per measured phase (default 5); the cheap paths split it over the rounds
  --rounds N              interleaved rounds of /healthz, cached, 304 and the two token reads (default 5)
  --warmup N              seconds of warm-up load before each steady scenario (default 2)
  --cold N                distinct customers in the cold scenario (default 100)
  --cold-connections N    connections for the cold and KV scenarios (default 2)
  --stampede N            concurrent first reads in the stampede scenario (default 200)
  --compare FILE          print deltas against an older bench/results/*.json
  --strict                exit 1 when a target is missed
  --config FILE           wrangler config to benchmark (default ./wrangler.toml)
  --inspect PORT          open the Worker's inspector on PORT (for profiling; slows it down)
  --skip-bundle           do not build the bundle to measure its size
  --timeout N             stop everything and fail after N seconds (default 240)`;

export function parseOptions(argv: string[]): Options {
  const text = { type: "string" } as const;
  const flag = { type: "boolean", default: false } as const;
  const { values } = parseArgs({
    args: argv,
    options: {
      latency: text,
      connections: text,
      duration: text,
      rounds: text,
      warmup: text,
      cold: text,
      "cold-connections": text,
      stampede: text,
      compare: text,
      config: text,
      inspect: text,
      timeout: text,
      strict: flag,
      "skip-bundle": flag,
      help: flag,
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    upstreamLatencyMs: integer("latency", values.latency, 150, 0),
    connections: integer("connections", values.connections, 10, 1),
    durationS: integer("duration", values.duration, 5, 1),
    rounds: integer("rounds", values.rounds, 5, 1),
    warmupS: integer("warmup", values.warmup, 2, 0),
    coldCount: integer("cold", values.cold, 100, 1),
    coldConnections: integer("cold-connections", values["cold-connections"], 2, 1),
    stampedeCount: integer("stampede", values.stampede, 200, 2),
    config: resolve(values.config ?? "wrangler.toml"),
    strict: values.strict,
    compare: values.compare,
    inspectPort: values.inspect === undefined ? undefined : integer("inspect", values.inspect, 0, 1),
    skipBundle: values["skip-bundle"],
    timeoutS: integer("timeout", values.timeout, 240, 10),
  };
}

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`--${name} must be an integer ≥ ${min}, got "${value}"\n\n${USAGE}`);
  }
  return parsed;
}
