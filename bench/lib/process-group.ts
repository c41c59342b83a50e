import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { exited, signalGroup, stopGroup } from "../../scripts/lib/processes.ts";
import { onCleanup } from "./cleanup.ts";

export { exited };

/**
 * Starts `node <args>` in a process group of its own, so that stopping it also stops what it
 * started (wrangler runs esbuild and two workerd processes). The group is stopped at the
 * benchmark's cleanup as the dev scripts stop theirs (SIGTERM, then SIGKILL for whatever
 * lingers), and SIGKILLed synchronously if this process exits first.
 */
export function spawnGroup(args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(process.execPath, args, { ...options, detached: true });
  const lastResort = () => {
    if (child.pid) signalGroup(child.pid, "SIGKILL");
  };
  process.once("exit", lastResort);
  onCleanup(async () => {
    await stopGroup(child);
    process.off("exit", lastResort);
  });
  return child;
}
