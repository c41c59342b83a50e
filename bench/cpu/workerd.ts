import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { workerBuildOptions } from "./bundle.ts";
import type { HeaderBytes } from "./header-bytes.ts";
import type { Runner } from "./runner.ts";
import type { Phase, SuiteResult } from "./suite.ts";

const ROOT = join(import.meta.dirname, "../..");

/** compatibility_date and compatibility_flags of wrangler.toml: workerd runs as deployed. */
function compatibility(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  return {
    compatibilityDate: date,
    compatibilityFlags: flags ? [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : [],
  };
}

/**
 * The suite inside workerd: the Worker, the floor app and workerd-driver.ts bundled as one
 * module (as `wrangler deploy` bundles), run by Miniflare's workerd with wrangler.toml's
 * compatibility settings and no bindings (the free ones are plain objects made in there).
 */
export async function workerdRunner(entry: string, minify: boolean, keepNames: boolean): Promise<Runner> {
  const path = (file: string) => JSON.stringify(join(import.meta.dirname, file));
  const contents =
    `import worker from ${JSON.stringify(entry)};\nimport floor from ${path("floor-app.ts")};\n` +
    `import { driver } from ${path("workerd-driver.ts")};\nexport default driver(worker, floor);\n`;
  const bundled = await build({
    ...workerBuildOptions(minify, keepNames),
    stdin: { contents, resolveDir: ROOT, loader: "ts", sourcefile: "bench-workerd-entry.ts" },
    write: false,
  });
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name: "customer-edge-bench-cpu",
          ...compatibility(),
          manifest: {
            mainModule: "bench.mjs",
            modules: { "bench.mjs": { type: "esm", contents: bundled.outputFiles![0]!.text } },
          },
        },
      },
    ],
  });
  let has: Record<Phase, boolean> = { main: false, cost: false };
  const ask = async <T>(step: string): Promise<T> => {
    const response = await mf.dispatchFetch(`http://bench${step}`);
    if (!response.ok) throw new Error(`workerd ${step}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    runtime: "workerd",
    async setup(only) {
      const query = only ? `?only=${encodeURIComponent(only.join(","))}` : "";
      return (await ask<{ cachedHeaders: HeaderBytes }>(`/setup${query}`)).cachedHeaders;
    },
    async calibrate(batchMs) {
      has = (await ask<{ has: Record<Phase, boolean> }>(`/calibrate?batch-ms=${batchMs}`)).has;
    },
    has: (phase) => has[phase],
    round: async (phase) => void (await ask(`/round?phase=${phase}`)),
    result: () => ask<SuiteResult>("/result"),
    busyMs: async (steps) => (await ask<{ ms: number }>(`/busy?steps=${steps}`)).ms,
    close: () => mf.dispose(),
  };
}
