import type { Clock } from "./measure.ts";

/**
 * Node's clock: this process's CPU time (user + system), with wall time beside it. On a shared
 * machine other processes' load stretches wall time by whole scheduler slices, CPU time far less.
 */
export function nodeClock(): Clock {
  let cpu = process.cpuUsage();
  let wall = performance.now();
  return {
    start() {
      cpu = process.cpuUsage();
      wall = performance.now();
    },
    async stop(n) {
      const wallUs = ((performance.now() - wall) * 1000) / n;
      const used = process.cpuUsage(cpu);
      return { us: (used.user + used.system) / n, wallUs };
    },
  };
}
