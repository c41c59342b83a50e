import { type CpuSample, cpuPerRequest, type Processes, sampleCpu } from "./cpu-usage.ts";
import type { LoadResult } from "./load.ts";
import type { Options } from "./options.ts";

/** What every scenario gets to work with. */
export interface Context {
  workerUrl: string;
  emulatorUrl: string;
  upstreamToken: string;
  apiKey: string;
  /** A `tokens:issue` key, for the edge-token rows. */
  issuerKey: string;
  /** Bearer tokens for EXAMPLE_CUSTOMER: one issued by the Worker, one by the emulator's identity provider (ES256). */
  edgeToken: string;
  idpToken: string;
  /** Letters and digits, unique per run: customer uuids never collide with older state. */
  runId: string;
  options: Options;
  processes: Processes;
}

/** One table row; `upstreamCalls` is how many requests the emulator received meanwhile. */
export interface ScenarioResult {
  id: string;
  label: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  /** Calls the emulator received during the scenario; null where the scenario is the emulator. */
  upstreamCalls: number | null;
  /** CPU µs per request in each local process, from the saturated phase; null where not measured. */
  cpuPerRequest: CpuSample | null;
  expectedStatus: number;
  /** Answers with another status, or transport errors: the row measured the wrong thing. */
  unexpected: Record<string, number>;
  /** How the row was measured, for the JSON file. */
  phases: Record<string, LoadResult>;
  /** The cheap paths only: each interleaved round's latency probe and load phase. */
  rounds?: RoundResult[];
  /** Answers the Worker marked as cache hits, where a row counts them (prefetch.ts). */
  cacheHits?: number;
  notes: string[];
}

export interface RoundResult {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
}

/** Runs a load and charges the CPU the local processes spent meanwhile to its requests. */
export async function withCpu(
  ctx: Context,
  running: () => Promise<LoadResult>,
): Promise<{ run: LoadResult; cpu: CpuSample }> {
  const before = sampleCpu(ctx.processes);
  const run = await running();
  return { run, cpu: cpuPerRequest(before, sampleCpu(ctx.processes), run.allResponses) };
}

export function row(
  id: string,
  label: string,
  { run, cpu }: { run: LoadResult; cpu: CpuSample | null },
  upstreamCalls: number | null,
  expectedStatus: number,
  notes: string[],
): ScenarioResult {
  const { rps, p50, p95, p99, requests } = run;
  return {
    id,
    label,
    rps,
    p50,
    p95,
    p99,
    requests,
    upstreamCalls,
    cpuPerRequest: cpu,
    expectedStatus,
    unexpected: unexpectedOf([run], expectedStatus),
    phases: { run },
    notes,
  };
}

export function unexpectedOf(runs: LoadResult[], expected: number): Record<string, number> {
  const unexpected: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.statuses)) {
      if (Number(status) !== expected) unexpected[status] = (unexpected[status] ?? 0) + count;
    }
    if (run.errors > 0) unexpected.errors = (unexpected.errors ?? 0) + run.errors;
  }
  return unexpected;
}
