import { join } from "node:path";
import { importBundle } from "./bundle.ts";
import { makeHarness } from "./harness.ts";
import { nodeClock } from "./node-clock.ts";
import type { Runner } from "./runner.ts";
import { busyLoop, Suite } from "./suite.ts";
import { polyfillTimingSafeEqual, synchronousWebCrypto } from "./sync-crypto.ts";

export type NodeSuite = Awaited<ReturnType<typeof nodeSuite>>;

/** The suite in this Node process: both bundles imported here, WebCrypto made synchronous as in workerd. */
export async function nodeSuite(entry: string, minify: boolean, keepNames: boolean) {
  polyfillTimingSafeEqual();
  synchronousWebCrypto();
  console.log = () => {}; // the Worker's access log: built, not written (see cpu.ts)
  const worker = await importBundle(entry, minify, keepNames);
  const floor = await importBundle(join(import.meta.dirname, "floor-app.ts"), minify, keepNames);
  const suite = new Suite(await makeHarness(worker.handler, floor.handler), nodeClock());
  return { suite, worker, floor };
}

export async function nodeRunner(entry: string, keepNames: boolean): Promise<Runner> {
  const { suite } = await nodeSuite(entry, true, keepNames);
  return {
    runtime: "node",
    setup: (only) => suite.setup(only),
    calibrate: (batchMs) => suite.calibrate(batchMs),
    has: (phase) => suite.has(phase),
    round: (phase) => suite.round(phase),
    result: async () => suite.result(),
    async busyMs(steps) {
      const started = performance.now();
      busyLoop(steps);
      return performance.now() - started;
    },
    close: async () => {},
  };
}
