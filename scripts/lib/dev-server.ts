/**
 * `npm run dev` on free ports, for the end-to-end checks of the client and the example: started
 * in its own process group (so SIGINT reaches wrangler and workerd too), ready once its banner is
 * printed, with the two keys the banner shows.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { LOCAL_HOST } from "./dev-defaults.ts";
import { freePort, stopGroup } from "./processes.ts";

const BANNER_TIMEOUT_MS = 90_000;

export interface DevServer {
  url: string;
  /** The banner's read key (customers:read, addresses:read). */
  readKey: string;
  /** The banner's issuing key (tokens:issue only). */
  issuingKey: string;
  /** Everything the dev server printed so far, for a failure report. */
  output(): string;
  stop(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  const workerPort = await freePort(LOCAL_HOST);
  let emulatorPort = await freePort(LOCAL_HOST);
  while (emulatorPort === workerPort) emulatorPort = await freePort(LOCAL_HOST);
  const args = ["run", "dev", "--", "--port", String(workerPort), "--emulator-port", String(emulatorPort)];
  const child = spawn("npm", args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const server: DevServer = {
    url: `http://${LOCAL_HOST}:${workerPort}`,
    readKey: "",
    issuingKey: "",
    output: () => output,
    stop: () => stopGroup(child, "SIGINT", 10_000),
  };
  try {
    await waitForBanner(child, () => output);
  } catch (error) {
    await server.stop();
    throw new Error(`${error instanceof Error ? error.message : error}\n${output.split("\n").slice(-30).join("\n")}`);
  }
  server.readKey = /^\s*API key\s+(\S+)/m.exec(output)?.[1] ?? "";
  server.issuingKey = /^\s*Issuing key\s+(\S+)/m.exec(output)?.[1] ?? "";
  return server;
}

async function waitForBanner(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + BANNER_TIMEOUT_MS;
  while (!output().includes("Stop: Ctrl-C")) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited with code ${child.exitCode} before its banner`);
    if (Date.now() > deadline) throw new Error(`npm run dev printed no banner within ${BANNER_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
}
