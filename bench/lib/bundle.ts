import { openSync } from "node:fs";
import { join } from "node:path";
import { type BundleSize, bundleSizeOf } from "../../scripts/lib/bundle-size.ts";
import { exited, spawnGroup } from "./process-group.ts";

export type { BundleSize };

/**
 * What `wrangler deploy` would upload, measured without uploading: `--dry-run --outdir`, in a
 * process group the benchmark's cleanup can stop, then counted as CI counts it.
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
  return bundleSizeOf(outdir);
}
