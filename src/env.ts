import * as z from "zod/mini";
import { ApiError } from "./lib/errors.ts";
import { logLine } from "./lib/log.ts";
import { isReadScope } from "./lib/scopes.ts";
import { EDGE_TOKEN_ISSUER, isUsableSecret, MIN_SECRET_BYTES } from "./lib/secrets.ts";

/*
 * The one place where vars and secrets are read and checked, and where it is decided which
 * feature is configured (`unavailable`). It imports nothing above lib/: what each service
 * needs is described here in plain values, and the composition root (services.ts) hands
 * them on.
 */

/** Parsed, validated settings of the read path: numbers are numbers. */
export interface ReadPathSettings {
  baseUrl: string;
  cacheTtlSeconds: number;
  cacheStaleSeconds: number;
  negativeCacheTtlSeconds: number;
  upstreamTimeoutMs: number;
}

/**
 * What can be switched off by a missing or bad setting, each answering `503 not_configured` on
 * what needs it (never to an anonymous caller: a missing token or key secret means those
 * credentials are refused with 401 instead):
 * - `cache`: the read path's vars (admin purge and customer reads);
 * - `customerReads`: those plus FRONTPAYMENT_TOKEN;
 * - `tokenIssuing`: TOKEN_SIGNING_SECRET;
 * - `tokenReads`: CLIENT_MAX_AGE_SECONDS (it shapes customer-token answers only);
 * - `keyCreation`: API_KEY_TAG_SECRET.
 */
export type Feature = "cache" | "customerReads" | "tokenIssuing" | "tokenReads" | "keyCreation";

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
  /** The read path's vars; undefined when one is bad (`unavailable.cache` names it). */
  readPath: ReadPathSettings | undefined;
  /** Why each feature is off, by name only (never a value); empty when it is configured. */
  unavailable: Record<Feature, string[]>;
  frontpaymentToken: string | undefined;
  adminToken: string | undefined;
  /** Tags this deployment's API keys; undefined when missing or short: no key then verifies. */
  apiKeyTagSecret: string | undefined;
  /** Signing secrets of edge tokens; undefined when unusable: edge tokens are then refused. */
  tokenSecrets: { current: string; previous: string | undefined } | undefined;
  /** Undefined when no issuer is configured, or incompletely: such tokens are then refused. */
  identityProvider: IdentityProviderConfig | undefined;
  /**
   * `Cache-Control: private, max-age=N` on customer-token answers; 0 keeps `no-cache`;
   * undefined when the var is bad (`unavailable.tokenReads`).
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

/** `https:`, or `http:` only to this machine (development): anything else is a configuration error. */
export function isAllowedJwksUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname, username, password } = new URL(url);
  if (username || password) return false;
  return protocol === "https:" || (protocol === "http:" && ["localhost", "127.0.0.1"].includes(hostname));
}

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
  const readPathProblems = invalid
    .filter((name) => READ_PATH_VARS.includes(name))
    .map((name) => `${name} is not valid`);
  const tagSecretProblem = secretProblem("API_KEY_TAG_SECRET", v.API_KEY_TAG_SECRET);
  const signingProblem = secretProblem("TOKEN_SIGNING_SECRET", v.TOKEN_SIGNING_SECRET);
  const idp = identityProvider(v, invalid);
  const maxAgeProblems = invalid.includes("CLIENT_MAX_AGE_SECONDS") ? ["CLIENT_MAX_AGE_SECONDS is not valid"] : [];
  const settings: Settings = {
    readPath:
      readPathProblems.length > 0
        ? undefined
        : {
            baseUrl: v.FRONTPAYMENT_BASE_URL,
            cacheTtlSeconds: v.CACHE_TTL_SECONDS,
            cacheStaleSeconds: v.CACHE_STALE_SECONDS,
            negativeCacheTtlSeconds: v.NEGATIVE_CACHE_TTL_SECONDS,
            upstreamTimeoutMs: v.UPSTREAM_TIMEOUT_MS,
          },
    unavailable: {
      cache: readPathProblems,
      customerReads: [...readPathProblems, ...(v.FRONTPAYMENT_TOKEN ? [] : ["FRONTPAYMENT_TOKEN is not set"])],
      tokenIssuing: signingProblem ? [signingProblem] : [],
      tokenReads: maxAgeProblems,
      keyCreation: tagSecretProblem ? [tagSecretProblem] : [],
    },
    frontpaymentToken: v.FRONTPAYMENT_TOKEN,
    adminToken: v.ADMIN_TOKEN,
    apiKeyTagSecret: tagSecretProblem ? undefined : v.API_KEY_TAG_SECRET,
    tokenSecrets: signingProblem
      ? undefined
      : // A short previous secret is ignored rather than trusted: it only ever verifies.
        {
          current: v.TOKEN_SIGNING_SECRET!,
          previous: isUsableSecret(v.TOKEN_SIGNING_SECRET_PREVIOUS) ? v.TOKEN_SIGNING_SECRET_PREVIOUS : undefined,
        },
    identityProvider: "problem" in idp ? undefined : idp.config,
    clientMaxAgeSeconds: maxAgeProblems.length > 0 ? undefined : v.CLIENT_MAX_AGE_SECONDS,
  };
  // Once per isolate, by name only: an operator's log says what to fix before any caller does.
  // An unset optional feature (no signing secret, no provider) is a choice, not a problem.
  const logged = [
    ...invalid.map((name) => `${name} is not valid`),
    ...(tagSecretProblem ? [tagSecretProblem] : []),
    ...(signingProblem && v.TOKEN_SIGNING_SECRET ? [signingProblem] : []),
    ...(v.TOKEN_SIGNING_SECRET_PREVIOUS && !isUsableSecret(v.TOKEN_SIGNING_SECRET_PREVIOUS)
      ? [`TOKEN_SIGNING_SECRET_PREVIOUS is shorter than ${MIN_SECRET_BYTES} bytes, so it is ignored`]
      : []),
    ...("problem" in idp && idp.problem ? [idp.problem] : []),
  ];
  if (logged.length > 0) {
    logLine("error", "invalid configuration", { problems: [...new Set(logged)] });
  }
  return settings;
}

/** What is wrong with an HMAC secret, or undefined when it is usable. */
function secretProblem(name: string, secret: string | undefined): string | undefined {
  if (!secret) return `${name} is not set`;
  return isUsableSecret(secret) ? undefined : `${name} is shorter than ${MIN_SECRET_BYTES} bytes`;
}

function identityProvider(
  v: z.infer<typeof SettingsSchema>,
  invalid: readonly string[],
): { config: IdentityProviderConfig | undefined } | { problem: string | undefined } {
  const issuer = v.CUSTOMER_JWT_ISSUER;
  if (!issuer) return { config: undefined };
  const bad = invalid.filter((name) => IDENTITY_PROVIDER_VARS.includes(name));
  // Our own edge tokens carry this issuer; a provider named the same would be ambiguous.
  if (issuer === EDGE_TOKEN_ISSUER) bad.push("CUSTOMER_JWT_ISSUER");
  if (!v.CUSTOMER_JWT_AUDIENCE) bad.push("CUSTOMER_JWT_AUDIENCE");
  if (!v.CUSTOMER_JWT_JWKS_URL && !bad.includes("CUSTOMER_JWT_JWKS_URL")) bad.push("CUSTOMER_JWT_JWKS_URL");
  if (bad.length > 0 || !v.CUSTOMER_JWT_AUDIENCE || !v.CUSTOMER_JWT_JWKS_URL) {
    return { problem: bad.map((name) => `${name} is missing or not valid`).join("; ") };
  }
  return {
    config: {
      issuer,
      audience: v.CUSTOMER_JWT_AUDIENCE,
      jwksUrl: v.CUSTOMER_JWT_JWKS_URL,
      claim: v.CUSTOMER_JWT_CLAIM,
      scopes: v.CUSTOMER_JWT_SCOPES,
    },
  };
}

/** Throws `503 not_configured` naming what `feature` lacks; nothing when it is configured. */
export function requireFeature(settings: Settings, feature: Feature): void {
  const problems = settings.unavailable[feature];
  if (problems.length > 0) throw notConfigured(problems);
}

/** 503 `not_configured`, naming what is missing or bad (never a value). */
export function notConfigured(problems: readonly string[]): ApiError {
  return new ApiError("not_configured", `The service is misconfigured: ${problems.join("; ")}.`);
}
