/** Durations (ms) from a `Server-Timing` header, by metric name. */
export type ServerTiming = Record<string, number>;

export function serverTiming(header: string | string[] | undefined): ServerTiming {
  const timing: ServerTiming = {};
  for (const [, name, dur] of String(header ?? "").matchAll(/([\w-]+);dur=([\d.]+)/g)) timing[name!] = Number(dur);
  return timing;
}

/**
 * Where a miss's time goes, from the Worker's own Server-Timing (hono/timing's `total` and our
 * `upstream`): upstream, the Worker's other waits (rate limiter, KV), and the rest. workerd's
 * clock only moves across I/O, so the rest is the Worker's CPU time plus everything outside
 * it (wrangler's proxy hop, its Node process, the client). Medians: they do not add up exactly.
 */
export function splitByServerTiming(timings: ServerTiming[], clientP50: number): string {
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const complete = timings.filter((t) => t.total !== undefined && t.upstream !== undefined);
  const total = median(complete.map((t) => t.total!));
  const upstream = median(complete.map((t) => t.upstream!));
  const around = median(complete.map((t) => t.total! - t.upstream!));
  return (
    `Server-Timing p50: upstream ${upstream} ms + other waits in the Worker ${around} ms = ${total} ms; ` +
    `the remaining ≈ ${(clientP50 - total).toFixed(0)} ms is CPU and wrangler dev's hops`
  );
}
