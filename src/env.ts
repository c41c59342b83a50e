import type { RequestIdVariables } from "hono/request-id";
import type { TimingVariables } from "hono/timing";
import * as z from "zod/mini";
import { ApiError } from "./lib/errors.ts";
import type { ServicesVariables } from "./services.ts";

/**
 * What every route has on `c.var`. Middleware that sets more declares its own variables
 * (`ApiKeyVariables`, `RateLimitVariables`, ...), so a route's type says what really exists.
 */
export type AppEnv = { Bindings: Env; Variables: RequestIdVariables & TimingVariables & ServicesVariables };

/** Parsed, validated configuration of the read path: numbers are numbers. */
export interface Config {
  baseUrl: string;
  cacheTtlSeconds: number;
  cacheStaleSeconds: number;
  negativeCacheTtlSeconds: number;
  upstreamTimeoutMs: number;
}

/** Every setting, vars and secrets, as `parseSettings` hands them to the composition root. */
export interface Settings {
  /** The read path's vars; `problems` names each bad one (never its value). */
  config: Config | undefined;
  problems: string[];
  frontpaymentToken: string | undefined;
  adminToken: string | undefined;
}

/** Optional settings that `wrangler types` cannot know about: unset is their normal state. */
type OptionalSettings = Partial<Record<"FRONTPAYMENT_TOKEN" | "ADMIN_TOKEN", string>>;

/** Marks a var that failed its check, so one bad var does not hide the others (or the secrets). */
const INVALID = Symbol("invalid");
const checked = <T extends z.ZodMiniType>(schema: T) => z.catch(schema, INVALID as never);

const positiveInteger = (fallback: string) =>
  checked(
    z.pipe(
      z._default(z.string().check(z.trim(), z.regex(/^[1-9][0-9]{0,8}$/, "must be a positive integer")), fallback),
      z.transform(Number),
    ),
  );

/** A secret: absent, empty or blank all mean "not set". */
const secret = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) => (value?.trim() ? value : undefined)),
);

/** The one schema of every var and secret (defaults as in wrangler.toml and docs/api.md#configuration). */
const SettingsSchema = z.object({
  FRONTPAYMENT_BASE_URL: checked(
    z.pipe(
      z._default(z.url({ protocol: /^https?$/ }), "https://demo-api.frontpayment.no"),
      z.transform((url: string) => url.replace(/\/+$/, "")),
    ),
  ),
  CACHE_TTL_SECONDS: positiveInteger("300"),
  CACHE_STALE_SECONDS: positiveInteger("86400"),
  NEGATIVE_CACHE_TTL_SECONDS: positiveInteger("60"),
  UPSTREAM_TIMEOUT_MS: positiveInteger("2500"),
  FRONTPAYMENT_TOKEN: secret,
  ADMIN_TOKEN: secret,
});

/**
 * Reads every var and secret once (the composition root calls this once per isolate). A bad
 * var is reported by name, never by value (it might be a pasted secret), so the routes that
 * need it answer 503 `not_configured` instead of running on a 0.
 */
export function parseSettings(env: Env & OptionalSettings): Settings {
  const v = z.parse(SettingsSchema, env);
  const problems = Object.entries(v)
    .filter(([, value]) => (value as unknown) === INVALID)
    .map(([name]) => `${name} is not valid`);
  if (problems.length > 0) {
    console.error(JSON.stringify({ level: "error", message: "invalid configuration", problems }));
  }
  return {
    config:
      problems.length > 0
        ? undefined
        : {
            baseUrl: v.FRONTPAYMENT_BASE_URL,
            cacheTtlSeconds: v.CACHE_TTL_SECONDS,
            cacheStaleSeconds: v.CACHE_STALE_SECONDS,
            negativeCacheTtlSeconds: v.NEGATIVE_CACHE_TTL_SECONDS,
            upstreamTimeoutMs: v.UPSTREAM_TIMEOUT_MS,
          },
    problems,
    frontpaymentToken: v.FRONTPAYMENT_TOKEN,
    adminToken: v.ADMIN_TOKEN,
  };
}

/** 503 `not_configured`, naming what is missing or bad (never a value). */
export function notConfigured(problems: readonly string[]): ApiError {
  return new ApiError("not_configured", `The service is misconfigured: ${problems.join("; ")}.`);
}
