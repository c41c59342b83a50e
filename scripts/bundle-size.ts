/**
 * Builds the Worker exactly as `wrangler deploy` would (`--dry-run --outdir`), prints its size
 * raw and gzipped, and fails when the gzipped bundle exceeds the budget: cold starts on mobile
 * are paid per kilobyte, so the budget is part of the product (README "Performance").
 *
 *   npm run build:size            # prints, exits 1 over budget
 *   node scripts/bundle-size.ts --json
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUDGET_GZIP_BYTES, type BundleSize, bundleSizeOf } from "./lib/bundle-size.ts";

export function measureBundle(): BundleSize {
  const outdir = mkdtempSync(join(tmpdir(), "customer-edge-bundle-"));
  try {
    execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    return bundleSizeOf(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = measureBundle();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(size));
  } else {
    console.log(`bundle: ${kb(size.rawBytes)} raw, ${kb(size.gzipBytes)} gzip (budget ${kb(BUDGET_GZIP_BYTES)} gzip)`);
  }
  if (size.gzipBytes > BUDGET_GZIP_BYTES) {
    console.error("bundle is over its gzip budget");
    process.exit(1);
  }
}
