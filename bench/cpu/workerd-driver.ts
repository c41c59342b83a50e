import type { BenchContext, FetchHandler } from "./bindings.ts";
import { makeHarness } from "./harness.ts";
import type { Clock } from "./measure.ts";
import { busyLoop, type Phase, Suite } from "./suite.ts";

/*
 * `npm run bench:cpu -- --runtime workerd`: runs inside workerd (Miniflare), bundled with the
 * Worker and the floor app by workerd.ts, and does what Node asks, one step per request:
 *   /setup?only=a,b   scenarios, harness, the timer's own cost     /calibrate?batch-ms=150
 *   /round?phase=main|cost                                         /result   /busy?steps=N
 * Web APIs only: no Node module is loaded here.
 */

interface App {
  fetch: (request: Request, env: unknown, ctx: BenchContext) => Response | Promise<Response>;
}

/** A 0 ms timer: the only way to read a fresh clock around CPU work inside workerd (see the clock). */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * workerd's clock: Date.now() across a 0 ms timer before and after the batch (workerd may hold
 * the clock still while JavaScript runs and moves it on at I/O and timers), minus what an
 * empty batch reads. Millisecond resolution: ≤ 1 ms of a ~150 ms batch. Wall time only;
 * workerd offers no CPU clock, so `us` and `wallUs` are the same number.
 */
function workerdClock(overheadMs: number): Clock {
  let started = 0;
  return {
    async start() {
      await tick();
      started = Date.now();
    },
    async stop(n) {
      await tick();
      const us = (Math.max(0, Date.now() - started - overheadMs) * 1000) / n;
      return { us, wallUs: us };
    },
  };
}

/** What an empty batch reads, the median of 21 (0 in practice: the timer fires at once). */
async function timerOverheadMs(): Promise<number> {
  const empty = workerdClock(0);
  const readings: number[] = [];
  for (let i = 0; i < 21; i++) {
    await empty.start();
    readings.push((await empty.stop(1)).us / 1000);
  }
  return readings.sort((a, b) => a - b)[10]!;
}

export function driver(worker: App, floor: App): { fetch: (request: Request) => Promise<Response> } {
  // One run per isolate (workerd.ts starts a fresh Miniflare for each): the suite lives from
  // /setup to /result and nothing else is kept.
  let suite: Suite | undefined;
  const handler =
    (app: App): FetchHandler =>
    (request, env, ctx) =>
      app.fetch(request, env, ctx);
  console.log = () => {}; // the Worker's access log: built, not written, as in Node (cpu.ts)

  async function step(url: URL): Promise<unknown> {
    const search = url.searchParams;
    switch (url.pathname) {
      case "/busy": {
        const steps = Number(search.get("steps"));
        const clock = workerdClock(0);
        await clock.start();
        busyLoop(steps);
        return { ms: (await clock.stop(1)).us / 1000 };
      }
      case "/setup": {
        const overheadMs = await timerOverheadMs();
        suite = new Suite(await makeHarness(handler(worker), handler(floor)), workerdClock(overheadMs));
        const only = search.get("only")?.split(",");
        return { cachedHeaders: await suite.setup(only), overheadMs, scenarios: suite.prepared.size };
      }
      case "/calibrate":
        await ready().calibrate(Number(search.get("batch-ms")));
        return { has: { main: ready().has("main"), cost: ready().has("cost") } };
      case "/round":
        await ready().round(search.get("phase") as Phase);
        return {};
      case "/result":
        return ready().result();
      default:
        throw new Error(`no step ${url.pathname}`);
    }
  }

  function ready(): Suite {
    if (!suite) throw new Error("/setup first");
    return suite;
  }

  return {
    async fetch(request) {
      try {
        return Response.json(await step(new URL(request.url)));
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        return new Response(text, { status: 500 });
      }
    },
  };
}
