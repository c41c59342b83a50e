import type * as z from "zod/mini";
import type { ErrorCode } from "./errors.ts";

/**
 * One descriptor per operation, in the spirit of `createRoute` from @hono/zod-openapi but
 * without its ~100 KB: the route file declares it, validates with its schemas, and
 * `openapi-document.ts` turns the same descriptors into /openapi.json.
 */
export interface Operation {
  method: "get" | "post" | "delete";
  /** OpenAPI form, `{param}`; `honoPath` gives Hono's `:param`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Names from the document's securitySchemes; any one of them suffices. */
  security?: ("apiKeyBearer" | "apiKeyHeader" | "adminToken")[];
  params?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  responses: Record<number, ResponseSpec>;
}

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omitted for bodiless answers. */
  schema?: z.ZodMiniType;
  /** A second shape the body may take instead (documented as `oneOf`). */
  alternative?: z.ZodMiniType;
  /** Problem answers name the codes they can carry. */
  problems?: ErrorCode[];
  /** Names from the document's header components. */
  headers?: string[];
  example?: unknown;
}

export function defineOperation<const T extends Operation>(operation: T): T {
  return operation;
}

export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}
