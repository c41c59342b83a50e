/**
 * `npm run check:smoke` (CI): `npm run smoke` must pass against `npm run dev`, and must fail,
 * naming the check, against a dev server whose admin token is not the one given and against
 * one whose Frontpayment is unreachable. Either way it must revoke its key.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { EXAMPLE_CUSTOMER_UUID } from "../test/support/frontpayment-emulator.ts";
import { AdminClient } from "./lib/admin-client.ts";
import { DEV_ADMIN_TOKEN, LOCAL_HOST } from "./lib/dev-defaults.ts";
import { freePort, stopGroup } from "./lib/processes.ts";

const BANNER_TIMEOUT_MS = 90_000;
const run = promisify(execFile);
let failed = 0;
const servers: ChildProcess[] = [];

function check(name: string, ok: boolean, output: string): void {
  if (!ok) failed += 1;
  console.log(`${ok ? "  ✓" : "  ✗"} ${name}`);
  if (!ok) console.log(output.replace(/^/gm, "      "));
}

async function startDev(extra: string[], env: Record<string, string> = {}): Promise<string> {
  const port = await freePort(LOCAL_HOST);
  let emulatorPort = await freePort(LOCAL_HOST);
  while (emulatorPort === port) emulatorPort = await freePort(LOCAL_HOST);
  const args = ["run", "dev", "--", "--port", String(port), "--emulator-port", String(emulatorPort), ...extra];
  const child = spawn("npm", args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  servers.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + BANNER_TIMEOUT_MS;
  while (!output.includes("Stop: Ctrl-C")) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm run dev did not start:\n${output.slice(-2000)}`);
    await sleep(200);
  }
  return `http://${LOCAL_HOST}:${port}`;
}

async function smoke(url: string, adminToken: string): Promise<{ code: number; output: string }> {
  const args = ["run", "--silent", "smoke", "--", "--url", url, "--customer", EXAMPLE_CUSTOMER_UUID];
  try {
    const { stdout, stderr } = await run("npm", args, {
      env: { ...process.env, ADMIN_TOKEN: adminToken },
      timeout: 120_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout = "", stderr = "" } = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof code === "number" ? code : -1, output: stdout + stderr };
  }
}

/** True when no key whose name starts with "smoke test" is still active. */
async function noSmokeKeyLeft(url: string): Promise<boolean> {
  const keys = await new AdminClient(url, DEV_ADMIN_TOKEN).listKeys();
  return !keys.some((key) => key.name.startsWith("smoke test") && key.status === "active");
}

async function main(): Promise<void> {
  const dev = await startDev([]);
  const green = await smoke(dev, DEV_ADMIN_TOKEN);
  const lines = green.output.split("\n").filter((line) => line.startsWith("  ✓")).length;
  check(`smoke passes against npm run dev (${lines} checks)`, green.code === 0 && lines >= 10, green.output);
  check("it revoked its key", await noSmokeKeyLeft(dev), green.output);

  const wrongToken = await smoke(dev, "not-the-admin-token");
  const named = /FAILED at "the admin token creates a short-lived key"/.test(wrongToken.output);
  check("a wrong admin token fails it, named", wrongToken.code === 1 && named, wrongToken.output);
  await stopGroup(servers.pop() as ChildProcess, "SIGINT");

  // An upstream on a port nothing listens on: every Frontpayment call fails.
  const broken = await startDev(["--upstream", `http://${LOCAL_HOST}:${await freePort(LOCAL_HOST)}`], {
    FRONTPAYMENT_TOKEN: "unused-token",
  });
  const red = await smoke(broken, DEV_ADMIN_TOKEN);
  const readNamed = /FAILED at "reads customer \w+ from Frontpayment"/.test(red.output);
  check("a broken upstream fails it at the customer read, named", red.code === 1 && readNamed, red.output);
  check("it revoked its key after the failure", await noSmokeKeyLeft(broken), red.output);
}

main()
  .catch((error: unknown) => check("runs to the end", false, error instanceof Error ? error.message : String(error)))
  .finally(async () => {
    for (const server of servers) await stopGroup(server, "SIGINT");
    console.log(`check:smoke: ${failed === 0 ? "passed" : `${failed} failed`}`);
    process.exit(failed === 0 ? 0 : 1);
  });
