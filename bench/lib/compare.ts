import { kib, type Results } from "./report.ts";

/**
 * Deltas against an older results file; a different machine is called out, not hidden.
 * CPU µs/req is the steadiest column on a shared machine; req/s the least steady.
 */
export function printComparison(current: Results, previous: Results, file: string): void {
  const old = previous.machine;
  const load = (m: Results["machine"]) => `load avg ${m.loadAverage.start.toFixed(2)}→${m.loadAverage.end?.toFixed(2)}`;
  console.log(
    `\nCompared with ${file} (${old.date}, ${old.git.commit?.slice(0, 8) ?? "?"}${old.git.dirty ? "+dirty" : ""}, ` +
      `${load(old)}; now ${load(current.machine)})`,
  );
  if (old.cpuModel !== current.machine.cpuModel || old.cores !== current.machine.cores) {
    console.log(`  ! other machine: ${old.cpuModel} × ${old.cores}; deltas mix machine and code`);
  }
  for (const s of current.scenarios) {
    const before = previous.scenarios.find((p) => p.id === s.id);
    if (!before) continue;
    const cpuNow = s.cpuPerRequest?.worker;
    const cpuBefore = before.cpuPerRequest?.worker;
    const cpu =
      cpuNow != null && cpuBefore != null ? `   CPU ${cpuBefore} → ${cpuNow} µs ${delta(cpuNow, cpuBefore)}` : "";
    console.log(
      `  ${s.id.padEnd(11)} req/s ${before.rps.toFixed(0).padStart(5)} → ${s.rps.toFixed(0).padStart(5)} ${delta(s.rps, before.rps).padEnd(9)}` +
        `   p50 ${before.p50.toFixed(2).padStart(7)} → ${s.p50.toFixed(2).padStart(7)} ms ${delta(s.p50, before.p50).padEnd(9)}${cpu}`,
    );
  }
  if (current.bundle && previous.bundle) {
    console.log(
      `  bundle gzip ${kib(previous.bundle.gzipBytes)} → ${kib(current.bundle.gzipBytes)} ${delta(current.bundle.gzipBytes, previous.bundle.gzipBytes)}`,
    );
  }
}

const delta = (now: number, before: number) => {
  const change = ((now - before) / before) * 100;
  return `(${change >= 0 ? "+" : ""}${change.toFixed(1)}%)`;
};
