import { createMiddleware } from "hono/factory";

/** The durations one answer reports in `Server-Timing`, in ms with one decimal. */
export class ServerTiming {
  #metrics: string[] = [];

  add(name: string, ms: number): void {
    this.#metrics.push(`${name};dur=${ms.toFixed(1)}`);
  }

  toString(): string {
    return this.#metrics.join(",");
  }
}

/** What `serverTiming` sets. */
export type ServerTimingVariables = { serverTiming: ServerTiming };

/**
 * `Server-Timing` on every answer below it: what the route added (`c.var.serverTiming.add`)
 * and `total`, plus, for a browser (a request with an Origin), `Timing-Allow-Origin: *` so that
 * its page may read the numbers too.
 *
 * Our own rather than `hono/timing`, which keeps a Map of named timers per request: here a
 * route measures what it waits for and hands over the number (docs/decisions.md).
 *
 * @example
 * app.use("/v1/*", serverTiming());
 * const started = performance.now(); await work; c.get("serverTiming").add("cache", performance.now() - started);
 */
export function serverTiming() {
  return createMiddleware<{ Variables: ServerTimingVariables }>(async function serverTiming(c, next) {
    const started = performance.now();
    const timing = new ServerTiming();
    c.set("serverTiming", timing);
    await next();
    timing.add("total", performance.now() - started);
    // On the answer itself, as hono/timing does: after the handler, `c.header()` would copy the
    // whole Response once per call.
    c.res.headers.append("Server-Timing", timing.toString());
    // Lets a page on another origin read the numbers; only a browser's request has an Origin.
    if (c.req.header("Origin") !== undefined) c.res.headers.set("Timing-Allow-Origin", "*");
  });
}
