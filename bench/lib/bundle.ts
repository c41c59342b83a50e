import { openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { exited, spawnGroup } from "./process-group.ts";

export interface BundleSize {
  rawBytes: number;
  gzipBytes: number;
  files: string[];
}

/**
 * What `wrangler deploy` would upload, measured without uploading: `--dry-run --outdir`,
 * then every module in the outdir (source maps and wrangler's README excluded) concatenated
 * and gzipped at zlib's default level, which is how wrangler computes its own "gzip:" figure.
 */
export async function measureBundle(config: string, outdir: string, logPath: string): Promise<BundleSize> {
  const log = openSync(logPath, "w");
  const wrangler = join(import.meta.dirname, "../../node_modules/wrangler/bin/wrangler.js");
  const child = spawnGroup([wrangler, "deploy", "--dry-run", "--outdir", outdir, "--config", config], {
    stdio: ["ignore", log, log],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
  });
  await exited(child, 90_000);
  if (child.exitCode !== 0)
    throw new Error(`wrangler deploy --dry-run failed (exit ${child.exitCode}); see ${logPath}`);
  const files = readdirSync(outdir).filter((name) => !name.endsWith(".map") && name !== "README.md");
  const modules = Buffer.concat(files.map((name) => readFileSync(join(outdir, name))));
  return { rawBytes: modules.length, gzipBytes: gzipSync(modules).length, files };
}
