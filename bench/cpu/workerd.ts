import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { workerBuildOptions } from "./bundle.ts";
import type { HeaderBytes } from "./header-bytes.ts";
import type { Inspector } from "./profile.ts";
import type { Runner } from "./runner.ts";
import type { Phase, SuiteResult } from "./suite.ts";

const ROOT = join(import.meta.dirname, "../..");

/** compatibility_date and compatibility_flags of wrangler.toml: workerd runs as deployed. */
export function compatibility(): { compatibilityDate: string; compatibilityFlags: string[] } {
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
export async function workerdRunner(
  entry: string,
  minify: boolean,
  keepNames: boolean,
  inspect = false,
): Promise<Runner & { code: string; inspector: () => Promise<Inspector> }> {
  const path = (file: string) => JSON.stringify(join(import.meta.dirname, file));
  const contents =
    `import worker from ${JSON.stringify(entry)};\nimport floor from ${path("floor-app.ts")};\n` +
    `import { driver } from ${path("workerd-driver.ts")};\nexport default driver(worker, floor);\n`;
  const bundled = await build({
    ...workerBuildOptions(minify, keepNames),
    stdin: { contents, resolveDir: ROOT, loader: "ts", sourcefile: "bench-workerd-entry.ts" },
    write: false,
  });
  const code = bundled.outputFiles![0]!.text;
  const name = "customer-edge-bench-cpu";
  const mf = new Miniflare({
    // V8's inspector on a free port, for --profile only: the timed rounds run without it.
    ...(inspect ? { inspectorPort: 0 } : {}),
    workers: [
      {
        config: {
          name,
          ...compatibility(),
          manifest: {
            mainModule: "bench.mjs",
            modules: { "bench.mjs": { type: "esm", contents: code } },
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
    code,
    inspector: async () => cdp(new URL(`/core:user:${name}`, await mf.getInspectorURL())),
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

/** A Chrome DevTools Protocol session over workerd's inspector socket: enough for the profiler. */
async function cdp(url: URL): Promise<Inspector> {
  const socket = new WebSocket(url.href);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve);
    socket.addEventListener("error", () => reject(new Error(`workerd's inspector at ${url.host}: cannot connect`)));
  });
  let lastId = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return; // events: not asked for
    pending.delete(message.id!);
    if (message.error) waiting.reject(new Error(`workerd's inspector: ${message.error.message}`));
    else waiting.resolve(message.result);
  });
  return {
    post: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++lastId;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    disconnect: () => socket.close(),
  };
}
