/** Child-process and port helpers for the dev scripts (POSIX process groups). */
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** True when nothing listens on `host:port`, by briefly listening there ourselves. */
export async function isPortFree(port: number, host: string): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
    return true;
  } catch {
    return false;
  } finally {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
}

/** A port the OS just considered free; racy by nature, good enough for a local check. */
export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port assigned");
  return address.port;
}

/** Sends `signal` to every process in the group led by `pgid`; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // kill(-1) would signal every process we may signal, and kill(-0) our own group.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
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

/**
 * Stops a child started with `detached: true` and everything it spawned (wrangler starts
 * workerd and esbuild): the group gets `signal`, then SIGKILL if any member outlives `graceMs`.
 */
export async function stopGroup(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 5_000,
): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  if (!signalGroup(pgid, signal)) return;
  const deadline = Date.now() + graceMs;
  await exited(child, graceMs);
  while (signalGroup(pgid, 0) && Date.now() < deadline) await sleep(100);
  signalGroup(pgid, "SIGKILL");
}

/** Polls `url` until it answers 2xx; rejects after `timeoutMs` or as soon as `stillAlive()` is false. */
export async function waitForOk(url: string, timeoutMs: number, stillAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!stillAlive()) throw new Error("the process exited before it was ready");
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${Math.round(timeoutMs / 1000)} s`);
}
