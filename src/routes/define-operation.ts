import { sValidator } from "@hono/standard-validator";
import type { MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { createMiddleware } from "hono/factory";
import type * as z from "zod/mini";
import type { Feature } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { type DefinedRoute, defineRoute, type Operation } from "../lib/openapi.ts";
import { problemHook } from "../lib/validation.ts";
import { authenticate, type CallerVariables } from "../middleware/authenticate.ts";
import { jsonBody } from "../middleware/json-body.ts";
import { paramValidator } from "../middleware/params.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import type { AppEnv } from "../services.ts";

/** What a public operation needs configured beyond its credentials (`503 not_configured` otherwise). */
export interface OperationNeeds {
  needs?: Feature[];
}

/** The validated input a chain hands its handler, as Hono's validators type it. */
type Validated<O extends Operation> = (O["params"] extends z.ZodMiniType
  ? { in: { param: z.input<O["params"]> }; out: { param: z.output<O["params"]> } }
  : { in: object; out: object }) &
  (O["body"] extends z.ZodMiniType ? { in: { json: z.input<O["body"]> }; out: { json: z.output<O["body"]> } } : object);

/** What the chain sets for the handler: the caller, when the operation has credentials. */
type ChainEnv<O extends Operation> = O["security"] extends readonly unknown[]
  ? AppEnv & { Variables: CallerVariables }
  : AppEnv;

export type Chain<O extends Operation> = MiddlewareHandler<
  ChainEnv<O>,
  string,
  { in: Validated<O>["in"]; out: Validated<O>["out"] }
>;

export type DefinedOperation<O extends Operation> = DefinedRoute<O> & { chain: Chain<O> };

/**
 * Declares a public operation once and builds, from the same descriptor, everything that runs
 * before its handler, in this order: authentication from `security` and `scopes` (with the
 * Origin refusal of `serverOnly`), the rate-limit gate, validators from `params` and `body`,
 * and the configuration its `needs` name. The route mounts `chain` and its handler on
 * `honoPath`, nothing else; a test holds every defined operation to that.
 *
 * @example
 * export const getMe = defineOperation({ method: "get", path: "/v1/me", security: ["customerToken"], ... });
 * export const meRoutes = new Hono<AppEnv>().get(getMe.honoPath, getMe.chain, (c) => ...);
 */
export function defineOperation<const O extends Operation & OperationNeeds>(operation: O): DefinedOperation<O> {
  const route = defineRoute(operation);
  const steps: MiddlewareHandler[] = [];
  const { security, scopes } = operation;
  if (security) {
    if (!scopes) throw new Error(`${operation.operationId}: security needs scopes`);
    const keys = security.some((scheme) => scheme !== "customerToken");
    steps.push(authenticate({ scopes, keys, tokens: security.includes("customerToken") }));
    if (operation.serverOnly) steps.push(refuseBrowsers);
    steps.push(rateLimit());
  }
  if (operation.params) steps.push(paramValidator(operation.params, operation.paramsError ?? "invalid_request"));
  if (operation.body) {
    steps.push(
      jsonBody(operation.bodyLimitKiB ?? 4),
      sValidator("json", operation.body, problemHook("invalid_request")),
    );
  }
  for (const feature of operation.needs ?? []) steps.push(requireConfigured(feature));
  // On the registered descriptor itself, so the document's registry and the app share one object.
  return Object.assign(route, { chain: every(...steps) as unknown as Chain<O> });
}

export const browserRefused = () =>
  new ApiError(
    "forbidden",
    "Customer tokens are issued server to server: a key that can issue them must never sit in a page.",
  );

const refuseBrowsers = createMiddleware(async function refuseBrowsers(c, next) {
  if (c.req.header("Origin") !== undefined) throw browserRefused();
  await next();
});

function requireConfigured(feature: Feature) {
  return createMiddleware<AppEnv>(async function requireConfigured(c, next) {
    c.get("services").require(feature);
    await next();
  });
}
