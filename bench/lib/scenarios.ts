import type { CpuSample } from "./cpu-usage.ts";
import { upstreamStats } from "./emulator-control.ts";
import { type LoadResult, load } from "./load.ts";
import { coldCustomers, coldReads, kvReads, stampede } from "./misses.ts";
import { prefetchReads } from "./prefetch.ts";
import { median } from "./report.ts";
import { type Context, type RoundResult, row, type ScenarioResult, unexpectedOf, withCpu } from "./scenario.ts";

export const EXAMPLE_CUSTOMER = "CSRT1511414842";

/**
 * All scenarios, in this order, against one Worker and one emulator: the cheap paths (here, in
 * interleaved rounds: /healthz, the API-key cached read, 304, and the cached read through
 * GET /v1/me with each kind of customer token), the misses (misses.ts), first reads after a
 * prefetching token issue (prefetch.ts), Frontpayment directly, and KV reads once the memory
 * tier expired.
 */
export async function runScenarios(ctx: Context, progress: (id: string) => void): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const add = async (id: string, scenario: () => Promise<ScenarioResult>) => {
    progress(id);
    results.push(await scenario());
  };
  const keyHeaders = { "X-API-Key": ctx.apiKey };
  const customerPath = `/v1/customers/${EXAMPLE_CUSTOMER}`;

  const edgeHeaders = { Authorization: `Bearer ${ctx.edgeToken}` };
  const idpHeaders = { Authorization: `Bearer ${ctx.idpToken}` };

  progress(`healthz, cached, revalidate, token-edge, token-idp: ${ctx.options.rounds} interleaved rounds`);
  const etag = await warmCustomer(ctx, customerPath, keyHeaders);
  await warmCustomer(ctx, "/v1/me", edgeHeaders);
  await warmCustomer(ctx, "/v1/me", idpHeaders);
  results.push(
    ...(await steadyInRounds(ctx, [
      { id: "healthz", label: "/healthz (floor)", path: "/healthz", headers: {}, expectedStatus: 200 },
      { id: "cached", label: "cached read (fresh hit)", path: customerPath, headers: keyHeaders, expectedStatus: 200 },
      {
        id: "revalidate",
        label: "revalidate, If-None-Match (304)",
        path: customerPath,
        headers: { ...keyHeaders, "If-None-Match": etag },
        expectedStatus: 304,
      },
      {
        id: "token-edge",
        label: "cached read, /v1/me, edge token",
        path: "/v1/me",
        headers: edgeHeaders,
        expectedStatus: 200,
      },
      {
        id: "token-idp",
        label: "cached read, /v1/me, ES256 IdP token",
        path: "/v1/me",
        headers: idpHeaders,
        expectedStatus: 200,
      },
    ])),
  );
  const cold = await coldCustomers(ctx);
  await add("cold", () => coldReads(ctx, cold, keyHeaders));
  await add("stampede", () => stampede(ctx, keyHeaders));
  progress("prefetch, cold-token");
  results.push(...(await prefetchReads(ctx)));
  await add("direct", () => direct(ctx));
  await add("kv", () => kvReads(ctx, cold, keyHeaders));
  return results;
}

interface SteadySpec {
  id: string;
  label: string;
  path: string;
  headers: Record<string, string>;
  expectedStatus: number;
}

/**
 * The cheap paths, measured in interleaved rounds after one warm-up each: every round runs
 * each path's latency probe (ONE connection: service time, no queueing), then each path's
 * load phase (`connections`: saturation, and the CPU it costs), `durationS / rounds` seconds
 * apiece. A slow stretch of a shared machine then hits every path of a round alike, and the
 * targets compare paths round by round (report.ts). With many connections a closed-loop
 * client's latency is mostly queueing (p50 ≈ connections / req/s), which would only restate
 * the throughput; hence the separate 1-connection probe.
 */
async function steadyInRounds(ctx: Context, specs: SteadySpec[]): Promise<ScenarioResult[]> {
  const { connections, durationS, warmupS, rounds } = ctx.options;
  const phaseS = durationS / rounds;
  const measured = specs.map(() => ({ probes: [] as LoadResult[], loads: [] as LoadResult[], cpu: [] as CpuSample[] }));
  const upstreamCalls = specs.map(() => 0);
  const url = (spec: SteadySpec) => ctx.workerUrl + spec.path;
  /** Runs `phase` and charges the upstream calls made meanwhile to spec `i`. */
  const counted = async <T>(i: number, phase: () => Promise<T>): Promise<T> => {
    const before = await upstreamStats(ctx.emulatorUrl);
    const result = await phase();
    upstreamCalls[i]! += (await upstreamStats(ctx.emulatorUrl)).requests - before.requests;
    return result;
  };
  if (warmupS > 0) {
    for (const spec of specs) await load({ url: url(spec), connections, durationS: warmupS, headers: spec.headers });
  }
  for (let round = 0; round < rounds; round++) {
    for (const [i, spec] of specs.entries()) {
      const probe = await counted(i, () =>
        load({ url: url(spec), connections: 1, durationS: phaseS, headers: spec.headers }),
      );
      measured[i]!.probes.push(probe);
    }
    for (const [i, spec] of specs.entries()) {
      const { run, cpu } = await counted(i, () =>
        withCpu(ctx, () => load({ url: url(spec), connections, durationS: phaseS, headers: spec.headers })),
      );
      measured[i]!.loads.push(run);
      measured[i]!.cpu.push(cpu);
    }
  }
  return specs.map((spec, i) => {
    const { probes, loads, cpu } = measured[i]!;
    const perRound: RoundResult[] = probes.map((probe, r) => ({
      p50: probe.p50,
      p95: probe.p95,
      p99: probe.p99,
      rps: loads[r]!.rps,
    }));
    const phases: Record<string, LoadResult> = {};
    probes.forEach((probe, r) => {
      phases[`probe${r + 1}`] = probe;
      phases[`saturated${r + 1}`] = loads[r]!;
    });
    return {
      id: spec.id,
      label: spec.label,
      rps: median(perRound.map((r) => r.rps)),
      p50: median(perRound.map((r) => r.p50)),
      p95: median(perRound.map((r) => r.p95)),
      p99: median(perRound.map((r) => r.p99)),
      requests: [...probes, ...loads].reduce((sum, run) => sum + run.requests, 0),
      upstreamCalls: upstreamCalls[i]!,
      cpuPerRequest: pooledCpu(cpu, loads),
      expectedStatus: spec.expectedStatus,
      unexpected: unexpectedOf([...probes, ...loads], spec.expectedStatus),
      phases,
      rounds: perRound,
      notes: perRound.flatMap((r, n) =>
        Number.isFinite(r.p50) && r.rps > 0
          ? []
          : [`round ${n + 1}: no answer within a ${phaseS.toFixed(1)} s phase (the local stack stalled); left out`],
      ),
    };
  });
}

/** CPU µs per request over all load phases together (each phase's figure weighted by its answers). */
function pooledCpu(samples: CpuSample[], runs: LoadResult[]): CpuSample {
  const pooled = (key: keyof CpuSample) => {
    let us = 0;
    let answers = 0;
    for (const [r, sample] of samples.entries()) {
      const value = sample[key];
      if (value === null) return null;
      us += value * runs[r]!.allResponses;
      answers += runs[r]!.allResponses;
    }
    return answers === 0 ? null : Math.round(us / answers);
  };
  return { wrangler: pooled("wrangler"), proxy: pooled("proxy"), worker: pooled("worker") };
}

/** The first read goes upstream; the second must already be a hit. Returns the ETag. */
async function warmCustomer(ctx: Context, path: string, headers: Record<string, string>): Promise<string> {
  await fetch(ctx.workerUrl + path, { headers }).then((response) => response.arrayBuffer());
  const response = await fetch(ctx.workerUrl + path, { headers });
  await response.arrayBuffer();
  const cacheStatus = response.headers.get("Cache-Status") ?? "";
  const etag = response.headers.get("ETag");
  if (response.status !== 200 || !cacheStatus.includes("; hit") || !etag) {
    throw new Error(`warming ${path} failed: ${response.status}, Cache-Status "${cacheStatus}", ETag ${etag}`);
  }
  return etag;
}

/** What a client gets without customer-edge: Frontpayment itself (the emulator, same latency). */
async function direct(ctx: Context): Promise<ScenarioResult> {
  const { connections, durationS } = ctx.options;
  const run = await load({
    url: `${ctx.emulatorUrl}/api/v1/connect/customers/details/${EXAMPLE_CUSTOMER}`,
    connections,
    durationS,
    headers: { Authorization: `Bearer ${ctx.upstreamToken}`, Accept: "application/json" },
  });
  return row("direct", "Frontpayment directly (no edge)", { run, cpu: null }, null, 200, []);
}
