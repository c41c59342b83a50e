import * as z from "zod/mini";
import type { ApiKeyRecord } from "./keys/key-record.ts";
import { ApiError } from "./lib/errors.ts";

/** Parsed, validated configuration: numbers are numbers, secrets present or named missing. */
export interface Config {
  baseUrl: string;
  cacheTtlSeconds: number;
  cacheStaleSeconds: number;
  negativeCacheTtlSeconds: number;
  upstreamTimeoutMs: number;
}

/** Per-request values on `c.var`. */
export interface AppVariables {
  requestId: string;
  apiKey: ApiKeyRecord;
  /** The rate-limit verdict, started by startRateLimit(); rejects with 429 when over. */
  rateLimit: Promise<void>;
  upstreamStatus: number;
  upstreamMs: number;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

const positiveInteger = (fallback: string) =>
  z.pipe(
    z._default(z.string().check(z.trim(), z.regex(/^[1-9][0-9]{0,8}$/, "must be a positive integer")), fallback),
    z.transform(Number),
  );

const ConfigSchema = z.object({
  FRONTPAYMENT_BASE_URL: z.pipe(
    z._default(z.url({ protocol: /^https?$/ }), "https://demo-api.frontpayment.no"),
    z.transform((url: string) => url.replace(/\/+$/, "")),
  ),
  CACHE_TTL_SECONDS: positiveInteger("300"),
  CACHE_STALE_SECONDS: positiveInteger("86400"),
  NEGATIVE_CACHE_TTL_SECONDS: positiveInteger("60"),
  UPSTREAM_TIMEOUT_MS: positiveInteger("2500"),
});

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

// Vars cannot change while an isolate lives, so each env object is parsed once. A WeakMap
// (not one global) because tests hand the app other env objects; entries die with them.
const parsed = new WeakMap<object, ConfigResult>();

/**
 * Reads the vars of SPEC §1. A bad value is reported by name (never its value, which might
 * be a pasted secret) so routes can answer 503 `not_configured` instead of running on a 0.
 */
export function readConfig(env: Env): ConfigResult {
  let result = parsed.get(env);
  if (!result) {
    result = parseConfig(env);
    parsed.set(env, result);
  }
  return result;
}

function parseConfig(env: Env): ConfigResult {
  const result = z.safeParse(ConfigSchema, env);
  if (!result.success) {
    const names = [...new Set(result.error.issues.map((issue) => String(issue.path[0])))];
    const problems = names.map((name) => `${name} is not valid`);
    console.error(JSON.stringify({ level: "error", message: "invalid configuration", problems }));
    return { ok: false, problems };
  }
  const v = result.data;
  return {
    ok: true,
    config: {
      baseUrl: v.FRONTPAYMENT_BASE_URL,
      cacheTtlSeconds: v.CACHE_TTL_SECONDS,
      cacheStaleSeconds: v.CACHE_STALE_SECONDS,
      negativeCacheTtlSeconds: v.NEGATIVE_CACHE_TTL_SECONDS,
      upstreamTimeoutMs: v.UPSTREAM_TIMEOUT_MS,
    },
  };
}

/** The config, or a 503 `not_configured` naming the vars at fault (never their values). */
export function requireConfig(env: Env): Config {
  const result = readConfig(env);
  if (!result.ok) throw new ApiError("not_configured", `The service is misconfigured: ${result.problems.join("; ")}.`);
  return result.config;
}
