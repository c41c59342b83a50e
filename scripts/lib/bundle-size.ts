import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Cold starts on mobile are paid per kilobyte: CI fails above this, the benchmark reports it. */
export const BUDGET_GZIP_BYTES = 40 * 1024;

export interface BundleSize {
  rawBytes: number;
  gzipBytes: number;
  files: string[];
}

/**
 * The size of what `wrangler deploy --dry-run --outdir <outdir>` left there: every module
 * (source maps and wrangler's README excluded) concatenated and gzipped at zlib's default
 * level, which is how wrangler computes its own "gzip:" figure. One definition, so the CI
 * budget (scripts/bundle-size.ts) and the benchmark report the same number.
 */
export function bundleSizeOf(outdir: string): BundleSize {
  const files = readdirSync(outdir).filter((name) => !name.endsWith(".map") && name !== "README.md");
  const modules = Buffer.concat(files.map((name) => readFileSync(join(outdir, name))));
  return { rawBytes: modules.length, gzipBytes: gzipSync(modules).length, files };
}
