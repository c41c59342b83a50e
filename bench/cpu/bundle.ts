import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BuildOptions, build } from "esbuild";
import type { FetchHandler } from "./bindings.ts";

/**
 * esbuild as `wrangler deploy` runs it for this project: ESM, es2024, the "workerd" /
 * "worker" / "browser" conditions, `minify = true` and `keep_names = false` from wrangler.toml.
 */
export function workerBuildOptions(minify: boolean, keepNames: boolean): BuildOptions {
  return {
    bundle: true,
    format: "esm",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    minify,
    keepNames,
    logLevel: "error",
  };
}

/**
 * Bundles an entry the way `wrangler deploy` does into a temporary file and imports it, so
 * the code measured is the minified Worker bundle. `minify: false` keeps names readable for
 * a CPU profile.
 */
export async function importBundle(
  entry: string,
  minify: boolean,
  keepNames = false,
): Promise<{ handler: FetchHandler; code: string; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), "customer-edge-bench-cpu-"));
  try {
    const outfile = join(dir, "worker.mjs");
    await build({ ...workerBuildOptions(minify, keepNames), entryPoints: [entry], outfile });
    const url = pathToFileURL(outfile).href;
    const app = ((await import(url)) as { default: { fetch: FetchHandler } }).default;
    return { handler: (request, env, ctx) => app.fetch(request, env, ctx), code: readFileSync(outfile, "utf8"), url };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
