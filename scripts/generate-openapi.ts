/**
 * Writes public/openapi.json from the route descriptors' zod schemas.
 *
 *   npm run openapi           # regenerate after changing a route or schema
 *   npm run openapi -- --check  # exit 1 when the committed file is out of date (CI)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// src/ is type-checked with the Workers types (tsconfig.json); importing it by a computed URL
// keeps this Node script from pulling it into the Node project (tsconfig.node.json).
const { openApiDocument }: { openApiDocument(): unknown } = await import(
  new URL("../src/openapi-spec.ts", import.meta.url).href
);

const target = fileURLToPath(new URL("../public/openapi.json", import.meta.url));
const generated = `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current !== generated) {
    console.error("public/openapi.json is out of date: run `npm run openapi`");
    process.exit(1);
  }
  console.log("public/openapi.json is up to date");
} else {
  writeFileSync(target, generated);
  console.log("wrote public/openapi.json");
}
