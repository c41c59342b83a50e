import { expect, inject } from "vitest";

/**
 * What the Worker logs during the suite, captured instead of printed, so a green run prints no
 * error line that nobody looked at. Every line is kept for the leak scan (leak-scan.ts); an
 * error or warning must also be claimed by the test that caused it (`expectLogged`), or that
 * test fails. `SHOW_WORKER_LOGS=1 npx vitest run ...` prints the lines as well, for debugging.
 */
declare module "vitest" {
  interface ProvidedContext {
    /** SHOW_WORKER_LOGS=1 in the environment vitest was started in (vitest.config.ts). */
    showWorkerLogs: boolean;
  }
}

interface LogStore {
  /** Every line since the leak scan last read them. */
  lines: string[];
  /** Error and warning lines of the current test that no `expectLogged` has claimed yet. */
  unclaimed: string[];
}

// Test files share one isolate (vitest `isolate: false`), so console is patched once per isolate.
const STORE = Symbol.for("customer-edge.test-logs");
const scope = globalThis as { [STORE]?: LogStore };
scope[STORE] ??= captureConsole();
const store: LogStore = scope[STORE];

function captureConsole(): LogStore {
  const captured: LogStore = { lines: [], unclaimed: [] };
  const show = inject("showWorkerLogs");
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const line = args.map(String).join(" ");
      captured.lines.push(line);
      if (method === "error" || method === "warn" || /"level":"(error|warn)"/.test(line)) captured.unclaimed.push(line);
      if (show) original(...args);
    };
  }
  return captured;
}

export const logLines = store.lines;

/** Forgets the lines already scanned, so each file's scan reads only its own. */
export function clearLogLines(): void {
  store.lines.length = 0;
}

/** Starts a test with no unclaimed lines (a line logged between tests belongs to none). */
export function resetUnclaimed(): void {
  store.unclaimed.length = 0;
}

/** The error and warning lines of this test that no `expectLogged` claimed. */
export function unclaimedLines(): string[] {
  return [...store.unclaimed];
}

/**
 * Asserts this test logged at least one error or warning line holding each `fragment`, and
 * claims those lines; returns them for further checks.
 */
export function expectLogged(...fragments: string[]): string[] {
  const matching = store.unclaimed.filter((line) => fragments.every((fragment) => line.includes(fragment)));
  expect(matching, `an error or warning log line containing ${fragments.join(" and ")}`).not.toHaveLength(0);
  for (const line of matching) store.unclaimed.splice(store.unclaimed.indexOf(line), 1);
  return matching;
}
