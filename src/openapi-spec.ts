import { buildOpenApiDocument } from "./lib/openapi-document.ts";
import { getCustomer } from "./routes/customers.ts";
import { getHealth } from "./routes/health.ts";

/** The public operations, in document order. Admin routes are deliberately absent. */
export const PUBLIC_OPERATIONS = [getCustomer, getHealth] as const;

/**
 * The OpenAPI 3.1 document, built from the operations' own zod schemas. The Worker does not
 * run this: `npm run openapi` writes it to src/openapi.generated.json, which /openapi.json
 * serves, so zod's JSON Schema generator (~8 KB gzip) stays out of the bundle.
 * test/openapi.test.ts fails when the file and this function disagree.
 */
export function openApiDocument() {
  return buildOpenApiDocument(PUBLIC_OPERATIONS);
}
