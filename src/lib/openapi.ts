import type * as z from "zod/mini";
import type { ApiError, ErrorCode } from "./errors.ts";
import type { Scope } from "./scopes.ts";

/**
 * One descriptor per operation, in the spirit of `createRoute` from @hono/zod-openapi but
 * without its ~100 KB: a route file declares it once (src/routes/define-operation.ts, which
 * also builds the middleware chain from it), and `openapi-document.ts` turns every defined
 * route into /openapi.json. Routes not meant for the public document (admin, /docs) are plain
 * Hono routes.
 */
export interface Operation {
  method: "get" | "post" | "delete";
  /** OpenAPI form, `{param}`; the route is mounted on the same path in Hono's `:param` form. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Names from the document's securitySchemes; any one of them suffices. */
  security?: SecurityScheme[];
  /** With `security`: the scopes of which the caller must hold one. */
  scopes?: readonly Scope[];
  /** With `security`: refuse any request with an `Origin` (a credential that must never sit in a page). */
  serverOnly?: boolean;
  params?: z.ZodMiniObject;
  /** The problem code of a bad path parameter; default `invalid_request`. */
  paramsError?: ErrorCode;
  body?: z.ZodMiniType;
  /** With `body`: the largest body accepted, in KiB. */
  bodyLimitKiB?: number;
  responses: Record<number, ResponseSpec>;
}

export type SecurityScheme = "apiKeyBearer" | "apiKeyHeader" | "customerToken";

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omitted for bodiless answers. */
  schema?: z.ZodMiniType;
  /** A second shape the body may take instead (documented as `oneOf`). */
  alternative?: z.ZodMiniType;
  /**
   * The errors this answer can be, as the factories the code throws them with: the document's
   * examples are then the code's own texts.
   */
  problems?: (() => ApiError)[];
  /** Names from the document's header components. */
  headers?: string[];
  example?: unknown;
}

/** `/v1/customers/{uuid}` → `/v1/customers/:uuid`, as a type too, so routes stay typed for `hc`. */
export type HonoPath<P extends string> = P extends `${infer Head}{${infer Name}}${infer Tail}`
  ? `${Head}:${Name}${HonoPath<Tail>}`
  : P;

export type DefinedRoute<O extends Operation> = O & { honoPath: HonoPath<O["path"]> };

// Every operation defined so far, in definition order: the route modules define theirs when
// they are imported, so importing the app fills it. Bounded by the number of routes.
const defined: DefinedRoute<Operation>[] = [];

/**
 * Declares a public operation and gives the path to mount its handler on.
 *
 * @example
 * export const getHealth = defineRoute({ method: "get", path: "/healthz", ... });
 * export const healthRoutes = new Hono<AppEnv>().get(getHealth.honoPath, handler);
 */
export function defineRoute<const O extends Operation>(operation: O): DefinedRoute<O> {
  const route = { ...operation, honoPath: operation.path.replace(/\{(\w+)\}/g, ":$1") as HonoPath<O["path"]> };
  defined.push(route);
  return route;
}

/** The operations of every route module imported so far. */
export function definedOperations(): readonly DefinedRoute<Operation>[] {
  return defined;
}
