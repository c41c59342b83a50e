import type { TestProject } from "vitest/node";
import { copyDocsAssets } from "../../scripts/copy-docs-assets.ts";
import { TEST_FRONTPAYMENT_TOKEN } from "./constants.ts";
import { startEmulator } from "./frontpayment-emulator.ts";

declare module "vitest" {
  interface ProvidedContext {
    emulatorUrl: string;
    /** Set in vitest.config.ts; read by test/helpers/logs.ts. */
    showWorkerLogs: boolean;
  }
}

// Runs in Node, not workerd: starts the Frontpayment emulator on a free loopback port that
// the Worker under test reaches over real HTTP.
export default async function setup(project: TestProject) {
  // The /docs assets must exist before the plugin reads [assets], however vitest is started.
  await copyDocsAssets();
  const emulator = await startEmulator({ port: 0, token: TEST_FRONTPAYMENT_TOKEN, slowMs: 5_000 });
  project.provide("emulatorUrl", emulator.url);
  return () => emulator.close();
}
