import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { bundle, compatibility } from "../lib/workerd.ts";

export const WORKER_NAME = "bench-cpu";
const here = (file: string) => JSON.stringify(join(import.meta.dirname, file));

/** The Worker at `entry`, the floor app and the driver (driver.ts) as one module, bundled as wrangler does. */
export function bundleWorker(entry: string, minify: boolean): Promise<string> {
  return bundle(
    `import worker from ${JSON.stringify(resolve(entry))};\nimport floor from ${here("floor-app.ts")};\n` +
      `import { driver } from ${here("driver.ts")};\nexport default driver(worker, floor);\n`,
    minify,
  );
}

export type Build = Awaited<ReturnType<typeof launch>>;

/** A workerd of its own (wrangler.toml's compatibility settings) running `code`; `ask` is one driver step. */
export async function launch(code: string, inspect = false) {
  const mf = new Miniflare({
    ...(inspect && { inspectorPort: 0 }),
    workers: [
      {
        config: {
          name: WORKER_NAME,
          ...compatibility(),
          manifest: { mainModule: "bench.mjs", modules: { "bench.mjs": { type: "esm", contents: code } } },
        },
      },
    ],
  });
  const ask = async <T>(step: string): Promise<T> => {
    const response = await mf.dispatchFetch(`http://bench${step}`);
    if (!response.ok) throw new Error(`workerd ${step}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  return { mf, ask };
}
