import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

/** Statistics, tables and result files shared by every benchmark. */
export interface Spread {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
}

/** Median, quartiles and range (NaN values, e.g. a stalled round, left out). */
export function spread(values: number[]): Spread {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** `a` and `b` combined round by round (both ran in each round). */
export const perRound = (a: number[], b: number[], combine: (x: number, y: number) => number): Spread =>
  spread(a.map((x, i) => combine(x, b[i]!)));

/** Where and on what the numbers were taken: the CPU, how busy the machine was, the commit. */
export function machine() {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  const dirty = git("status", "--porcelain", "--untracked-files=no");
  return {
    cpu: `${cpus()[0]?.model.trim() ?? "unknown"} × ${cpus().length}`,
    node: process.version,
    loadAverage: loadavg()[0]!,
    commit: `${git("rev-parse", "--short", "HEAD") ?? "no git"}${dirty ? "+dirty" : ""}`,
    date: new Date().toISOString(),
  };
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\n${line(header)}\n${widths.map((w) => "─".repeat(w)).join("  ")}`);
  for (const row of rows) console.log(line(row));
}

/** Prints the machine line and writes bench/results/<name>-<date>.json and <name>-latest.json (git-ignored). */
export function saveResults(name: string, data: object): void {
  const where = machine();
  console.log(`\n${where.cpu} · Node ${where.node} · load avg ${where.loadAverage.toFixed(2)} · ${where.commit}`);
  const dir = join(import.meta.dirname, "../results");
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify({ machine: where, ...data }, null, 2)}\n`;
  const file = join(dir, `${name}-${where.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, text);
  writeFileSync(join(dir, `${name}-latest.json`), text);
  console.log(`Saved ${file} and bench/results/${name}-latest.json`);
}
