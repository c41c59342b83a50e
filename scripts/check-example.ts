/**
 * `npm run check:example`: the reference checkout (examples/storefront) in headless Chromium.
 * Builds the client, type-checks the example's server and page, starts `npm run dev` and the
 * storefront on another origin (http://localhost:<port> against http://127.0.0.1:<port>), then:
 * the page fills its shipping form from `/v1/me` (a cache hit, thanks to `prefetch`), asks its
 * server for a new token when customer-edge refuses the old one, and shows a refusal's message
 * with its request id.
 *
 *   npm run check:example        (needs /usr/bin/chromium: apt-get install -y chromium)
 *
 * Ends with `check:example: N passed, M failed`; exits 0 only when nothing failed.
 */
import { execFile, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { CHECKOUT_CHECKS, type CheckoutCheck } from "./lib/checkout-checks.ts";
import { type DevServer, startDevServer } from "./lib/dev-server.ts";
import { freePort, stopGroup, waitForOk } from "./lib/processes.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TSC = path.join(ROOT, "node_modules", ".bin", "tsc");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"];
const CHROMIUM_ARGS_OFFLINE = ["--disable-background-networking", "--disable-component-update"];
const execFileAsync = promisify(execFile);

let passed = 0;
let failed = 0;
const cleanups: (() => Promise<unknown>)[] = [];
const scratch = await mkdtemp(path.join(tmpdir(), "check-example-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function record(name: string, problems: string[]): void {
  if (problems.length === 0) passed += 1;
  else failed += 1;
  console.log(problems.length === 0 ? `  ✓ ${name}` : `  ✗ ${name}\n      - ${problems.join("\n      - ")}`);
}

async function command(name: string, file: string, args: string[]): Promise<boolean> {
  try {
    await execFileAsync(file, args, { cwd: ROOT, timeout: 180_000, maxBuffer: 16 << 20 });
    record(name, []);
    return true;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    record(name, [`${stdout}${stderr}`.trim().split("\n").slice(-20).join("\n        ")]);
    return false;
  }
}

/** The storefront on its own port, in its own process group, ready once its page answers. */
async function startStorefront(dev: DevServer): Promise<string> {
  const port = await freePort("127.0.0.1");
  const args = ["examples/storefront/server.ts", "--port", String(port), "--edge-url", dev.url];
  const child = spawn(process.execPath, args, { cwd: ROOT, detached: true, stdio: ["ignore", "ignore", "inherit"] });
  cleanups.push(() => stopGroup(child));
  const running = () => child.exitCode === null && child.signalCode === null;
  await waitForOk(`http://127.0.0.1:${port}/checkout`, 30_000, running);
  return `http://localhost:${port}`;
}

async function openBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...CHROMIUM_ARGS_OFFLINE],
    env: { ...process.env, TMPDIR: scratch },
    headless: true,
    timeout: 30_000,
  });
  cleanups.push(() => browser.close());
  return browser;
}

async function runCheck(browser: Browser, storefront: string, edge: string, check: CheckoutCheck): Promise<void> {
  const context = await browser.newContext();
  try {
    record(check.name, await check.run(await context.newPage(), storefront, edge));
  } catch (error) {
    record(check.name, [error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)]);
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  if (!(await command("client: npm ci and build", "npm", ["run", "-s", "client:build"]))) return;
  await command("example server type-checks", TSC, ["-p", "examples/storefront/tsconfig.json"]);
  await command("example page type-checks (checkJs, DOM)", TSC, ["-p", "examples/storefront/tsconfig.page.json"]);
  const dev = await startDevServer();
  cleanups.push(() => dev.stop());
  const storefront = await startStorefront(dev);
  const browser = await openBrowser();
  for (const check of CHECKOUT_CHECKS) await runCheck(browser, storefront, dev.url, check);
}

const deadline = setTimeout(() => {
  record("finishes within 240 s", ["timed out"]);
  void stopAll().finally(() => process.exit(1));
}, 240_000);

async function stopAll(): Promise<void> {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup().catch(() => undefined);
}

try {
  await main();
} catch (error) {
  record("start npm run dev, the storefront and Chromium", [error instanceof Error ? error.message : String(error)]);
} finally {
  clearTimeout(deadline);
  await stopAll();
}
console.log(`check:example: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
