import { BenchContext, benchBindings, WORKER_ORIGIN } from "../cpu/bindings.ts";

/*
 * Inside a fresh workerd (bench/startup.ts), before the profiler runs: this module is evaluated
 * and `?prepare` builds the bindings (random secrets cannot be made at global scope). Then the
 * profiled request imports ./app.mjs (the module under test, evaluated for the first time, as
 * `wrangler check startup` does) and hands it its first request, `?path=`.
 */
let env: unknown;
console.log = () => {}; // the access log line is built, not written (as in bench:cpu)
/** Left to workerd to resolve: startup.ts adds it to the worker's modules (esbuild keeps it external). */
const APP = "./app.mjs";

interface App {
  fetch(request: Request, env: unknown, ctx: BenchContext): Response | Promise<Response>;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const search = new URL(request.url).searchParams;
    if (search.has("prepare")) {
      env = benchBindings().env;
      return new Response(null, { status: 204 });
    }
    const path = search.get("path") ?? "/";
    const { default: app }: { default: App } = await import(APP);
    const ctx = new BenchContext();
    const answer = await app.fetch(new Request(WORKER_ORIGIN + path), env, ctx);
    await ctx.drain();
    return Response.json({ status: answer.status });
  },
};
