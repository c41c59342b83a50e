import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { onCleanup } from "./cleanup.ts";

/**
 * Starts `node <args>` in a process group of its own, so that stopping it also stops what it
 * started (wrangler runs esbuild and two workerd processes). The group is SIGTERMed at
 * cleanup, SIGKILLed if it lingers, and SIGKILLed synchronously if this process exits first.
 */
export function spawnGroup(args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(process.execPath, args, { ...options, detached: true });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const lastResort = () => killGroup("SIGKILL");
  process.once("exit", lastResort);
  onCleanup(async () => {
    killGroup("SIGTERM");
    await exited(child, 5_000);
    killGroup("SIGKILL"); // children of a child that exited quickly may still be running
    process.off("exit", lastResort);
  });
  return child;
}

/** Resolves when the child has exited, or after `ms` (whichever is first). */
export function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined;
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
