import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

/** What every in-process benchmark shares: bundling as wrangler does, workerd's settings, its inspector. */
export const ROOT = join(import.meta.dirname, "../..");

/**
 * Bundles TypeScript `contents` (imports resolved from the repo root) into one ES module the way
 * `wrangler deploy` bundles this project: esbuild, ESM, es2024, the workerd conditions,
 * `minify = true` and `keep_names = false` from wrangler.toml. `minify: false` keeps names for a profile.
 */
export async function bundle(contents: string, minify: boolean, external: string[] = []): Promise<string> {
  const built = await build({
    stdin: { contents, resolveDir: ROOT, loader: "ts", sourcefile: "bench-entry.ts" },
    bundle: true,
    format: "esm",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    minify,
    keepNames: false,
    external,
    write: false,
    logLevel: "error",
  });
  return built.outputFiles[0]!.text;
}

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

/** The parts of a V8 .cpuprofile the benchmarks read. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** A Chrome DevTools Protocol session over workerd's inspector socket: enough for V8's profiler. */
export async function inspector(url: URL) {
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
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    /** Samples `run` with V8's CPU profiler every `intervalUs`, then closes the session. */
    async profile(run: () => Promise<void>, intervalUs: number): Promise<CpuProfile> {
      await post("Profiler.enable");
      await post("Profiler.setSamplingInterval", { interval: intervalUs });
      await post("Profiler.start");
      let result: CpuProfile;
      try {
        await run();
      } finally {
        result = ((await post("Profiler.stop")) as { profile: CpuProfile }).profile;
        socket.close();
      }
      return result;
    },
  };
}
