import { BenchContext, type FetchHandler } from "./bindings.ts";
import { makeHarness, type Prepared } from "./harness.ts";
import { COSTS, SCENARIOS } from "./scenarios.ts";

/*
 * Runs inside workerd, bundled with the Worker and the floor app (bench/cpu.ts), and does what
 * Node asks, one step per request: /setup?only=a,b, /calibrate?batch-ms=N, /round?phase=main|cost,
 * /result. Web APIs only.
 */
export interface Row {
  id: string;
  label: string;
  /** µs per request, one value per round. */
  rounds: number[];
  iterations: number;
  problems: string[];
}
export type Phase = "main" | "cost";

/** A 0 ms timer: the only way to read a fresh clock around CPU work inside workerd. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Wall µs per request for `n` requests one after another, each awaited with its waitUntil work
 * (a miss's KV write), so background work is charged to the request that caused it. Date.now()
 * is read across a 0 ms timer before and after (workerd may hold the clock still while
 * JavaScript runs): ms resolution, under 1% of a ~150 ms batch. No forced GC between batches:
 * interleaving spreads the collections over all scenarios alike.
 */
async function runBatch(p: Prepared, n: number, upstreamCalls: () => number) {
  await p.before?.(n);
  const ctx = new BenchContext();
  const callsBefore = upstreamCalls();
  let unexpected = 0;
  await tick();
  const started = Date.now();
  for (let i = 0; i < n; i++) {
    const response = await p.handler(p.request(i), p.env, ctx);
    if (response.status !== p.expectedStatus) unexpected++;
    if (ctx.pending > 0) await ctx.drain();
  }
  await tick();
  const us = ((Date.now() - started) * 1000) / n;
  const problems: string[] = [];
  if (unexpected > 0) problems.push(`${unexpected} of ${n} answers not ${p.expectedStatus}`);
  const calls = upstreamCalls() - callsBefore;
  if (calls !== n * p.upstreamCallsPerRequest) problems.push(`${calls} upstream calls for ${n} requests`);
  const extra = p.after?.(n);
  if (extra) problems.push(extra);
  return { us, problems };
}

/** Iterations for a batch of about `targetMs`: doubling until a batch takes 30 ms (JIT warm), then one refining batch. */
async function calibrate(p: Prepared, targetMs: number, upstreamCalls: () => number): Promise<number> {
  let n = 8;
  let batch = await runBatch(p, n, upstreamCalls);
  while (batch.us * n < 30_000) {
    // On Cloudflare the clock stands still during CPU work; were workerd to do so, nothing could be timed.
    if (n > 10_000_000) throw new Error("workerd's clock did not move during CPU work: it cannot time it here");
    n *= 2;
    batch = await runBatch(p, n, upstreamCalls);
  }
  if (batch.problems.length > 0) throw new Error(batch.problems.join("; "));
  n = Math.max(1, Math.round((targetMs * 1000) / Math.max(batch.us, 0.1)));
  batch = await runBatch(p, n, upstreamCalls);
  return Math.max(1, Math.round((targetMs * 1000) / Math.max(batch.us, 0.1)));
}

type App = { fetch: FetchHandler };

export function driver(worker: App, floor: App) {
  const prepared = new Map<string, Prepared>();
  const phases: Record<Phase, Row[]> = { main: [], cost: [] };
  const iterations = new Map<string, number>();
  let upstreamCalls = () => 0;
  console.log = () => {}; // the Worker's access log line is built, not written: shipping it is the runtime's cost

  async function setup(only: string[] | undefined): Promise<void> {
    const h = await makeHarness(
      (request, env, ctx) => worker.fetch(request, env, ctx),
      (request, env, ctx) => floor.fetch(request, env, ctx),
    );
    upstreamCalls = h.upstreamCalls;
    // A verification cost needs its baseline: --only verify-edge brings token-edge along.
    const wanted = only && [...only, ...COSTS.filter((c) => only.includes(c.id)).map((c) => c.baseline)];
    for (const s of SCENARIOS.filter((s) => !wanted || wanted.includes(s.id))) prepared.set(s.id, await s.setup(h));
    const row = (id: string) => ({
      id,
      label: SCENARIOS.find((s) => s.id === id)!.label,
      rounds: [],
      iterations: 0,
      problems: [],
    });
    // Never-seen tokens run in a phase of their own, after the others, beside their baselines
    // measured again: each request leaves a token and a verdict behind, and the collections that
    // follow would be charged to whichever scenario runs next.
    const costIds = new Set(COSTS.map((c) => c.id));
    phases.main = [...prepared.keys()].filter((id) => !costIds.has(id)).map(row);
    const costs = COSTS.filter((c) => prepared.has(c.id) && prepared.has(c.baseline));
    phases.cost = [...new Set(costs.flatMap((c) => [c.baseline, c.id]))].map(row);
  }

  async function step(url: URL): Promise<unknown> {
    const search = url.searchParams;
    switch (url.pathname) {
      case "/setup":
        await setup(search.get("only")?.split(","));
        return { main: phases.main.length, cost: phases.cost.length };
      case "/calibrate":
        for (const [id, p] of prepared)
          iterations.set(id, await calibrate(p, Number(search.get("batch-ms")), upstreamCalls));
        return {};
      case "/round":
        for (const row of phases[search.get("phase") as Phase]) {
          const batch = await runBatch(prepared.get(row.id)!, iterations.get(row.id)!, upstreamCalls);
          row.rounds.push(batch.us);
          row.problems.push(...batch.problems.filter((p) => !row.problems.includes(p)));
        }
        return {};
      case "/result":
        for (const row of [...phases.main, ...phases.cost]) row.iterations = iterations.get(row.id)!;
        return phases;
      default:
        throw new Error(`no step ${url.pathname}`);
    }
  }

  return {
    async fetch(request: Request): Promise<Response> {
      try {
        return Response.json(await step(new URL(request.url)));
      } catch (error) {
        return new Response(error instanceof Error ? (error.stack ?? error.message) : String(error), { status: 500 });
      }
    },
  };
}
