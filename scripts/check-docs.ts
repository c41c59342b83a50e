/**
 * Opens GET /docs in a real browser and checks that Swagger UI renders under the page's strict
 * Content-Security-Policy. Starts the Frontpayment emulator and the Worker (wrangler's
 * `unstable_startWorker`, which runs the [build] copy of the Swagger UI assets first) on free
 * loopback ports, drives Debian's headless Chromium with playwright-core, saves a screenshot to
 * test/artifacts/docs.png and stops everything it started.
 *
 *   npm run check:docs          (needs /usr/bin/chromium: apt-get install -y chromium)
 *
 * Ends with `check:docs: N passed, M failed`; exits 0 only when nothing failed.
 */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { type Emulator, EXAMPLE_CUSTOMER_UUID, startEmulator } from "../test/support/frontpayment-emulator.ts";
import { AdminClient } from "./lib/admin-client.ts";
import { freePort } from "./lib/processes.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SCREENSHOT = path.join(ROOT, "test", "artifacts", "docs.png");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OVERALL_TIMEOUT_MS = 120_000;
const RENDER_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 15_000;
const OPERATION = "/v1/customers/{uuid}";
const EXAMPLE_CUSTOMER_NAME = "Kari Nordmann";
// Throwaway values: the page never needs them, but the Worker's config requires both.
const FRONTPAYMENT_TOKEN = "check-docs-frontpayment-token";
const ADMIN_TOKEN = "check-docs-admin-token";
// Keeps Chromium off the (closed) network: no first-run, sync, component or variations fetches.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Collects the page's CSP violations into `window.__cspViolations`. Init scripts are injected by
 * the browser, so the page's own CSP does not block this one. (A string: scripts/ has no DOM types.)
 */
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
      event.effectiveDirective + " blocked " + (event.blockedURI || "inline") + " (" + event.sourceFile + ":" + event.lineNumber + ")",
    );
  });
`;

process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.WRANGLER_LOG ??= "warn";
// Miniflare would otherwise try to download a `Request.cf` sample from workers.cloudflare.com.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

type Check = { name: string; problems: string[] };
const checks: Check[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
// Deleted on exit, after everything that writes to them is gone, whichever way the run ends.
const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

let stopping: Promise<void> | undefined;

/**
 * Runs the cleanups in reverse order of start, each once, errors reported; gives up after
 * STOP_TIMEOUT_MS so a stuck child cannot hold the run. The same promise for every caller, so a
 * signal and the normal end never exit while the other is still stopping things.
 */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.error(`check:docs: stopping took over ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
        resolve();
      }, STOP_TIMEOUT_MS);
    });
    const stop = async () => {
      for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
        await cleanup().catch((error: unknown) => console.error(`check:docs: cleanup failed: ${message(error)}`));
      }
    };
    await Promise.race([stop(), timeout]);
    clearTimeout(timer);
  })();
  return stopping;
}

function report(): number {
  for (const { name, problems } of checks) {
    if (problems.length === 0) console.log(`ok     ${name}`);
    else console.log(`FAILED ${name}\n${problems.map((problem) => `         - ${problem}`).join("\n")}`);
  }
  const failed = checks.filter((check) => check.problems.length > 0).length;
  console.log(`check:docs: ${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 && checks.length > 0 ? 0 : 1;
}

function message(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
}

async function startServers(): Promise<{ emulator: Emulator; origin: string }> {
  const emulator = await startEmulator({ port: 0, token: FRONTPAYMENT_TOKEN });
  cleanups.push(() => emulator.close());

  const state = await mkdtemp(path.join(tmpdir(), "check-docs-state-"));
  tempDirs.push(state);

  const { unstable_startWorker } = await import("wrangler");
  const worker = await unstable_startWorker({
    config: path.join(ROOT, "wrangler.toml"),
    bindings: {
      FRONTPAYMENT_BASE_URL: { type: "plain_text", value: emulator.url },
      FRONTPAYMENT_TOKEN: { type: "secret_text", value: FRONTPAYMENT_TOKEN },
      ADMIN_TOKEN: { type: "secret_text", value: ADMIN_TOKEN },
      // Throwaway, at least 32 bytes: keys made here work only on this Worker.
      API_KEY_TAG_SECRET: { type: "secret_text", value: "check-docs-api-key-tag-secret-0123456789" },
    },
    dev: {
      server: { hostname: "127.0.0.1", port: await freePort("127.0.0.1") },
      inspector: false,
      watch: false,
      persist: state,
      logLevel: "warn",
    },
  });
  cleanups.push(() => worker.dispose());
  await worker.ready;
  const origin = (await worker.url).origin;
  return { emulator, origin };
}

/**
 * Launches Debian's Chromium. Playwright gives every launch a new, empty --user-data-dir and
 * deletes it when the browser closes or this process exits. Chromium's own temporary files go to
 * a private TMPDIR, deleted on exit even when a signal ends the run before Chromium can tidy up
 * (miniflare exits the process on SIGINT/SIGTERM right after stopping workerd).
 */
async function openBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const scratch = await mkdtemp(path.join(tmpdir(), "check-docs-chromium-"));
  tempDirs.push(scratch);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    env: { ...process.env, TMPDIR: scratch },
    headless: true,
    timeout: RENDER_TIMEOUT_MS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  cleanups.push(() => browser.close());
  return browser;
}

/** Listens for everything that counts as a failure while the page loads and renders. */
function watchPage(page: Page, origin: string) {
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const loaded = new Map<string, number>();

  page.on("console", (entry) => {
    if (entry.type() === "error") consoleErrors.push(`console: ${entry.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => {
    if (new URL(request.url()).origin === origin) {
      failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`);
    }
  });
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.origin !== origin) return;
    loaded.set(url.pathname, response.status());
    if (response.status() >= 400) failedRequests.push(`${url.pathname}: HTTP ${response.status()}`);
  });
  return { consoleErrors, failedRequests, loaded };
}

/** Creates an API key through the admin API, as an operator would, for "Try it out". */
async function createKey(origin: string): Promise<string> {
  return (await new AdminClient(origin, ADMIN_TOKEN).createKey({ name: "check:docs" })).key;
}

/** Loads /docs and waits for the customer operation; opens it for the screenshot. */
async function checkRender(page: Page, origin: string): Promise<Check> {
  const check: Check = { name: `GET /docs renders the ${OPERATION} operation`, problems: [] };
  const response = await page.goto(`${origin}/docs`, { waitUntil: "load", timeout: RENDER_TIMEOUT_MS });
  if (response?.status() !== 200) check.problems.push(`GET /docs answered ${response?.status() ?? "nothing"}`);
  if (!response?.headers()["content-security-policy"]?.includes("script-src 'self'")) {
    check.problems.push("GET /docs has no strict Content-Security-Policy header");
  }
  try {
    await page
      .locator(`.opblock-get .opblock-summary-path[data-path="${OPERATION}"]`)
      .click({ timeout: RENDER_TIMEOUT_MS });
    await page.locator(".opblock.is-open .responses-wrapper").waitFor({ timeout: STEP_TIMEOUT_MS });
  } catch (error) {
    check.problems.push(`operation not rendered: ${message(error)}`);
  }
  return check;
}

/**
 * Authorizes with a fresh key and runs "Try it out" on the example customer: the request goes
 * from the page (CSP `connect-src 'self'`) through the Worker to the emulator and back.
 */
async function checkTryItOut(page: Page, origin: string): Promise<Check> {
  const check: Check = { name: `"Try it out" fetches ${EXAMPLE_CUSTOMER_UUID} through the Worker`, problems: [] };
  try {
    const key = await createKey(origin);
    await page.locator(".auth-wrapper button.authorize").click({ timeout: STEP_TIMEOUT_MS });
    const dialog = page.locator(".modal-ux");
    await dialog.locator("input").first().fill(key, { timeout: STEP_TIMEOUT_MS });
    await dialog.locator("button.authorize").first().click({ timeout: STEP_TIMEOUT_MS });
    await dialog.locator("button.btn-done").first().click({ timeout: STEP_TIMEOUT_MS });

    const operation = page.locator(".opblock.is-open");
    await operation.getByRole("button", { name: "Try it out" }).click({ timeout: STEP_TIMEOUT_MS });
    await operation.locator('input[placeholder="uuid"]').fill(EXAMPLE_CUSTOMER_UUID, { timeout: STEP_TIMEOUT_MS });
    await operation.getByRole("button", { name: "Execute" }).click({ timeout: STEP_TIMEOUT_MS });
    const live = operation.locator(".live-responses-table tbody tr.response");
    await live.waitFor({ timeout: STEP_TIMEOUT_MS });
    const status = (await live.locator(".response-col_status").textContent())?.trim();
    if (status !== "200") check.problems.push(`answered ${status}`);
    if (!(await live.textContent())?.includes(EXAMPLE_CUSTOMER_NAME))
      check.problems.push(`no "${EXAMPLE_CUSTOMER_NAME}" in the response`);
  } catch (error) {
    check.problems.push(message(error));
  }
  return check;
}

async function run(): Promise<void> {
  const { origin } = await startServers();
  const browser = await openBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript({ content: RECORD_CSP_VIOLATIONS });
  const seen = watchPage(page, origin);

  checks.push(await checkRender(page, origin));
  checks.push(await checkTryItOut(page, origin));
  await page.waitForLoadState("networkidle", { timeout: STEP_TIMEOUT_MS }).catch(() => undefined);
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Swagger UI lists what it could not parse or resolve (bad $refs, ...) in an "Errors" panel;
  // it resolves lazily, so this is read after the operation has been opened and used.
  const swaggerErrors = await page.locator(".errors-wrapper .error-wrapper").allInnerTexts();
  checks.push({
    name: "Swagger UI reads /openapi.json without errors",
    problems: swaggerErrors.map((text) => text.replace(/\s+/g, " ").trim()),
  });

  const violations = (await page.evaluate("window.__cspViolations ?? []")) as string[];
  checks.push({
    name: "no console errors and no Content-Security-Policy violations",
    problems: [...seen.consoleErrors, ...violations.map((violation) => `CSP: ${violation}`)],
  });
  const expected = [
    "/docs",
    "/docs/vendor/swagger-ui-bundle.js",
    "/docs/vendor/swagger-ui.css",
    "/docs/init.js",
    "/openapi.json",
  ];
  checks.push({
    name: "every same-origin request succeeded, the page's own files included",
    problems: [
      ...seen.failedRequests,
      ...expected.filter((pathname) => seen.loaded.get(pathname) !== 200).map((pathname) => `${pathname} not loaded`),
    ],
  });
}

async function main(): Promise<number> {
  const deadline = setTimeout(() => {
    console.error(`check:docs: gave up after ${OVERALL_TIMEOUT_MS / 1000} s`);
    checks.push({ name: "finished in time", problems: [`timed out after ${OVERALL_TIMEOUT_MS} ms`] });
    void stopAll().finally(() => process.exit(report()));
  }, OVERALL_TIMEOUT_MS);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`check:docs: ${signal}, stopping`);
      void stopAll().finally(() => process.exit(130));
    });
  }

  try {
    await run();
  } catch (error) {
    checks.push({
      name: "start the emulator, the Worker and Chromium, and finish the run",
      problems: [message(error)],
    });
  } finally {
    clearTimeout(deadline);
    await stopAll();
  }
  return report();
}

// Explicit exit: nothing this script started may keep the process alive after the report.
process.exit(await main());
