import { resolve } from "node:path";
import { parseArgs } from "node:util";

export interface CpuOptions {
  rounds: number;
  /** Each scenario's batch is sized to take about this long. */
  batchMs: number;
  /** Scenario ids to run (default all). */
  only: string[] | undefined;
  /** Report a missed target without failing. */
  noFail: boolean;
  /** Profile this scenario instead of running the rounds (unminified bundle). */
  profile: string | undefined;
  profileSeconds: number;
  /** The Worker entry to bundle: another path measures a scratch copy with a change tried out. */
  entry: string;
  /** esbuild keepNames: off, as wrangler.toml's `keep_names = false`; on shows what that saves. */
  keepNames: boolean;
  /** Where the handler runs and is timed: workerd (the runtime that ships; wall time, see workerd-driver.ts) or Node (CPU time). */
  runtime: "node" | "workerd";
}

const USAGE = `npm run bench:cpu -- [options]
  --rounds N          interleaved rounds (default 9)
  --batch-ms N        target length of each scenario's batch per round, ms (default 150)
  --only a,b          run only these scenarios (ids as printed)
  --no-fail           exit 0 even when a target is missed
  --profile ID        CPU-profile scenario ID (e.g. cached) with V8's profiler instead of timing the
                      rounds, in the --runtime chosen; the bundle is left unminified so that names
                      read; writes bench/results/cpu-<runtime>-<ID>.cpuprofile
  --profile-seconds N how long to profile (default 4)
  --entry FILE        Worker entry to bundle (default src/index.ts): try a change out on a scratch copy
  --runtime R         workerd (default: Miniflare's workerd, the runtime that ships; wall time
                      across a 0 ms timer) or node (this process, CPU time, a narrower spread);
                      same scenarios and targets
  --keep-names        bundle with esbuild's keep-names, as wrangler does unless wrangler.toml says
                      keep_names = false (this project does): shows what that setting saves`;

export function parseCpuOptions(argv: string[]): CpuOptions {
  const text = { type: "string" } as const;
  const flag = { type: "boolean", default: false } as const;
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: text,
      "batch-ms": text,
      only: text,
      "no-fail": flag,
      profile: text,
      "profile-seconds": text,
      entry: text,
      "keep-names": flag,
      runtime: text,
      help: flag,
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    rounds: integer("rounds", values.rounds, 9, 1),
    batchMs: integer("batch-ms", values["batch-ms"], 150, 1),
    only: values.only?.split(",").map((id) => id.trim()),
    noFail: values["no-fail"],
    profile: values.profile,
    profileSeconds: integer("profile-seconds", values["profile-seconds"], 4, 1),
    entry: resolve(values.entry ?? "src/index.ts"),
    keepNames: values["keep-names"],
    runtime: runtime(values.runtime),
  };
}

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`--${name} must be an integer ≥ ${min}, got "${value}"\n\n${USAGE}`);
  }
  return parsed;
}

function runtime(value: string | undefined): CpuOptions["runtime"] {
  if (value === undefined || value === "node" || value === "workerd") return value ?? "workerd";
  throw new Error(`--runtime must be node or workerd, got "${value}"\n\n${USAGE}`);
}
