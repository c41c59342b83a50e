import { createApp } from "./app.ts";
import { definedOperations } from "./lib/openapi.ts";
import { buildOpenApiDocument } from "./lib/openapi-document.ts";

/**
 * The OpenAPI 3.1 document of every route defined with `defineRoute` (the app is built first,
 * so every route module has been loaded). The Worker does not run this: `npm run openapi`
 * writes it to public/openapi.json, which /openapi.json serves as a static asset, so neither
 * the document nor zod's JSON Schema generator (~8 KB gzip) is in the bundle. test/openapi.test.ts fails when the file
 * and this function disagree.
 */
export function openApiDocument() {
  createApp();
  return buildOpenApiDocument(definedOperations());
}
