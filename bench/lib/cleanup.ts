/**
 * Stops what the run started, whatever way it ends: normal end, error, Ctrl-C, SIGTERM or
 * the overall watchdog. Tasks run newest first, each at most once, errors ignored (a
 * half-started resource must not keep the others running).
 */
type Task = () => Promise<unknown> | unknown;

const tasks: Task[] = [];
let running: Promise<void> | undefined;
let aborting = false;

/** True once a signal or the watchdog has started tearing the run down. */
export function isAborting(): boolean {
  return aborting;
}

/** True once cleanup has begun: processes exiting from then on are expected to. */
export function isCleaningUp(): boolean {
  return running !== undefined;
}

export function onCleanup(task: Task): void {
  tasks.push(task);
}

export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (tasks.length > 0) {
      const task = tasks.pop()!;
      try {
        await task();
      } catch {
        // keep going: the remaining resources still need stopping
      }
    }
  })();
  return running;
}

/** Signals and the watchdog end the run through cleanupAll, then exit with a telling code. */
export function installExitHandlers(timeoutS: number): void {
  const abort = (message: string, code: number) => {
    aborting = true;
    console.error(`\n${message}: stopping everything the benchmark started...`);
    void cleanupAll().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => abort("Interrupted", 130));
  process.once("SIGTERM", () => abort("Terminated", 143));
  setTimeout(() => abort(`The run took longer than ${timeoutS} s (--timeout)`, 1), timeoutS * 1000).unref();
}
