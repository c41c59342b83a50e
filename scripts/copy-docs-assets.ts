/**
 * Copies Swagger UI's browser files from node_modules/swagger-ui-dist into public/docs/vendor/
 * (git-ignored), where Workers static assets serve them to the GET /docs page. It runs before
 * `wrangler dev` and `wrangler deploy` ([build] in wrangler.toml) and before the tests
 * (vitest's globalSetup, test/support/global-setup.ts), so a fresh checkout never serves a page
 * without its scripts.
 *
 *   node scripts/copy-docs-assets.ts
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** What the page loads, plus the licence texts that must travel with the bundle. */
const FILES: Record<string, string> = {
  "swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "swagger-ui.css": "swagger-ui.css",
  "favicon-32x32.png": "favicon-32x32.png",
  "swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt",
  LICENSE: "LICENSE.txt",
  NOTICE: "NOTICE.txt",
};

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const VENDOR_DIR = path.join(ROOT, "public", "docs", "vendor");

export interface CopyResult {
  version: string;
  copied: number;
  unchanged: number;
  removed: number;
}

/**
 * Brings public/docs/vendor/ in line with the installed swagger-ui-dist: writes only files whose
 * bytes differ (so a `wrangler dev` rebuild leaves the assets alone) and deletes files that are
 * no longer on the list.
 */
export async function copyDocsAssets(): Promise<CopyResult> {
  const require = createRequire(import.meta.url);
  const source = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  const { version } = JSON.parse(await readFile(path.join(source, "package.json"), "utf8")) as { version: string };
  await mkdir(VENDOR_DIR, { recursive: true });

  const result: CopyResult = { version, copied: 0, unchanged: 0, removed: 0 };
  for (const [from, to] of Object.entries(FILES)) {
    const src = path.join(source, from);
    const dest = path.join(VENDOR_DIR, to);
    const [bytes, existing] = await Promise.all([readFile(src), readFile(dest).catch(() => undefined)]);
    if (existing?.equals(bytes)) {
      result.unchanged++;
      continue;
    }
    await writeFile(dest, bytes);
    result.copied++;
  }
  const wanted = new Set(Object.values(FILES));
  for (const name of await readdir(VENDOR_DIR)) {
    if (wanted.has(name)) continue;
    await rm(path.join(VENDOR_DIR, name), { recursive: true, force: true });
    result.removed++;
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  copyDocsAssets().then(
    ({ version, copied, unchanged, removed }) => {
      const target = path.relative(process.cwd(), VENDOR_DIR) || ".";
      console.log(
        `copy-docs-assets: swagger-ui-dist ${version} -> ${target} (${copied} copied, ${unchanged} unchanged, ${removed} removed)`,
      );
    },
    (error: unknown) => {
      console.error(`copy-docs-assets: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
