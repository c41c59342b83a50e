import { BUDGET_GZIP_BYTES } from "../../scripts/lib/bundle-size.ts";
import type { BundleSize } from "./bundle.ts";
import type { MachineInfo } from "./machine.ts";
import type { Options } from "./options.ts";
import { PREFETCH_PAIRS } from "./prefetch.ts";
import type { RoundResult, ScenarioResult } from "./scenario.ts";

export interface Results {
  schema: 1;
  machine: MachineInfo;
  options: Omit<Options, "compare">;
  scenarios: ScenarioResult[];
  ratios: Ratios;
  targets: Target[];
  bundle: BundleSize | null;
}

export interface Ratios {
  cachedOverHealthzP50: number;
  cachedOverHealthzRps: number;
  revalidateOverCachedP50: number;
  tokenEdgeOverCachedP50: number;
  tokenIdpOverCachedP50: number;
  coldP50MinusUpstreamMs: number;
  prefetchOverColdTokenP50: number;
  directOverCachedP50: number;
}

export interface Target {
  name: string;
  pass: boolean;
  measured: string;
}

/**
 * "304 no slower than 200" with room for noise. A 304 does all the work of a 200 in the Worker
 * (it serializes the answer and computes its ETag) and saves only the ~370 body bytes, so the
 * honest expectation is a tie, and two p50s taken seconds apart differ by more than that
 * saving. Allowed: max(0.1 ms, 5%): 0.1 ms because sub-millisecond p50s (a quiet machine)
 * move by about that between runs; 5% because multi-millisecond ones (a busy machine) move
 * by a few percent. A 304 slower than that is a real regression (extra work on the 304 path).
 */
export const REVALIDATE_NOISE = { absoluteMs: 0.1, relative: 0.05 };

const KIB = 1024;

export function byId(scenarios: ScenarioResult[], id: string): ScenarioResult {
  const found = scenarios.find((s) => s.id === id);
  if (!found) throw new Error(`scenario ${id} missing`);
  return found;
}

/** One number per interleaved round (healthz, cached and revalidate ran in the same rounds). */
export function perRound(
  scenarios: ScenarioResult[],
  a: string,
  b: string,
  combine: (a: RoundResult, b: RoundResult) => number,
): number[] {
  const left = byId(scenarios, a).rounds ?? [];
  const right = byId(scenarios, b).rounds ?? [];
  // A round where either phase got no answer at all (a stall of the local stack longer than
  // the phase: p50 NaN) says nothing about the ratio; it is left out, and noted on its row.
  return left.map((round, i) => combine(round, right[i]!)).filter(Number.isFinite);
}

export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Ratios of the cheap paths: the median across rounds of each round's own ratio. */
export function computeRatios(scenarios: ScenarioResult[], options: Options): Ratios {
  const s = (id: string) => byId(scenarios, id);
  const medianRatio = (a: string, b: string, key: "p50" | "rps") =>
    round(median(perRound(scenarios, a, b, (x, y) => x[key] / y[key])), 2);
  return {
    cachedOverHealthzP50: medianRatio("cached", "healthz", "p50"),
    cachedOverHealthzRps: medianRatio("cached", "healthz", "rps"),
    revalidateOverCachedP50: medianRatio("revalidate", "cached", "p50"),
    tokenEdgeOverCachedP50: medianRatio("token-edge", "cached", "p50"),
    tokenIdpOverCachedP50: medianRatio("token-idp", "cached", "p50"),
    coldP50MinusUpstreamMs: round(s("cold").p50 - options.upstreamLatencyMs, 2),
    prefetchOverColdTokenP50: ratio(s("prefetch").p50, s("cold-token").p50),
    directOverCachedP50: ratio(s("direct").p50, s("cached").p50),
  };
}

export function evaluateTargets(scenarios: ScenarioResult[], options: Options, bundle: BundleSize | null): Target[] {
  const s = (id: string) => byId(scenarios, id);
  const cached = s("cached");
  const healthz = s("healthz");
  const revalidate = s("revalidate");
  const allowance = Math.max(REVALIDATE_NOISE.absoluteMs, cached.p50 * REVALIDATE_NOISE.relative);
  const upstream = s("stampede").upstreamCalls;
  const cold = s("cold");
  const prefetch = s("prefetch");
  const p50Ratios = perRound(scenarios, "cached", "healthz", (a, b) => a.p50 / b.p50);
  const rpsRatios = perRound(scenarios, "cached", "healthz", (a, b) => a.rps / b.rps);
  const revalidateExcess = perRound(scenarios, "revalidate", "cached", (a, b) => a.p50 - b.p50);
  const targets: Target[] = [
    {
      name: "cached p50 ≤ 1.3× /healthz p50",
      pass: median(p50Ratios) <= 1.3,
      measured: `${times(median(p50Ratios))} ${spreadOf(p50Ratios, times)}; p50 ${ms(cached.p50)} vs ${ms(healthz.p50)}`,
    },
    {
      name: "cached req/s ≥ 0.75× /healthz req/s",
      pass: median(rpsRatios) >= 0.75,
      measured: `${times(median(rpsRatios))} ${spreadOf(rpsRatios, times)}; ${cached.rps} vs ${healthz.rps}`,
    },
    {
      name: `304 p50 ≤ cached p50 + max(${REVALIDATE_NOISE.absoluteMs} ms, ${REVALIDATE_NOISE.relative * 100}%)`,
      pass: median(revalidateExcess) <= allowance,
      measured:
        `${signedMs(median(revalidateExcess))} ${spreadOf(revalidateExcess, signedMs)} vs allowed ${ms(allowance)}; ` +
        `p50 ${ms(revalidate.p50)} vs ${ms(cached.p50)}`,
    },
    ...(["token-edge", "token-idp"] as const).map((id) => {
      const ratios = perRound(scenarios, id, "cached", (a, b) => a.p50 / b.p50);
      return {
        name: `${id} p50 ≤ 1.1× cached p50`,
        pass: median(ratios) <= 1.1,
        measured: `${times(median(ratios))} ${spreadOf(ratios, times)}; p50 ${ms(s(id).p50)} vs ${ms(cached.p50)}`,
      };
    }),
    {
      name: "first /v1/me after a prefetching issue is a hit",
      pass: prefetch.cacheHits === prefetch.requests && prefetch.upstreamCalls === prefetch.requests,
      measured:
        `${prefetch.cacheHits}/${prefetch.requests} hits, ${prefetch.upstreamCalls} upstream calls; ` +
        `p50 ${ms(prefetch.p50)} vs ${ms(s("cold-token").p50)} without prefetch`,
    },
    {
      name: "stampede → exactly 1 upstream call",
      pass: upstream === 1,
      measured: `${upstream} call(s) for ${s("stampede").requests} reads`,
    },
    {
      name: `cold p50 ≤ upstream latency + 15 ms`,
      pass: cold.p50 <= options.upstreamLatencyMs + 15,
      measured: `${ms(cold.p50)} = ${options.upstreamLatencyMs} ms + ${ms(cold.p50 - options.upstreamLatencyMs)}`,
    },
  ];
  if (bundle) {
    targets.push({
      name: `bundle ≤ ${BUDGET_GZIP_BYTES / KIB} KiB gzip`,
      pass: bundle.gzipBytes <= BUDGET_GZIP_BYTES,
      measured: `${kib(bundle.gzipBytes)} gzip (${kib(bundle.rawBytes)} raw)`,
    });
  }
  targets.push(validity(scenarios, options));
  return targets;
}

/** Not a target but a precondition: every row measured what its name says. */
function validity(scenarios: ScenarioResult[], options: Options): Target {
  const problems: string[] = [];
  const expectUpstream: Record<string, number> = {
    healthz: 0,
    cached: 0,
    revalidate: 0,
    "token-edge": 0,
    "token-idp": 0,
    kv: 0,
    stampede: 1,
    cold: options.coldCount,
    prefetch: PREFETCH_PAIRS,
    "cold-token": PREFETCH_PAIRS,
  };
  for (const s of scenarios) {
    const unexpected = Object.entries(s.unexpected).map(([k, n]) => `${n}× ${k}`);
    if (unexpected.length) problems.push(`${s.id}: ${unexpected.join(", ")} (expected ${s.expectedStatus})`);
    const expected = expectUpstream[s.id];
    if (expected !== undefined && s.id !== "stampede" && s.upstreamCalls !== expected) {
      problems.push(`${s.id}: ${s.upstreamCalls} upstream calls, expected ${expected}`);
    }
  }
  return {
    name: "every answer as intended (status, upstream calls)",
    pass: problems.length === 0,
    measured: problems.length ? problems.join("; ") : "yes",
  };
}

export function printTable(scenarios: ScenarioResult[], options: Options): void {
  const header = ["scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "upstream", "CPU µs/req"];
  const rows = scenarios.map((s) => [
    s.label,
    s.rps.toFixed(0),
    s.p50.toFixed(2),
    s.p95.toFixed(2),
    s.p99.toFixed(2),
    String(s.requests),
    s.upstreamCalls === null ? "-" : String(s.upstreamCalls),
    s.cpuPerRequest?.worker == null ? "-" : String(s.cpuPerRequest.worker),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\n${line(header)}\n${widths.map((w) => "─".repeat(w)).join("  ")}`);
  for (const r of rows) console.log(line(r));
  console.log(
    `\nFirst five rows: ${options.rounds} interleaved rounds after ${options.warmupS} s warm-up each; per round ` +
      `${(options.durationS / options.rounds).toFixed(1)} s of latency from 1 connection and as long of req/s from ` +
      `${options.connections} connections; medians across rounds. Other rows: one run each with ` +
      `${options.coldConnections} connections (direct: ${options.connections}, stampede: ${options.stampedeCount}; ` +
      `prefetch and cold-token: ${PREFETCH_PAIRS} single reads each, alternating, one fetch() client). ` +
      `Upstream latency ${options.upstreamLatencyMs} ms.`,
  );
  const floor = scenarios.find((s) => s.id === "healthz")?.cpuPerRequest;
  if (floor?.worker != null) {
    console.log(
      `CPU µs/req: the Worker's workerd process (our code, Hono, local KV and rate limiter). wrangler's own ` +
        `proxy workerd adds ${floor.proxy} and its Node process ${floor.wrangler} per request (/healthz), local dev only.`,
    );
  }
  for (const s of scenarios) for (const note of s.notes) console.log(`  ${s.id}: ${note}`);
}

export function printRatios(ratios: Ratios, bundle: BundleSize | null, options: Options): void {
  console.log("\nRatios (cheap paths: median across rounds of each round's ratio)");
  console.log(
    `  cached / healthz          p50 ${times(ratios.cachedOverHealthzP50)}   req/s ${times(ratios.cachedOverHealthzRps)}`,
  );
  console.log(`  304 / cached              p50 ${times(ratios.revalidateOverCachedP50)}`);
  console.log(
    `  edge token / cached       p50 ${times(ratios.tokenEdgeOverCachedP50)}  (GET /v1/me vs the API-key read)`,
  );
  console.log(`  IdP token / cached        p50 ${times(ratios.tokenIdpOverCachedP50)}`);
  console.log(
    `  cold p50 − upstream       ${ratios.coldP50MinusUpstreamMs.toFixed(1)} ms  (upstream ${options.upstreamLatencyMs} ms)`,
  );
  console.log(
    `  prefetch / no prefetch    p50 ${times(ratios.prefetchOverColdTokenP50)}  (a page's first /v1/me after its token was issued)`,
  );
  console.log(
    `  direct / cached           p50 ${times(ratios.directOverCachedP50)}  (how much faster a cached read is than Frontpayment)`,
  );
  if (bundle) console.log(`  bundle                    ${kib(bundle.rawBytes)} raw, ${kib(bundle.gzipBytes)} gzip`);
}

export function printTargets(targets: Target[]): void {
  console.log("\nTargets");
  for (const t of targets) console.log(`  ${t.pass ? "PASS" : "FAIL"}  ${t.name.padEnd(52)} ${t.measured}`);
}

/** "[min–max over N rounds]": how far the rounds disagreed. */
function spreadOf(values: number[], show: (value: number) => string): string {
  if (values.length < 2) return "[1 round]";
  return `[${show(Math.min(...values))}…${show(Math.max(...values))} over ${values.length} rounds]`;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const signedMs = (value: number) => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)} ms`;
const ratio = (a: number, b: number) => round(a / b, 2);
const times = (value: number) => `${value.toFixed(2)}×`;
const ms = (value: number) => `${value.toFixed(2)} ms`;
export const kib = (bytes: number) => `${(bytes / KIB).toFixed(1)} KiB`;
