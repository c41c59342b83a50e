import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import {
  TEST_ADMIN_TOKEN,
  TEST_API_KEY_TAG_SECRET,
  TEST_FRONTPAYMENT_TOKEN,
  TEST_TOKEN_SIGNING_SECRET,
} from "./test/support/constants.ts";

// wrangler.toml lists both as required secrets; naming them here keeps wrangler from warning
// that they are missing. The bindings below are what the Worker actually sees.
process.env.FRONTPAYMENT_TOKEN ??= TEST_FRONTPAYMENT_TOKEN;
process.env.ADMIN_TOKEN ??= TEST_ADMIN_TOKEN;
process.env.API_KEY_TAG_SECRET ??= TEST_API_KEY_TAG_SECRET;

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      // Without workerd's --verbose. With it, workerd prints "Uncaught (in promise) ... Network
      // connection lost" for every outbound fetch that fails (a dropped connection, a refused
      // port), even when our code awaits and catches that fetch: a bare caught
      // `fetch("http://127.0.0.1:1/")` prints it too. A rejection that really is unhandled is
      // still caught and reported by vitest, which fails the run.
      verbose: false,
      miniflare: {
        bindings: {
          FRONTPAYMENT_BASE_URL: inject("emulatorUrl"),
          FRONTPAYMENT_TOKEN: TEST_FRONTPAYMENT_TOKEN,
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          TOKEN_SIGNING_SECRET: TEST_TOKEN_SIGNING_SECRET,
          API_KEY_TAG_SECRET: TEST_API_KEY_TAG_SECRET,
          // Short enough that the timeout tests stay quick, long enough for a loaded CI box.
          UPSTREAM_TIMEOUT_MS: "1500",
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/support/global-setup.ts"],
    setupFiles: ["./test/helpers/leak-scan.ts"],
    // The Worker's log lines are captured, not printed (test/helpers/logs.ts); this shows them.
    provide: { showWorkerLogs: process.env.SHOW_WORKER_LOGS === "1" },
    // One workerd for every file instead of one started per file (about a second each). Files
    // then share the Worker's module state and its KV, so each test makes its own keys and
    // customers (unique ids) and never relies on what another file left behind.
    isolate: false,
    // The JSON report lets .ci/run print one plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: "test/artifacts/vitest-results.json" }]],
  },
});
