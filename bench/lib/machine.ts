import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";

/** Where and on what the numbers were taken: without it a results file means little. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  wrangler: string;
  date: string;
  git: { commit: string | null; dirty: boolean | null };
  /** 1-minute load average before and after: a busy machine shows here. */
  loadAverage: { start: number; end?: number };
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    wrangler: packageVersion("wrangler"),
    date: new Date().toISOString(),
    git: gitState(),
    loadAverage: { start: loadavg()[0]! },
  };
}

export function finishMachineInfo(info: MachineInfo): void {
  info.loadAverage.end = loadavg()[0]!;
}

function packageVersion(name: string): string {
  try {
    const path = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Read-only git: the commit measured, and whether the tree had uncommitted changes. */
function gitState(): MachineInfo["git"] {
  const git = (...args: string[]) =>
    execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return { commit: git("rev-parse", "HEAD"), dirty: git("status", "--porcelain", "--untracked-files=no") !== "" };
  } catch {
    return { commit: null, dirty: null };
  }
}
