import type { RequestIdVariables } from "hono/request-id";
import * as z from "zod/mini";
import { READ_SCOPES } from "./keys/key-record.ts";
import { ApiError } from "./lib/errors.ts";
import type { ServerTimingVariables } from "./middleware/server-timing.ts";
import type { ServicesVariables } from "./services.ts";
import { EDGE_TOKEN_ISSUER, isUsableSigningSecret, MIN_SECRET_BYTES } from "./tokens/edge-tokens.ts";
import { isAllowedJwksUrl } from "./tokens/jwks-cache.ts";

/**
 * What every route has on `c.var`. Middleware that sets more declares its own variables
 * (`ApiKeyVariables`, `RateLimitVariables`, ...), so a route's type says what really exists.
 */
export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & Partial<ServerTimingVariables> & ServicesVariables;
};

/** Parsed, validated configuration of the read path: numbers are numbers. */
export interface Config {
  baseUrl: string;
  cacheTtlSeconds: number;
  cacheStaleSeconds: number;
  negativeCacheTtlSeconds: number;
  upstreamTimeoutMs: number;
}

/** The merchant identity provider whose customer tokens are accepted (docs/api.md#customer-tokens). */
export interface IdentityProviderConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  claim: string;
  scopes: string[];
}

/** Every setting, vars and secrets, as `parseSettings` hands them to the composition root. */
export interface Settings {
  /** The read path's vars; `problems` names each bad one (never its value). */
  config: Config | undefined;
  problems: string[];
  frontpaymentToken: string | undefined;
  adminToken: string | undefined;
  /** Tags this deployment's API keys; what is wrong with it when missing or short (no key then verifies). */
  apiKeyTagSecret: string | { problem: string };
  /** Signing secrets of edge tokens, or what is wrong with them (edge-token routes answer 503). */
  tokenSecrets: { current: string; previous: string | undefined } | { problem: string };
  /** Unset when no issuer is configured; a problem when it is, but incompletely. */
  identityProvider: IdentityProviderConfig | { problem: string; issuer: string } | undefined;
  /**
   * `Cache-Control: private, max-age=N` on customer-token answers; 0 keeps `no-cache`;
   * undefined when the var is bad (customer-token reads then answer 503).
   */
  clientMaxAgeSeconds: number | undefined;
}

type OptionalName =
  | "FRONTPAYMENT_TOKEN"
  | "ADMIN_TOKEN"
  | "API_KEY_TAG_SECRET"
  | "TOKEN_SIGNING_SECRET"
  | "TOKEN_SIGNING_SECRET_PREVIOUS"
  | "CUSTOMER_JWT_ISSUER"
  | "CUSTOMER_JWT_AUDIENCE"
  | "CUSTOMER_JWT_JWKS_URL"
  | "CUSTOMER_JWT_CLAIM"
  | "CUSTOMER_JWT_SCOPES"
  | "CLIENT_MAX_AGE_SECONDS";

/** Settings that may be unset (`wrangler types` only knows the ones wrangler.toml lists). */
export type SettingsSource = Env & Partial<Record<OptionalName, string>>;

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

/** A space-separated scope list, as CUSTOMER_JWT_SCOPES holds it. */
const scopeList = (value: string) => value.trim().split(/\s+/).filter(Boolean);
const isReadScope = (scope: string) => (READ_SCOPES as readonly string[]).includes(scope);

/** A var that may be unset: absent or blank is `undefined`. */
const optionalVar = secret;

/** `https:`, or `http:` only to this machine (a development identity provider). */
const jwksUrl = checked(
  z.optional(z.string().check(z.refine(isAllowedJwksUrl, "must be https (or http to localhost)"))),
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
  API_KEY_TAG_SECRET: secret,
  TOKEN_SIGNING_SECRET: secret,
  TOKEN_SIGNING_SECRET_PREVIOUS: secret,
  CUSTOMER_JWT_ISSUER: optionalVar,
  CUSTOMER_JWT_AUDIENCE: optionalVar,
  CUSTOMER_JWT_JWKS_URL: jwksUrl,
  CUSTOMER_JWT_CLAIM: checked(
    z._default(z.string().check(z.trim(), z.regex(/^[\w.:/-]{1,100}$/)), "frontpayment_customer_uuid"),
  ),
  CUSTOMER_JWT_SCOPES: checked(
    z.pipe(
      z._default(
        z.string().check(z.refine((value) => scopeList(value).length > 0 && scopeList(value).every(isReadScope))),
        "customers:read",
      ),
      z.transform((value: string) => [...new Set(scopeList(value))]),
    ),
  ),
  CLIENT_MAX_AGE_SECONDS: checked(
    z.pipe(z._default(z.string().check(z.trim(), z.regex(/^[0-9]{1,9}$/)), "0"), z.transform(Number)),
  ),
});

/** Names of the vars each feature needs, so a bad one affects only that feature's routes. */
const READ_PATH_VARS = [
  "FRONTPAYMENT_BASE_URL",
  "CACHE_TTL_SECONDS",
  "CACHE_STALE_SECONDS",
  "NEGATIVE_CACHE_TTL_SECONDS",
  "UPSTREAM_TIMEOUT_MS",
];
const IDENTITY_PROVIDER_VARS = ["CUSTOMER_JWT_JWKS_URL", "CUSTOMER_JWT_CLAIM", "CUSTOMER_JWT_SCOPES"];

/**
 * Reads every var and secret once (the composition root calls this once per isolate). A bad
 * var is reported by name, never by value (it might be a pasted secret), so the routes that
 * need it answer 503 `not_configured` instead of running on a 0.
 */
export function parseSettings(env: SettingsSource): Settings {
  const v = z.parse(SettingsSchema, env);
  const invalid = Object.entries(v)
    .filter(([, value]) => (value as unknown) === INVALID)
    .map(([name]) => name);
  const problems = invalid.filter((name) => READ_PATH_VARS.includes(name)).map((name) => `${name} is not valid`);
  const settings: Settings = {
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
    apiKeyTagSecret: apiKeyTagSecret(v.API_KEY_TAG_SECRET),
    tokenSecrets: tokenSecrets(v.TOKEN_SIGNING_SECRET, v.TOKEN_SIGNING_SECRET_PREVIOUS),
    identityProvider: identityProvider(v, invalid),
    clientMaxAgeSeconds: invalid.includes("CLIENT_MAX_AGE_SECONDS") ? undefined : v.CLIENT_MAX_AGE_SECONDS,
  };
  // Once per isolate, by name only: an operator's log says what to fix before any caller does.
  const logged = [
    ...invalid.map((name) => `${name} is not valid`),
    ...(typeof settings.apiKeyTagSecret === "string" ? [] : [settings.apiKeyTagSecret.problem]),
    ...("problem" in settings.tokenSecrets && v.TOKEN_SIGNING_SECRET ? [settings.tokenSecrets.problem] : []),
    ...(v.TOKEN_SIGNING_SECRET_PREVIOUS && !isUsableSigningSecret(v.TOKEN_SIGNING_SECRET_PREVIOUS)
      ? [`TOKEN_SIGNING_SECRET_PREVIOUS is shorter than ${MIN_SECRET_BYTES} bytes, so it is ignored`]
      : []),
    ...(settings.identityProvider && "problem" in settings.identityProvider ? [settings.identityProvider.problem] : []),
  ];
  if (logged.length > 0) {
    console.error(JSON.stringify({ level: "error", message: "invalid configuration", problems: [...new Set(logged)] }));
  }
  return settings;
}

function apiKeyTagSecret(secret: string | undefined): Settings["apiKeyTagSecret"] {
  if (!secret) return { problem: "API_KEY_TAG_SECRET is not set" };
  // The same bar as the signing secret: an HMAC key shorter than its output is a weaker key.
  if (!isUsableSigningSecret(secret))
    return { problem: `API_KEY_TAG_SECRET is shorter than ${MIN_SECRET_BYTES} bytes` };
  return secret;
}

function tokenSecrets(current: string | undefined, previous: string | undefined): Settings["tokenSecrets"] {
  if (!current) return { problem: "TOKEN_SIGNING_SECRET is not set" };
  if (!isUsableSigningSecret(current)) {
    return { problem: `TOKEN_SIGNING_SECRET is shorter than ${MIN_SECRET_BYTES} bytes` };
  }
  // A short previous secret is ignored rather than trusted: it only ever verifies.
  return { current, previous: isUsableSigningSecret(previous) ? previous : undefined };
}

function identityProvider(v: z.infer<typeof SettingsSchema>, invalid: readonly string[]): Settings["identityProvider"] {
  const issuer = v.CUSTOMER_JWT_ISSUER;
  if (!issuer) return undefined;
  const bad = invalid.filter((name) => IDENTITY_PROVIDER_VARS.includes(name));
  // Our own edge tokens carry this issuer; a provider named the same would be ambiguous.
  if (issuer === EDGE_TOKEN_ISSUER) bad.push("CUSTOMER_JWT_ISSUER");
  if (!v.CUSTOMER_JWT_AUDIENCE) bad.push("CUSTOMER_JWT_AUDIENCE");
  if (!v.CUSTOMER_JWT_JWKS_URL && !bad.includes("CUSTOMER_JWT_JWKS_URL")) bad.push("CUSTOMER_JWT_JWKS_URL");
  if (bad.length > 0 || !v.CUSTOMER_JWT_AUDIENCE || !v.CUSTOMER_JWT_JWKS_URL) {
    return { problem: bad.map((name) => `${name} is missing or not valid`).join("; "), issuer };
  }
  return {
    issuer,
    audience: v.CUSTOMER_JWT_AUDIENCE,
    jwksUrl: v.CUSTOMER_JWT_JWKS_URL,
    claim: v.CUSTOMER_JWT_CLAIM,
    scopes: v.CUSTOMER_JWT_SCOPES,
  };
}

/** 503 `not_configured`, naming what is missing or bad (never a value). */
export function notConfigured(problems: readonly string[]): ApiError {
  return new ApiError("not_configured", `The service is misconfigured: ${problems.join("; ")}.`);
}
