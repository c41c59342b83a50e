import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time per request, per process, from /proc (Linux only; elsewhere everything is null).
 * Wall-clock latency on a shared machine moves with everyone else's load; CPU time spent by
 * the Worker's own process moves far less, so it is the number to compare tiers and commits
 * by, and the one that maps to Cloudflare's CPU-time limit and billing.
 *
 * `wrangler dev` runs: a Node process (wrangler), a workerd with wrangler's proxy Worker
 * (listening on the port we chose), and a workerd with our Worker and the local simulators
 * (KV, rate limiter), listening on a port of its own.
 */
export interface Processes {
  wrangler: number;
  proxy: number | null;
  worker: number | null;
}

export type CpuSample = Record<keyof Processes, number | null>;

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux that matters

export function findProcesses(hostPid: number, proxyPort: number): Processes {
  const workerds = childrenOf(hostPid).filter((pid) => cmdline(pid).includes("workerd"));
  const proxy = workerds.find((pid) => cmdline(pid).includes(`127.0.0.1:${proxyPort}`)) ?? null;
  const worker = workerds.find((pid) => pid !== proxy) ?? null;
  return { wrangler: hostPid, proxy, worker };
}

export function sampleCpu(processes: Processes): CpuSample {
  return { wrangler: cpuMs(processes.wrangler), proxy: cpuMs(processes.proxy), worker: cpuMs(processes.worker) };
}

/** Microseconds of CPU per request in each process between two samples. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuSample {
  const per = (key: keyof Processes) => {
    const a = before[key];
    const b = after[key];
    return a === null || b === null || requests === 0 ? null : Math.round(((b - a) * 1000) / requests);
  };
  return { wrangler: per("wrangler"), proxy: per("proxy"), worker: per("worker") };
}

/** User + system CPU of one process (all its threads), in ms. */
function cpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    // Fields after the parenthesised command name: utime is the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function childrenOf(parent: number): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => parentOf(pid) === parent);
  } catch {
    return [];
  }
}

function parentOf(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
  } catch {
    return null;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}
